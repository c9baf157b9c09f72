"""Copies of the repository's config/ for tests, optionally with one file replaced."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
CASES = REPO / "tests" / "fixtures" / "config_cases"


def copy_config(dest: Path, sample_port: int | None = None, web_port: int | None = None) -> Path:
    """config/ copied to dest/config; sample site and web console moved to other ports."""
    target = dest / "config"
    shutil.copytree(CONFIG, target)
    for f in target.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if sample_port is not None:
            text = text.replace("127.0.0.1:8765", f"127.0.0.1:{sample_port}")
            text = text.replace("port: 8765", f"port: {sample_port}")
        if web_port is not None:
            text = text.replace("127.0.0.1:8000", f"127.0.0.1:{web_port}")
            text = text.replace("port: 8000", f"port: {web_port}")
        f.write_text(text, encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_case(dest: Path, case: str) -> Path:
    """config/ with the files of tests/fixtures/config_cases/<case>/ laid over it."""
    target = copy_config(dest)
    for f in (CASES / case).iterdir():
        shutil.copy(f, target / f.name)
    return target
