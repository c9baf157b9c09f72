"""What the 舆情日报 says is due: clocks breached and due today, disposal obligations and
commitments due, and each department's open items — read as of the window's end (see
daily.py), so a re-made digest shows what was open that morning."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import fmt_remaining
from monitor.config.loader import AppConfig
from monitor.reports.common import (
    ROWS_SHOWN,
    Link,
    Window,
    cn_time,
    day_end,
    department_names,
    duration_text,
    more_rows,
)
from monitor.reports.document import Paragraph, Section, Table
from monitor.storage.models import Deadline, Event
from monitor.storage.workflow import Commitment, DisposalObligation
from workflow.states import OPEN_STATES

OPEN = sorted(OPEN_STATES)


def _per_department(s: Session, query: Select) -> Counter:
    """department id -> count, from a `select(Event.department_id, count)` grouped by it."""
    return Counter(dict(s.execute(query.group_by(Event.department_id)).all()))


def clocks_section(
    s: Session, app: AppConfig, w: Window, day: date
) -> tuple[Section, dict[str, int]]:
    as_of = w.at
    today_end = day_end(day)
    unmet = (Deadline.met_at.is_(None)) | (Deadline.met_at > as_of)
    base = (
        select(Deadline)
        .join(Event)
        .where(
            Deadline.superseded.is_(False), unmet, Event.state.in_(OPEN), Deadline.starts_at < as_of
        )
        .options(selectinload(Deadline.event))
    )
    breached_q = base.where(Deadline.due_at <= as_of)
    due_q = base.where(Deadline.due_at > as_of, Deadline.due_at < today_end)
    n_breached = s.scalar(select(func.count()).select_from(breached_q.subquery())) or 0
    n_due = s.scalar(select(func.count()).select_from(due_q.subquery())) or 0
    breached = s.scalars(breached_q.order_by(Deadline.due_at, Deadline.id).limit(ROWS_SHOWN)).all()
    due = s.scalars(due_q.order_by(Deadline.due_at, Deadline.id).limit(ROWS_SHOWN)).all()
    depts = department_names(s)
    url = app.settings.service.web.public_url.rstrip("/")

    def row(d: Deadline, late: bool) -> list[str]:
        e = d.event
        when = (
            f"已超时 {duration_text(as_of - d.due_at)}" if late else fmt_remaining(d.due_at, as_of)
        )
        return [
            Link(e.title, f"{url}/events/{e.id}"),
            d.title,
            depts.get(e.department_id or 0, "未分派"),
            cn_time(d.due_at),
            when,
        ]

    cols = ["事件", "时限", "责任部门", "截止时间", "情况"]
    b_blocks: list = [
        Table(
            cols,
            [row(d, True) for d in breached],
            empty="无超期未办的回应时限。",
            marks=["late"] * len(breached),
        )
    ]
    d_blocks: list = [Table(cols, [row(d, False) for d in due], empty="今日无到期的回应时限。")]
    for blocks, total, shown in (
        (b_blocks, n_breached, len(breached)),
        (d_blocks, n_due, len(due)),
    ):
        note = more_rows(total, shown)
        if note:
            blocks.append(Paragraph(note, "note"))
    sec = Section("回应时限", [], [Section("已超期", b_blocks), Section("今日到期", d_blocks)])
    return sec, {"breached": n_breached, "due_today": n_due}


def ledger_section(
    s: Session, app: AppConfig, w: Window, day: date
) -> tuple[Section, dict[str, int]]:
    """Disposal obligations and commitments still open at the window's end, due by today."""
    as_of, today_end = w.at, day_end(day)
    url = app.settings.service.web.public_url.rstrip("/")
    obligations = s.execute(
        select(DisposalObligation, Event.title)
        .join(Event, Event.id == DisposalObligation.event_id)
        .where(
            (DisposalObligation.fulfilled_at.is_(None)) | (DisposalObligation.fulfilled_at > as_of),
            DisposalObligation.due_at < today_end,
            Event.state.in_(OPEN),
        )
        .order_by(DisposalObligation.due_at, DisposalObligation.id)
    ).all()
    commitments = s.execute(
        select(Commitment, Event.title)
        .join(Event, Event.id == Commitment.event_id)
        .where(
            (Commitment.fulfilled_at.is_(None)) | (Commitment.fulfilled_at > as_of),
            Commitment.due_at < today_end,
            Commitment.created_at < as_of,
        )
        .order_by(Commitment.due_at, Commitment.id)
    ).all()

    def state(due: datetime) -> str:
        return f"已超期 {duration_text(as_of - due)}" if due <= as_of else fmt_remaining(due, as_of)

    rows, marks = [], []
    for o, title in obligations[:ROWS_SHOWN]:
        rows.append(
            [
                "处置义务",
                Link(title, f"{url}/events/{o.event_id}"),
                o.title,
                cn_time(o.due_at),
                state(o.due_at),
            ]
        )
        marks.append("late" if o.due_at <= as_of else None)
    for c, title in commitments[:ROWS_SHOWN]:
        rows.append(
            [
                "公开承诺",
                Link(title, f"{url}/events/{c.event_id}"),
                c.text,
                cn_time(c.due_at),
                state(c.due_at),
            ]
        )
        marks.append("late" if c.due_at <= as_of else None)
    blocks: list = [
        Table(
            ["类别", "事件", "事项", "截止时间", "情况"],
            rows,
            empty="今日无到期或超期的处置义务和承诺。",
            marks=marks,
        )
    ]
    note = more_rows(len(obligations) + len(commitments), len(rows))
    if note:
        blocks.append(Paragraph(note, "note"))
    return Section("处置义务与承诺事项", blocks), {
        "obligations": len(obligations),
        "commitments": len(commitments),
    }


def departments_section(s: Session, w: Window) -> Section:
    as_of = w.at
    depts = department_names(s)
    per = _per_department
    open_events = per(
        s,
        select(Event.department_id, func.count(Event.id)).where(
            Event.state.in_(OPEN), Event.discovered_at < as_of
        ),
    )
    breached = per(
        s,
        select(Event.department_id, func.count(Deadline.id))
        .join(Event, Event.id == Deadline.event_id)
        .where(
            Event.state.in_(OPEN),
            Deadline.superseded.is_(False),
            Deadline.due_at <= as_of,
            (Deadline.met_at.is_(None)) | (Deadline.met_at > as_of),
        ),
    )
    obligations = per(
        s,
        select(Event.department_id, func.count(DisposalObligation.id))
        .join(Event, Event.id == DisposalObligation.event_id)
        .where(Event.state.in_(OPEN), DisposalObligation.fulfilled_at.is_(None)),
    )
    commitments = per(
        s,
        select(Event.department_id, func.count(Commitment.id))
        .join(Event, Event.id == Commitment.event_id)
        .where(Commitment.fulfilled_at.is_(None)),
    )
    ids = sorted(
        {*open_events, *breached, *obligations, *commitments},
        key=lambda i: (-open_events[i], depts.get(i or 0, "")),
    )
    rows = [
        [
            depts.get(i or 0, "未分派"),
            str(open_events[i]),
            str(breached[i]),
            str(obligations[i]),
            str(commitments[i]),
        ]
        for i in ids
    ]
    marks = ["late" if breached[i] else None for i in ids]
    return Section(
        "各部门在办事项",
        [
            Table(
                ["部门", "在办事件", "超期时限", "未完成处置义务", "未兑现承诺"],
                rows,
                empty="各部门均无在办事项。",
                marks=marks,
            )
        ],
    )
