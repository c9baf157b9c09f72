"""docs/workflow.md: its state diagram is the one the code generates, and it covers the rules."""

from __future__ import annotations

from workflow.diagram import DOC, mermaid, render
from workflow.disposal import DISPOSAL_CLASSES
from workflow.states import STATES, TRANSITIONS

TEXT = DOC.read_text(encoding="utf-8")


def test_the_committed_diagram_matches_the_code() -> None:
    assert render(TEXT) == TEXT, "run `python -m workflow.diagram` and commit docs/workflow.md"


def test_the_diagram_has_every_state_and_transition() -> None:
    diagram = mermaid()
    for state, label in STATES.items():
        assert f'"{label} {state}"' in diagram
    for source, targets in TRANSITIONS.items():
        for target in targets:
            assert f"{source} --> {target}" in diagram


def test_the_docs_name_every_disposal_class_and_cite_the_sources() -> None:
    for c in DISPOSAL_CLASSES.values():
        assert f"`{c.key}`" in TEXT and c.name in TEXT
    for source in ("000_*", "001_*", "002_*", "003_*", "004_*", "行政许可法"):
        assert source in TEXT
