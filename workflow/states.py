"""The response workflow's states and the transitions allowed between them.

Mechanism 收集 → 会商 → 研判 → 处置/回应 → 评估 → 办结 from reference/000_* 10 and
001_* 三(三); side exits dismissed, transferred (false information, 移交公安机关、网络监管部门)
and merged.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES: dict[str, str] = {
    "collected": "收集",
    "consulting": "会商",
    "judged": "研判",
    "responding": "处置/回应",
    "evaluating": "评估",
    "closed": "办结",
    "dismissed": "不予处置",
    "transferred": "已移交",
    "merged": "已合并",
}

# from-state -> allowed to-states; written out so the table is the documentation.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "collected": ("consulting", "judged", "dismissed", "merged"),
    "consulting": ("judged", "dismissed", "merged"),
    "judged": ("responding", "transferred", "consulting", "dismissed"),
    # back to judged: re-judgment, e.g. when the risk grade rises (monitor.cases)
    "responding": ("evaluating", "transferred", "judged"),
    "transferred": ("responding", "evaluating", "judged"),
    "evaluating": ("closed", "responding", "judged"),
    "closed": (),
    "dismissed": ("collected",),
    "merged": (),
}

# States after the judgment was approved and disposal began.
PAST_JUDGMENT = frozenset({"responding", "transferred", "evaluating"})

OPEN_STATES = frozenset(s for s in STATES if s not in ("closed", "dismissed", "merged"))


@dataclass(frozen=True)
class Refusal:
    message: str


def check_transition(current: str, target: str) -> Refusal | None:
    """None when `current -> target` is allowed, else a Refusal naming what is allowed."""
    if target not in STATES:
        return Refusal(f"没有“{target}”这个状态。可用状态：{'、'.join(STATES)}。")
    allowed = TRANSITIONS[current]
    if target in allowed:
        return None
    if not allowed:
        return Refusal(f"事件已{STATES[current]}，不能再变更状态。")
    names = "、".join(f"{STATES[s]}（{s}）" for s in allowed)
    return Refusal(f"不能从“{STATES[current]}”直接转到“{STATES[target]}”。当前可转到：{names}。")
