"""The six disposal classes (分类处置) and the follow-up each obliges the agency to publish.

reference/000_* 10 and 001_* 三(三): suggestions → whether/how adopted; practical
difficulties → how studied and solved; major problems → the investigation and its
handling; vague understanding → authoritative clarifying information; wrong views →
guiding and correcting information; false information → a timely response AND transfer
of suspected illegality to the police / cyberspace authorities. The clock of each
obligation is a name from config/deadlines.yaml, counted from the leader's approval of
the judgment (when disposal starts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Obligation:
    key: str
    title: str
    clock: str
    by: str  # the action that fulfils it: "publication" or "transfer"


@dataclass(frozen=True)
class DisposalClass:
    key: str
    name: str
    obligations: tuple[Obligation, ...]


DISPOSAL_CLASSES: dict[str, DisposalClass] = {
    c.key: c
    for c in (
        DisposalClass(
            "suggestion",
            "建设性意见建议",
            (Obligation("adoption", "公开采纳情况", "reply-5wd", "publication"),),
        ),
        DisposalClass(
            "difficulty",
            "实际困难",
            (Obligation("solution", "公开研究解决情况", "complaint-handle-15wd", "publication"),),
        ),
        DisposalClass(
            "major_problem",
            "重大问题",
            (
                Obligation(
                    "investigation", "公开调查处理情况", "complaint-handle-15wd", "publication"
                ),
            ),
        ),
        DisposalClass(
            "unaware",
            "不了解情况、模糊认识",
            (Obligation("clarification", "发布权威信息澄清事实", "response-48h", "publication"),),
        ),
        DisposalClass(
            "wrong_view",
            "错误看法",
            (Obligation("correction", "发布引导纠正信息", "response-48h", "publication"),),
        ),
        DisposalClass(
            "false_info",
            "虚假和不实信息",
            (
                Obligation("clarification", "及时回应、澄清事实", "response-48h", "publication"),
                Obligation(
                    "transfer", "移交公安机关、网络监管部门", "complaint-transfer-5wd", "transfer"
                ),
            ),
        ),
    )
}


def unknown_class(key: str) -> str | None:
    if key in DISPOSAL_CLASSES:
        return None
    names = "、".join(f"{c.key}（{c.name}）" for c in DISPOSAL_CLASSES.values())
    return f"没有“{key}”这一处置类别。可用：{names}。"
