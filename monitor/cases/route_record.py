"""The agency's own record for routing: its recent mentions (for IDF) and officers'
re-assignments, read from the database into a workflow.route_memory.RoutingMemory.

Mirrors the sentiment labels (monitor/scoring/labels.py): a person's correction is kept
with its text; here it counts from the next routing on, with no training step, because a
re-assignment is rare and its lesson (this matter belongs there) holds at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.storage.models import Mention
from monitor.storage.routing import RoutingCorrection
from workflow.route_memory import Reassignment, RoutingMemory

HISTORY_SIZE = 2000  # the most recent mentions the IDF is counted over
HISTORY_CHARS = 500
HISTORY_TTL = timedelta(hours=1)  # the IDF is recounted at most this often

# one memory per database (URL): re-read when a re-assignment is added or an hour passed
_CACHE: dict[str, tuple[tuple[int, int], datetime, RoutingMemory]] = {}


def reassignments(session: Session) -> list[Reassignment]:
    """Every re-assignment; an event moved twice counts only its latest move."""
    latest: dict[object, RoutingCorrection] = {}
    for row in session.scalars(select(RoutingCorrection).order_by(RoutingCorrection.id.desc())):
        latest.setdefault(row.event_id or f"row:{row.id}", row)
    return [
        Reassignment(r.text, r.to_department, r.from_department, r.event_id)
        for r in latest.values()
    ]


def history(session: Session, size: int = HISTORY_SIZE) -> list[str]:
    rows = session.execute(
        select(Mention.title, func.substr(Mention.text, 1, HISTORY_CHARS))
        .order_by(Mention.id.desc())
        .limit(size)
    )
    return [f"{title}\n{text}" for title, text in rows]


def routing_memory(session: Session, now: datetime) -> RoutingMemory:
    """The memory for this session's database, cached while nothing it reads changed."""
    key = tuple(
        session.execute(
            select(
                func.count(RoutingCorrection.id), func.coalesce(func.max(RoutingCorrection.id), 0)
            )
        ).one()
    )
    url = str(session.get_bind().engine.url)
    cached = _CACHE.get(url)
    if cached and cached[0] == key and now - cached[1] < HISTORY_TTL:
        return cached[2]
    memory = RoutingMemory(history(session), reassignments(session))
    _CACHE[url] = (key, now, memory)  # type: ignore[assignment]
    return memory
