"""Three-level review before publication (三级审查) as a pure function of the recorded steps.

reference/004_* 保密审查制度 第三条: (1) the drafter's own check, stating the item's
nature; (2) the confidentiality officer (信息安全保密员), who may remove what must not be
published (区分处理); (3) the head of the unit approves and names the publisher. Nothing
is published without approval. A step counts only for the exact text it saw (its hash):
any change after an approval, a redaction included, restarts the review at level 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("drafter", "confidentiality", "leader")
LEVEL_NAMES: dict[str, str] = {
    "drafter": "拟稿人自审",
    "confidentiality": "保密员审查",
    "leader": "领导审批",
}
# The role that may take each level; `admin` may take any.
LEVEL_ROLES: dict[str, tuple[str, ...]] = {
    "drafter": ("handler", "office", "duty_officer"),
    "confidentiality": ("confidentiality",),
    "leader": ("leader",),
}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Step:
    level: str
    approved: bool  # False: returned for revision
    text_hash: str
    revision: int  # the draft's revision the step saw; an edit back to old text is new
    publisher: str | None = None  # named by the leader's approval


@dataclass(frozen=True)
class ReviewState:
    approved_levels: tuple[str, ...]
    next_level: str | None  # None once all three approved
    publisher: str | None

    @property
    def publishable(self) -> bool:
        return self.next_level is None


def review_state(steps: Iterable[Step], current_hash: str, current_revision: int) -> ReviewState:
    """Where the review of the current text and revision stands after `steps`, in order.

    Only an unbroken run of approvals of this very text, in level order, counts; a
    return, or a step on another text, starts the run again.
    """
    run: list[Step] = []
    for step in steps:
        expected = LEVELS[len(run)] if len(run) < len(LEVELS) else None
        if (
            step.approved
            and step.text_hash == current_hash
            and step.revision == current_revision
            and step.level == expected
            and (step.level != "leader" or step.publisher)
        ):
            run.append(step)
        else:
            run = []
    levels = tuple(s.level for s in run)
    nxt = LEVELS[len(run)] if len(run) < len(LEVELS) else None
    return ReviewState(levels, nxt, run[-1].publisher if nxt is None else None)


def check_step(state: ReviewState, level: str) -> str | None:
    """None when `level` may act now, else the reason in Chinese."""
    if level not in LEVELS:
        return f"没有“{level}”这一审查级别。可用：{'、'.join(LEVELS)}。"
    if state.next_level is None:
        return "三级审查均已通过，可以发布；如需修改，修改后将重新审查。"
    if level != state.next_level:
        return (
            f"审查须依次进行：当前应由“{LEVEL_NAMES[state.next_level]}”（{state.next_level}）审查。"
        )
    return None
