"""Reminder ladders on a deadline clock: which reminder, if any, is due now.

Defaults follow the issue's product decision: at 50% and 80% of the time allowed, 30 minutes
before the due time, at the breach, then every hour while overdue. Only the most recent point
that has passed is reported, so a service that was down sends one current reminder on restart
instead of replaying stale ones; each point has a stable key so it is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Ladder:
    fractions: tuple[float, ...] = (0.5, 0.8)
    before: timedelta = timedelta(minutes=30)
    overdue_every: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Reminder:
    point: str  # stable within one clock: "50%", "80%", "before", "overdue-3"
    label: str  # for people


def due_reminder(
    starts_at: datetime, due_at: datetime, now: datetime, ladder: Ladder
) -> Reminder | None:
    """The latest reminder point of the clock (starts_at → due_at) reached by `now`.

    None before the first point. At and after the due time the breach itself is alerted
    elsewhere (once); from one `overdue_every` after it, an "overdue-N" reminder repeats.
    """
    if now >= due_at:
        periods = int((now - due_at) / ladder.overdue_every) if ladder.overdue_every else 0
        if periods < 1:
            return None  # the breach alert covers the first period
        late = now - due_at
        hours, rest = divmod(int(late.total_seconds() // 60), 60)
        return Reminder(f"overdue-{periods}", f"已超时 {hours}小时{rest}分，仍未完成")
    span = due_at - starts_at
    points: list[tuple[datetime, Reminder]] = [
        (starts_at + span * f, Reminder(f"{round(f * 100)}%", f"时限已过 {round(f * 100)}%"))
        for f in sorted(ladder.fractions)
        if 0 < f < 1
    ]
    if ladder.before and due_at - ladder.before > starts_at:
        minutes = int(ladder.before.total_seconds() // 60)
        points.append((due_at - ladder.before, Reminder("before", f"距截止不足 {minutes} 分钟")))
    passed = [r for at, r in sorted(points, key=lambda p: p[0]) if at <= now]
    return passed[-1] if passed else None
