"""The assessment's counting rules (考核口径), as pure functions of the case records.

docs/reports.md states these rules for people; tests/test_report_assessment.py counts a
small set of cases by hand and compares. A clock, obligation or commitment belongs to the
period its due time falls in, and to the lead department of its event.

- A clock is **met on time** when it was met at or before its due time, **missed** when it
  was met after it (late by met − due) or is still unmet once due (late by as_of − due).
- A clock whose due time has not come by `as_of` is **pending**: in no rate.
- A **superseded** clock (replaced by a tighter one when the grade rose, still counted from
  discovery) is not counted; the tighter one is.
- A clock of an event **merged** into another is not counted: the surviving event carries
  the matter, with its own clocks.
- An unmet clock of an event **closed or dismissed before the clock fell due** was no
  longer owed, and is not counted; closed or dismissed after it, it is missed.
- The on-time rate is met on time ÷ (met on time + missed); with nothing due, no rate.
- Time to the first authoritative response: from discovery to the first recorded release,
  press conference or reply (case actions), for events discovered in the period.
- A commitment is **kept** when fulfilled by its due time, **kept late** after it,
  **overdue** when unfulfilled once due; pending otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

ON_TIME, MISSED, PENDING, EXCLUDED = "on_time", "missed", "pending", "excluded"
RESPONSE_KINDS = ("release", "presser", "reply")


@dataclass(frozen=True)
class ClockRecord:
    event_id: int
    department_id: int | None
    clock: str  # the clock's name (info-5h, …) or "obligation:<key>"
    title: str
    due_at: datetime
    met_at: datetime | None
    superseded: bool
    event_state: str
    ended_at: datetime | None  # when the event was closed or dismissed, if it was


def clock_status(c: ClockRecord, as_of: datetime) -> tuple[str, timedelta | None]:
    """(status, how late) under the rules above."""
    if c.superseded or c.event_state == "merged":
        return EXCLUDED, None
    if c.met_at is not None and c.met_at <= as_of:
        late = c.met_at - c.due_at
        return (ON_TIME, None) if late <= timedelta(0) else (MISSED, late)
    if c.due_at > as_of:
        return PENDING, None
    if c.ended_at is not None and c.ended_at <= c.due_at:
        return EXCLUDED, None
    return MISSED, as_of - c.due_at


@dataclass
class Tally:
    on_time: int = 0
    missed: int = 0
    pending: int = 0

    def add(self, status: str) -> None:
        if status == ON_TIME:
            self.on_time += 1
        elif status == MISSED:
            self.missed += 1
        elif status == PENDING:
            self.pending += 1

    @property
    def due(self) -> int:
        return self.on_time + self.missed

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def rate_text(t: Tally) -> str:
    return "—" if t.rate is None else f"{t.rate * 100:.1f}%"


def commitment_status(due_at: datetime, fulfilled_at: datetime | None, as_of: datetime) -> str:
    if fulfilled_at is not None and fulfilled_at <= as_of:
        return "kept" if fulfilled_at <= due_at else "kept_late"
    return "overdue" if due_at <= as_of else "pending"


def median_hours(durations: list[timedelta]) -> float | None:
    return median(d.total_seconds() / 3600 for d in durations) if durations else None


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        return f"{hours * 60:.0f}分钟"
    return f"{hours:.1f}小时"
