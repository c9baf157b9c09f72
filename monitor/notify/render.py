"""Render an alert payload to each channel's text, escaping scraped text for its markup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.clock import fmt_beijing, fmt_remaining
from monitor.templating import text_env


def deadline_lines(payload: dict[str, Any], now: datetime) -> list[str]:
    out = []
    for d in payload.get("deadlines", []):
        due = datetime.fromisoformat(d["due_at"])
        out.append(f"{d['title']}：{fmt_beijing(due)} 前（{fmt_remaining(due, now)}）")
    return out


def slack_escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_text(payload: dict[str, Any], now: datetime, escape=lambda s: s) -> str:  # noqa: ANN001
    safe = {k: escape(v) if isinstance(v, str) else v for k, v in payload.items()}
    return (
        text_env()
        .get_template("alerts/alert.txt.j2")
        .render(a=safe, deadlines=[escape(x) for x in deadline_lines(payload, now)])
    )
