"""Mark clocks that passed unmet as breached and alert once per breach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.clock import fmt_beijing
from monitor.config.models import Settings
from monitor.notify.outbox import enqueue
from monitor.storage.db import Database
from monitor.storage.models import Deadline, Event
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
        for d in rows:
            d.breached_at = now
            found += 1
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
    return found
