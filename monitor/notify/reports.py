"""Reports through the alert outbox: their files attached at send time, and how each channel
shows one (console line, robot Markdown, Slack comment, webhook body, email parts).

A report alert's stored payload names the report's files; their bytes stay in `report_files`
and are read just before each send (`with_attachments`), so the outbox row stays small and a
resend after a restart carries the very bytes that were made.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from monitor.notify.markdown import cap_utf8, md_escape
from monitor.notify.render import slack_escape
from monitor.storage.db import Database
from monitor.storage.reports import Report, ReportFile

FORMAT_LABELS = {"docx": "Word", "pdf": "PDF", "html": "网页（HTML）", "md": "Markdown"}
# The one file a channel that takes a single upload sends (Slack): the Word file people edit
# and forward, else the closest to it.
UPLOAD_ORDER = ("docx", "pdf", "md", "html")
NOTES = ("late_label", "duplicate_label")
SUMMARY_CUT = "……（摘要过长，已截断，详见控制台）"


def is_report(payload: dict[str, Any]) -> bool:
    return bool(payload.get("report"))


def with_attachments(db: Database, payload: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A copy of `payload` with the report's files as `attachments` (bytes included), read from
    `report_files` now; or, when the report or all its files are gone, an error for people."""
    rid = payload.get("report_id")
    with db.session() as s:
        report = s.get(Report, rid) if rid is not None else None
        if report is None:
            return payload, f"报告 #{rid} 已被删除，无法发送"
        rows = s.scalars(
            select(ReportFile).where(ReportFile.report_id == report.id).order_by(ReportFile.id)
        ).all()
        if not rows:
            return payload, f"报告 #{rid}（{report.title}）的文件已被删除，无法发送"
        attachments = [
            {
                "format": f.format,
                "filename": f.filename,
                "media_type": f.media_type,
                "size": f.size,
                "sha256": f.sha256,
                "content": bytes(f.content),
            }
            for f in rows
        ]
    return payload | {"attachments": attachments}, None


def attachment(payload: dict[str, Any], fmt: str) -> dict[str, Any] | None:
    return next((a for a in payload.get("attachments", []) if a["format"] == fmt), None)


def upload_name(payload: dict[str, Any]) -> str | None:
    """The filename of the one file a single-upload channel posts (from the stored payload, so
    that reconciliation after a crash, which has no database, looks for the same name)."""
    files = payload.get("files") or {}
    return next((files[f] for f in UPLOAD_ORDER if f in files), None)


def formats(payload: dict[str, Any]) -> list[str]:
    """People's names of the report's formats, Word first."""
    have: list[str] = [a["format"] for a in payload.get("attachments", [])]
    have = have or list(payload.get("files") or {})
    ordered = [f for f in UPLOAD_ORDER if f in have] + [f for f in have if f not in UPLOAD_ORDER]
    return [FORMAT_LABELS.get(f, f) for f in ordered]


def notes(payload: dict[str, Any]) -> list[str]:
    """The dispatcher's delivery notes: late, possibly a duplicate."""
    return [payload[n] for n in NOTES if payload.get(n)]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def head(payload: dict[str, Any]) -> str:
    """`【舆情日报】<title>`: the subject line every channel opens with."""
    return f"【{payload['grade_label']}】{flat(payload['title'])}"


def console_line(payload: dict[str, Any]) -> str:
    line = f"{head(payload)}：{flat(payload['summary'])}（{payload['url']}）"
    return line + "".join(f"［{n}］" for n in notes(payload))


def plain_text(payload: dict[str, Any]) -> str:
    """The plain-text alternative of the email: what it is, the summary, the console link."""
    lines = [head(payload), f"周期：{payload['period']}", "", payload["summary"], ""]
    if formats(payload):
        lines.append(f"附件：{'、'.join(formats(payload))}")
    lines += notes(payload)
    lines.append(f"在控制台查看：{payload['url']}")
    return "\n".join(lines)


def _md_paragraphs(text: str) -> str:
    return "\n\n".join(md_escape(p) for p in (text or "").splitlines() if p.strip())


def robot_markdown(payload: dict[str, Any], limit: int) -> tuple[str, str]:
    """(title, Markdown) for a group robot, at most `limit` bytes: the summary is what gets
    cut, so the head and the console link always arrive. Report text is escaped: a title
    or summary quoting scraped text must not become a link, heading or HTML."""
    e = md_escape
    top = [f"### 【{e(payload['grade_label'])}】{e(flat(payload['title']))}", ""]
    top.append(f"- 周期：{e(payload['period'])}")
    if formats(payload):
        top.append(f"- 文件：{'、'.join(formats(payload))}")
    top += [f"- {n}" for n in notes(payload)]
    bottom = [f"[在控制台查看]({payload['url']})"]
    fixed = "\n".join([*top, "", "", "", *bottom])
    room = limit - len(fixed.encode("utf-8"))
    summary = _md_paragraphs(payload["summary"])
    if len(summary.encode("utf-8")) > room:
        summary = cap_utf8(summary, room, SUMMARY_CUT) if room > 200 else ""
    text = "\n".join([*top, "", summary, "", *bottom])
    return head(payload)[:64], cap_utf8(text, limit)


def slack_comment(payload: dict[str, Any], limit: int = 3000) -> str:
    """The message a Slack upload is shared with: what it is, the summary, the console link."""
    e = slack_escape
    summary = flat(payload["summary"])
    if len(summary) > limit:
        summary = summary[:limit] + SUMMARY_CUT
    lines = [f"*{e(head(payload))}*", f"周期：{e(payload['period'])}", e(summary)]
    lines += [f"_{e(n)}_" for n in notes(payload)]
    lines.append(f"<{payload['url']}|在控制台查看>")
    return "\n".join(lines)


def webhook_body(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as JSON: every file described with its download link, never its bytes."""
    files = [
        {k: v for k, v in a.items() if k != "content"} | {"download": download_url(payload, a)}
        for a in payload.get("attachments", [])
    ]
    return payload | {"attachments": files, "text": console_line(payload)}


def download_url(payload: dict[str, Any], file: dict[str, Any]) -> str:
    return f"{payload['url']}/files/{file['format']}"
