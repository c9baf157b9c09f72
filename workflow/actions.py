"""Recorded actions and the statutory clocks each one meets (a clock is met by an action).

A release of authoritative information meets the 5 h information clock, the 48 h
response clock and the interpretation clock; a press conference meets the 24 h clock;
a reply to the citizen meets the reply and complaint clocks; a transfer record meets the
transfer clock (reference/003_* 二.5, 000_* 11, 001_* 三(四), 004_* 投诉举报制度).
"""

from __future__ import annotations

ACTION_KINDS: dict[str, str] = {
    "release": "发布权威信息",
    "presser": "召开新闻发布会",
    "reply": "答复留言/投诉",
    "transfer": "移交有权处理单位",
}
# Kinds whose text is published, and so must pass the three-level review first.
PUBLISHED_KINDS = frozenset({"release", "reply"})

ACTION_MEETS: dict[str, tuple[str, ...]] = {
    "release": ("info-5h", "response-48h", "interpretation-3wd"),
    "presser": ("presser-24h",),
    "reply": ("reply-5wd", "complaint-notice-3wd", "complaint-handle-15wd", "response-48h"),
    "transfer": ("complaint-transfer-5wd",),
}


def clocks_met(kind: str, open_clocks: list[str] | tuple[str, ...]) -> list[str]:
    """The open clocks (in their order) that an action of this kind meets."""
    meets = ACTION_MEETS.get(kind, ())
    return [c for c in open_clocks if c in meets]
