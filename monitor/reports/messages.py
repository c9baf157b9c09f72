"""留言公开清单: representative netizen messages of a period with their replies — summary,
received date, reply date, replying department, reply content (reference/002_* (三)).

A message is a message-board post or an item entered by hand (来信来电) received in the
period; one per event is representative (the most engaged, then the earliest). Its reply
is the agency's own published reply on the event when there is one (three-level reviewed),
else the official reply the board shows.

Names (举报人保密, reference/004_* 五): a board writer's name is shown masked as boards
publish it (张**); an item entered by hand never shows anyone — its reporter is kept in a
table this module does not read — nor does a message marked confidential
(`extra.confidential`, e.g. the writer asked for it).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.loader import AppConfig
from monitor.reports.common import cn_date, cn_period, department_names
from monitor.reports.document import Document, Paragraph, Section, Table
from monitor.reports.periods import Period
from monitor.storage.models import Event, Mention
from monitor.storage.workflow import Draft

KINDS = ("board", "manual")
SUMMARY_CHARS = 120
LIMIT = 500  # a longer list is published in parts; the console has every message


def masked(name: str | None) -> str:
    if not name:
        return "网友"
    return name[0] + "**"


def writer(m: Mention) -> str:
    if m.kind == "manual":
        return "（身份保密）"
    if (m.extra or {}).get("confidential"):
        return "（应本人要求不公开）"
    return masked(m.author)


def summary_of(m: Mention) -> str:
    text = (m.title or "").strip()
    body = " ".join((m.text or "").split())
    if body and body[:20] not in text:
        text = f"{text}：{body}" if text else body
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


# what boards print inside the reply itself: 答复单位：临江区城市管理局 答复时间：2026-12-02
_REPLY_UNIT = re.compile(r"(?:答复|回复)(?:单位|部门)\s*[:：]\s*([^\s:：]{2,40})")
_REPLY_DATE = re.compile(
    r"(?:答复|回复)(?:时间|日期)\s*[:：]\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})"
)


def _board_reply_at(m: Mention, reply: str) -> date | datetime | None:
    for post in (m.extra or {}).get("posts") or []:
        if post.get("official") and post.get("at"):
            try:
                return as_utc(datetime.fromisoformat(post["at"]))
            except ValueError:
                break
    found = _REPLY_DATE.search(reply)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return None
    return None


def _board_reply_unit(reply: str) -> str | None:
    found = _REPLY_UNIT.search(reply)
    return found[1] if found else None


def build_messages(session: Session, app: AppConfig, period: Period, now: datetime) -> Document:
    w = period.window
    when = Mention.published_at.is_not(None) & (Mention.published_at >= w.start)
    rows = session.execute(
        select(Mention, Event.department_id)
        .outerjoin(Event, Event.id == Mention.event_id)
        .where(Mention.kind.in_(KINDS))
        .where(
            (when & (Mention.published_at < w.end))
            | (
                Mention.published_at.is_(None)
                & (Mention.fetched_at >= w.start)
                & (Mention.fetched_at < w.end)
            )
        )
        .order_by(Mention.id)
    ).all()
    # one representative per event: most engaged, then earliest
    best: dict[object, tuple[Mention, int | None]] = {}
    for m, dept in rows:
        key = m.event_id if m.event_id is not None else f"m{m.id}"
        engaged = (m.comments or 0) + (m.likes or 0) + (m.reposts or 0)
        held = best.get(key)
        if held is None or engaged > sum(
            (held[0].comments or 0, held[0].likes or 0, held[0].reposts or 0)
        ):
            best[key] = (m, dept)
    event_ids = sorted({m.event_id for m, _ in best.values() if m.event_id is not None})
    replies: dict[int, Draft] = {}
    for d in session.scalars(
        select(Draft)
        .where(Draft.event_id.in_(event_ids), Draft.kind == "reply")
        .where(Draft.published_at.is_not(None), Draft.published_at <= now)
        .order_by(Draft.published_at)
    ):
        replies.setdefault(d.event_id, d)
    depts = department_names(session)
    answered, waiting = [], []
    for m, dept in sorted(
        best.values(), key=lambda x: as_utc(x[0].published_at or x[0].fetched_at)
    ):
        received = m.published_at or m.fetched_at
        draft = replies.get(m.event_id or 0)
        board_reply = (m.extra or {}).get("reply_text")
        unit = depts.get(dept or 0, "未分派")
        if draft is not None:
            reply_at, reply = draft.published_at, draft.text
        elif board_reply:
            reply_at, reply = _board_reply_at(m, board_reply), board_reply
            unit = _board_reply_unit(board_reply) or unit
        else:
            waiting.append([summary_of(m), cn_date(received), depts.get(dept or 0, "未分派")])
            continue
        answered.append(
            [
                summary_of(m),
                writer(m),
                cn_date(received),
                cn_date(reply_at) if reply_at else "—",
                unit,
                reply,
            ]
        )
    shown = answered[:LIMIT]
    blocks: list = [
        Paragraph(
            f"{period.label}共收到网民留言和来信来电 {len(rows)} 件，涉及 {len(best)} 项事项；"
            f"已答复 {len(answered)} 项，正在办理 {len(waiting)} 项。"
            "现将有代表性的留言及答复情况公开如下。",
            "lead",
        ),
        Table(
            ["留言摘要", "留言人", "受理日期", "答复日期", "答复部门", "答复内容"],
            shown,
            empty="本期无已答复的留言。",
        ),
    ]
    if len(answered) > LIMIT:
        blocks.append(Paragraph(f"另有 {len(answered) - LIMIT} 项已答复留言未列出。", "note"))
    pending = [
        Table(["留言摘要", "受理日期", "承办部门"], waiting[:LIMIT], empty="无正在办理的留言。")
    ]
    return Document(
        kind="messages",
        title="网民留言办理情况公开清单",
        subtitle=period.label,
        issuer=app.settings.service.digest.issuer,
        issued_at=now,
        period=cn_period(w),
        sections=[
            Section("留言及答复情况", blocks),
            Section("正在办理的留言", pending),
            Section(
                "说明",
                [
                    Paragraph(
                        "留言人姓名按留言板公开方式隐去；来信来电及要求保密的留言人信息不予公开。",
                        "note",
                    )
                ],
            ),
        ],
        summary=f"已答复 {len(answered)} 项，正在办理 {len(waiting)} 项。",
        stem=f"留言公开清单-{period.text}",
        classification="",
    )
