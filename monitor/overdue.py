"""Mark clocks, disposal obligations and commitments that passed unmet as breached, and
alert once per breach (the misses stay recorded for the assessment, 考核)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import fmt_beijing
from monitor.config.models import Settings
from monitor.notify import escalation
from monitor.notify.outbox import enqueue
from monitor.storage.db import Database
from monitor.storage.models import Deadline, Event
from monitor.storage.workflow import Commitment, DisposalObligation, Judgment
from workflow.reminders import Ladder, due_reminder
from workflow.states import OPEN_STATES


def check_overdue(db: Database, settings: Settings, now: datetime) -> int:
    """Returns how many clocks were newly found breached."""
    found = 0
    with db.session() as s:
        rows = s.scalars(
            select(Deadline)
            .join(Event)
            .where(
                Deadline.due_at <= now,
                Deadline.met_at.is_(None),
                Deadline.breached_at.is_(None),
                Deadline.superseded.is_(False),
                Event.state.in_(OPEN_STATES),
            )
            .options(selectinload(Deadline.event))
        )
        policy = settings.channels.escalation
        for d in rows:
            d.breached_at = now
            found += 1
            if policy is not None and policy.on_breach:
                escalation.start(s, settings, d.event, f"时限“{d.title}”已超期", now, restart=True)
            enqueue(
                s,
                settings,
                "deadline_breach",
                d.event,
                now,
                key=f"breach:{d.id}",
                extra={
                    "clock": d.clock,
                    "clock_title": d.title,
                    "due_label": fmt_beijing(d.due_at),
                },
            )
        found += _ledger_breaches(s, settings, now)
    remind(db, settings, now)
    return found


def _ledger_breaches(s: Session, settings: Settings, now: datetime) -> int:
    """Obligations and commitments past due and still open: breached once, alerted once."""
    found = 0
    for model, label, key in (
        (DisposalObligation, "处置义务", "obligation"),
        (Commitment, "承诺", "commitment"),
    ):
        rows = s.scalars(
            select(model).where(
                model.due_at <= now,
                model.fulfilled_at.is_(None),
                model.breached_at.is_(None),
            )
        ).all()
        for row in rows:
            row.breached_at = now
            found += 1
            event = s.get(Event, row.event_id)
            if event is None:
                continue
            title = row.title if isinstance(row, DisposalObligation) else row.text
            enqueue(
                s,
                settings,
                "deadline_breach",
                event,
                now,
                key=f"{key}:{row.id}",
                extra={
                    "clock": key,
                    "clock_title": f"{label}：{title}",
                    "due_label": fmt_beijing(row.due_at),
                },
            )
    return found


def remind(db: Database, settings: Settings, now: datetime) -> int:
    """Queue the reminder each running clock, disposal obligation and commitment has reached
    (once per point; from the database, so a point reached while the service was down is
    reminded of when it comes back)."""
    r = settings.deadlines.reminders
    ladder = Ladder(tuple(r.at), r.before, r.overdue_every)
    queued = 0
    with db.session() as s:
        for key, title, starts, due, event in _running(s):
            point = due_reminder(starts, due, now, ladder)
            if point is None:
                continue
            queued += len(
                enqueue(
                    s,
                    settings,
                    "deadline_reminder",
                    event,
                    now,
                    key=f"remind:{key}:{point.point}",
                    extra={
                        "clock": key.split(":")[0],
                        "clock_title": title,
                        "due_label": fmt_beijing(due),
                        "reminder": f"（{point.label}）",
                    },
                )
            )
    return queued


def _running(s: Session) -> list[tuple[str, str, datetime, datetime, Event]]:
    """(key, title, start, due, event) of everything with a due time still to meet."""
    out: list[tuple[str, str, datetime, datetime, Event]] = []
    clocks = s.scalars(
        select(Deadline)
        .join(Event)
        .where(
            Deadline.met_at.is_(None), Deadline.superseded.is_(False), Event.state.in_(OPEN_STATES)
        )
        .options(selectinload(Deadline.event))
    )
    out += [(f"{d.id}", d.title, d.starts_at, d.due_at, d.event) for d in clocks]
    obligations = s.execute(
        select(DisposalObligation, Judgment.decided_at, Event)
        .join(Judgment, Judgment.id == DisposalObligation.judgment_id)
        .join(Event, Event.id == DisposalObligation.event_id)
        .where(DisposalObligation.fulfilled_at.is_(None), Judgment.decided_at.is_not(None))
    )
    out += [
        (f"obligation:{o.id}", f"处置义务：{o.title}", decided, o.due_at, ev)
        for o, decided, ev in obligations
    ]
    commitments = s.execute(
        select(Commitment, Event)
        .join(Event, Event.id == Commitment.event_id)
        .where(Commitment.fulfilled_at.is_(None))
    )
    out += [
        (f"commitment:{c.id}", f"承诺：{c.text[:40]}", c.created_at, c.due_at, ev)
        for c, ev in commitments
    ]
    return out
