"""Markdown for the group robots (DingTalk, WeCom): scraped text escaped, size capped."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from monitor.notify.render import deadline_lines

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def md_escape(text: str) -> str:
    """Scraped text must not become links, headings or emphasis: escape the markup."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def render_markdown(payload: dict[str, Any], now: datetime) -> tuple[str, str]:
    """(title, markdown text) of an alert."""
    e = md_escape
    if payload.get("notice"):
        lines = [
            f"### 【{e(payload['kind_label'])}】{e(payload['title'])}",
            "",
            e(payload["detail"]),
            "",
            f"[在控制台中查看]({payload['url']})",
        ]
        if payload.get("late_label"):
            lines.insert(3, f"- {payload['late_label']}")
        return f"【{payload['kind_label']}】{payload['title']}"[:64], "\n".join(lines)
    title = f"【{payload['kind_label']}】{payload['grade_label']} {payload['title']}"
    lines = [
        f"### 【{e(payload['kind_label'])}】{e(payload['grade_label'])}",
        f"**[{e(payload['title'])}]({payload['url']})**",
        "",
        f"- 研判依据：{e(payload['reasons'])}",
        f"- 责任部门：{e(payload['department'])}",
        f"- 首发：{e(payload['first_source'])}，{payload['discovered_at']} 发现",
    ]
    if payload.get("old_grade"):
        lines.append(f"- 等级变化：{payload['old_grade']} → {payload['grade']}")
    if payload.get("escalation"):
        lines.append(f"- **升级**：{e(payload['escalation'])}")
    if payload.get("reminder"):
        lines.append(
            f"- 提醒：{e(payload['clock_title'])}（{payload['due_label']} 前完成）"
            f"{e(payload['reminder'])}"
        )
    elif payload.get("clock_title"):
        lines.append(f"- 超期：{e(payload['clock_title'])}（应于 {payload['due_label']} 前完成）")
    lines += [f"- 时限：{e(x)}" for x in deadline_lines(payload, now)]
    for note in ("late_label", "duplicate_label"):
        if payload.get(note):
            lines.append(f"- {payload[note]}")
    return title[:64], "\n".join(lines)


def cap_utf8(text: str, limit: int, tail: str = "\n\n（内容过长，已截断，详见控制台）") -> str:
    """At most `limit` bytes of UTF-8, cut on a character boundary, saying so."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    room = limit - len(tail.encode("utf-8"))
    return raw[:room].decode("utf-8", errors="ignore") + tail
