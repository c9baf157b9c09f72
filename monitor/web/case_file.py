"""The case file the event page shows: how the event spread (SVG charts), sentiment mix,
representative views, preserved evidence, the case record (会商, 研判, drafts and their
review, redactions as marked diffs, actions, obligations, commitments) and the audit trail."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from monitor.cases.publishing import REDACTED
from monitor.cases.view import case_view
from monitor.reports import charts
from monitor.reports.spread import event_propagation, event_trend, kind_counts
from monitor.scoring.comments import public_reaction
from monitor.scoring.events import VIEW_KINDS, representative_views
from monitor.storage.figures import ENGAGEMENT
from monitor.storage.models import AuditLog, Department, Event, Evidence, Mention, User
from monitor.storage.workflow import Draft
from workflow.actions import ACTION_KINDS
from workflow.disposal import DISPOSAL_CLASSES
from workflow.review import LEVEL_NAMES
from workflow.states import STATES

# Unchanged text kept either side of a change in a redaction diff.
CONTEXT = 40
AUDIT_LIMIT = 200
# Representative views are chosen among this many of the most engaged netizen posts:
# enough to find five distinct ones even when the top posts repeat one text.
VIEW_POOL = 100
AUDIT_ACTIONS = {
    "transition": "变更状态",
    "acknowledge": "确认升级通知",
    "opinion": "会商意见",
    "judgment": "研判意见",
    "judgment_approved": "批准研判意见",
    "judgment_returned": "退回研判意见",
    "draft_created": "起草稿件",
    "draft_edited": "修改稿件",
    "redacted": "保密删除",
    "review": "审查",
    "action": "处置行动",
    "commitment": "登记承诺",
    "commitment_fulfilled": "承诺销号",
    "reassign": "改派",
}


def _svg(block: Any) -> Markup:
    return Markup(charts.svg(block))  # noqa: S704 - every label is escaped in charts.py


def spread(session: Session, event: Event, negative_at: float) -> dict[str, Any]:
    """The propagation path and hourly trend as inline SVG (the 舆情专报's figures), the
    sentiment mix and representative views. Counted by the database: an event of 50,000
    mentions loads only the few rows the figures name (bench/console.py)."""
    kinds = kind_counts(session, event, negative_at)
    path = event_propagation(session, event, {k: c.mentions for k, c in kinds.items()})
    trend = event_trend(session, event, negative_at)
    if path is None or trend is None:
        return {
            "flow": None,
            "flow_table": None,
            "trend": None,
            "sentiment": None,
            "views": [],
            "comments": None,
        }
    flow, table = path
    total = sum(c.mentions for c in kinds.values())
    analysed = sum(c.analysed for c in kinds.values())
    negative = sum(c.negative for c in kinds.values())  # as profile() counts
    engaged = session.scalars(
        select(Mention)
        .where(Mention.event_id == event.id, Mention.kind.in_(VIEW_KINDS))
        .order_by(ENGAGEMENT.desc(), Mention.id.desc())  # ix_mentions_event_engagement
        .limit(VIEW_POOL)
    ).all()
    return {
        "flow": _svg(flow),
        "flow_alt": flow.alt,
        "flow_table": table,
        "trend": _svg(trend),
        "trend_alt": trend.alt,
        "sentiment": {
            "total": total,
            "negative": negative,
            "other": analysed - negative,
            "unscored": total - analysed,
            "negative_pct": round(negative * 100 / total, 1),
            # the comments read under the posts counted in, as the grade's reasons do
            "with_comments_pct": round(
                (negative + (event.comments_negative or 0))
                * 100
                / (total + (event.comments_read or 0)),
                1,
            ),
        },
        "views": representative_views(list(engaged)),
        "comments": public_reaction(session, event, negative_at),
        "negative_at": negative_at,
    }


def evidence_list(session: Session, event: Event) -> list[dict[str, Any]]:
    """存证 of the event's mentions: SHA-256, fetch time, size; the bytes stay in the table."""
    rows = session.execute(
        select(
            Evidence.mention_id,
            Evidence.final_url,
            Evidence.fetched_at,
            Evidence.sha256,
            Evidence.size,
            Mention.title,
        )
        .join(Mention, Mention.id == Evidence.mention_id)
        .where(Mention.event_id == event.id)
        .order_by(Evidence.fetched_at, Evidence.mention_id)
    ).all()
    return [r._asdict() for r in rows]


def redaction_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(op, text) runs, op in same/del/ins; long unchanged runs shortened to their ends."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            text = before[i1:i2]
            if len(text) > 2 * CONTEXT:
                head = text[:CONTEXT] if out else ""
                tail = text[-CONTEXT:] if i2 < len(before) else ""
                text = f"{head}…{tail}"
            out.append(("same", text))
            continue
        if i2 > i1:
            out.append(("del", before[i1:i2]))
        if j2 > j1:
            out.append(("ins", after[j1:j2]))
    return out


def _diffs(session: Session, case: dict[str, Any]) -> None:
    """Each redaction's marked diff, from the text it was made on (kept since 0012)."""
    for d in case["drafts"]:
        draft = session.get(Draft, d["id"])
        assert draft is not None
        for view, r in zip(d["redactions"], draft.redactions, strict=True):
            replacement = r.replacement or REDACTED
            if r.text_before is not None:
                view["diff"] = redaction_diff(
                    r.text_before, r.text_before.replace(r.removed, replacement)
                )
            else:
                view["diff"] = [("del", r.removed), ("ins", replacement)]
            view["from_revision"] = r.from_revision


def _detail(row: AuditLog, clocks: dict[str, str], depts: dict[str, str]) -> str:
    """The audit entry's detail in words, for the actions of a case; key=value otherwise."""
    d = row.detail or {}
    if row.action == "reassign":
        before = depts.get(str(d.get("from")), d.get("from")) if d.get("from") else "未分派"
        after = depts.get(str(d.get("to")), d.get("to"))
        return f"由{before}改为{after}主办：{d.get('reason') or ''}"
    if row.action == "transition":
        to = STATES.get(str(d.get("to")), d.get("to"))
        return f"{STATES.get(str(d.get('from')), d.get('from'))} → {to}：{d.get('reason') or ''}"
    if row.action == "review":
        verdict = "通过" if d.get("approved") else "退回"
        level = LEVEL_NAMES.get(str(d.get("level")), d.get("level"))
        return f"第 {d.get('revision')} 版 {level} {verdict} {d.get('note') or ''}".strip()
    if row.action == "judgment":
        cls = DISPOSAL_CLASSES.get(str(d.get("disposal_class")))
        name = cls.name if cls else d.get("disposal_class")
        return f"#{d.get('judgment')} {name}，{d.get('grade')}级"
    if row.action in ("judgment_approved", "judgment_returned"):
        return f"研判意见 #{d.get('judgment')}" + (f"：{d['note']}" if d.get("note") else "")
    if row.action in ("draft_edited", "redacted"):
        return f"改为第 {d.get('revision')} 版"
    if row.action == "action":
        kind = ACTION_KINDS.get(str(d.get("kind")), d.get("kind"))
        met = "、".join(clocks.get(c, c) for c in d.get("clocks_met") or [])
        draft = f"（稿件 #{d['draft']}）" if d.get("draft") else ""
        return f"{kind}{draft}" + (f"，满足时限：{met}" if met else "")
    if row.action == "opinion":
        return str(d.get("department") or "")
    if row.action in ("commitment", "commitment_fulfilled"):
        return f"承诺 #{d.get('commitment')}" + (
            f"，以稿件 #{d['draft']}" if d.get("draft") else ""
        )
    if row.action == "draft_created":
        return ""
    return "，".join(f"{k}={v}" for k, v in d.items() if v not in (None, "", []))


def audit_trail(
    session: Session, event: Event, draft_ids: list[int], depts: dict[str, str]
) -> list[dict[str, Any]]:
    """Everything recorded on the event and its drafts, oldest first (last AUDIT_LIMIT);
    `depts` names the departments (code -> name)."""
    cond = and_(AuditLog.object_type == "event", AuditLog.object_id == str(event.id))
    if draft_ids:
        cond = or_(
            cond,
            and_(
                AuditLog.object_type == "draft",
                AuditLog.object_id.in_([str(i) for i in draft_ids]),
            ),
        )
    rows = list(
        session.scalars(
            select(AuditLog).where(cond).order_by(AuditLog.id.desc()).limit(AUDIT_LIMIT)
        )
    )
    clocks = {d.clock: d.title for d in event.deadlines}
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "action": AUDIT_ACTIONS.get(r.action, r.action),
            "object": "事件" if r.object_type == "event" else f"稿件 #{r.object_id}",
            "detail": _detail(r, clocks, depts),
        }
        for r in reversed(rows)
    ]


def user_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(User.name, User.display_name)).all())


def case_file(session: Session, event: Event, now: datetime, negative_at: float) -> dict[str, Any]:
    """Everything the case page shows beyond the event's facts, clocks and mentions."""
    case = case_view(session, event, now)
    _diffs(session, case)
    case["spread"] = spread(session, event, negative_at)
    case["evidence"] = evidence_list(session, event)
    case["evidence_ids"] = {e["mention_id"] for e in case["evidence"]}
    case["dept_names"] = dict(session.execute(select(Department.code, Department.name)).all())
    case["audit"] = audit_trail(
        session, event, [d["id"] for d in case["drafts"]], case["dept_names"]
    )
    case["names"] = user_names(session)
    return case
