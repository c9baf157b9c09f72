"""The kept counts of the events and topics one batch of analysis reads, held in memory.

`counts.recent_counts` costs a statement of 51 parts per event or topic and mention; over a
batch the same event is read again and again. `HeldCounts` reads each event's and topic's
minutes (and the exact times of the minutes an hour boundary falls in) once, then moves
them with the mentions the batch moves, so each mention costs arithmetic in memory. The
figures are those of `counts.recent_counts`: the same minutes, the same boundary rule.

What the batch changed but has not yet flushed is in none of the tables: every change is
also held as a delta per event or topic, applied to whatever is read before the next flush
and dropped once a flush has written it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Float, bindparam, cast, event, func, select, union_all
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.storage.counts import (
    HOUR_MS,
    EventMinute,
    EventSource,
    TopicMinute,
    minute_of,
    minute_start,
)
from monitor.storage.lookups import SEEN_AT, MentionTopic
from monitor.storage.models import Mention, UTCDateTime

MS = timedelta(milliseconds=1)
Key = tuple[str, Any]  # ("event", id) or ("topic", name)


class _Series:
    """One event's or topic's minutes from `lo` on, and the exact times of some minutes."""

    def __init__(self, lo: int) -> None:
        self.lo = lo
        self.minutes: dict[int, int] = defaultdict(int)
        self.times: dict[int, list[datetime]] = {}  # minute -> seen times, sorted
        self.version = 0
        self.memo: tuple[datetime, int, list[int]] | None = None  # (until, version, counts)
        self.whole: tuple[int, list[int]] | None = None  # (m0, whole-minute sums per hour)

    def move(self, seen: datetime, d: int) -> None:
        m = minute_of(seen)
        if m >= self.lo:
            self.minutes[m] += d
            if self.whole is not None:
                b = (self.whole[0] - m - 1) // 60
                if 0 <= b < len(self.whole[1]):
                    self.whole[1][b] += d
        if m in self.times:
            if d > 0:
                insort(self.times[m], seen)
            else:
                self.times[m].remove(seen)
        self.version += 1


class HeldCounts:
    """Spike counts and source checks for one session's batch (see the module's docstring)."""

    def __init__(self, session: Session, hours: int) -> None:
        self.session = session
        self.hours = hours
        self.dialect = session.get_bind().dialect.name
        self.series: dict[Key, _Series] = {}
        self.sources: dict[int, dict[int, int]] = {}
        self.unflushed: dict[Key, list[tuple[datetime, int]]] = defaultdict(list)
        self.unflushed_sources: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self._bounds_of: tuple[datetime, list[tuple[int, int, datetime, datetime, bool]]] | None
        self._bounds_of = None
        event.listen(session, "after_flush", self._flushed)

    def close(self) -> None:
        event.remove(self.session, "after_flush", self._flushed)

    def _flushed(self, _session: Session, _context: Any) -> None:
        self.unflushed.clear()
        self.unflushed_sources.clear()

    # ---- changes the batch makes -----------------------------------------------------

    def joined(self, event_id: int, source_id: int, seen: datetime) -> None:
        """A mention set to join the event (counted by the tables at the next flush)."""
        self._move(("event", event_id), as_utc(seen), 1)
        self.unflushed_sources[event_id].append((source_id, 1))
        if event_id in self.sources:
            self.sources[event_id][source_id] = self.sources[event_id].get(source_id, 0) + 1

    def topics_moved(self, seen: datetime | None, old: list[str], new: list[str]) -> None:
        """A mention's topics rewritten (its mention_topics rows change at the next flush)."""
        if seen is None:
            return
        for topic in dict.fromkeys(old):
            self._move(("topic", topic[:200]), as_utc(seen), -1)
        for topic in dict.fromkeys(new):
            self._move(("topic", topic[:200]), as_utc(seen), 1)

    def forget(self, event_id: int) -> None:
        """Read the event again from the tables (a merge moved its mentions and flushed)."""
        self.series.pop(("event", event_id), None)
        self.sources.pop(event_id, None)

    def _move(self, key: Key, seen: datetime, d: int) -> None:
        self.unflushed[key].append((seen, d))
        if key in self.series:
            self.series[key].move(seen, d)

    # ---- reading them ----------------------------------------------------------------

    def source_count(self, event_id: int, source_id: int) -> int:
        """How many of the event's mentions came from this source (`counts.has_source`)."""
        held = self.sources.get(event_id)
        if held is None:
            with self.session.no_autoflush:
                rows = self.session.execute(
                    select(EventSource.source_id, EventSource.n).where(
                        EventSource.event_id == event_id
                    )
                )
                held = {s: n for s, n in rows}
            for s, d in self.unflushed_sources.get(event_id, ()):
                held[s] = held.get(s, 0) + d
            self.sources[event_id] = held
        return held.get(source_id, 0)

    def recent_counts(
        self, until: datetime, event_id: int | None = None, topic: str | None = None
    ) -> list[int]:
        """What `counts.recent_counts(session, until, hours, event_id, topic)` returns."""
        until = as_utc(until)
        key: Key = ("topic", topic[:200]) if topic else ("event", event_id)
        hours = self.hours
        m0 = minute_of(until)
        lo = m0 - 60 * hours
        ser = self._series(key, lo)
        if ser.memo is not None and ser.memo[0] == until and ser.memo[1] == ser.version:
            return list(ser.memo[2])
        if ser.whole is None or ser.whole[0] != m0:
            whole = [0] * hours
            for m in range(lo, m0):
                n = ser.minutes.get(m)
                if n:
                    whole[(m0 - m - 1) // 60] += n
            ser.whole = (m0, whole)
        whole = ser.whole[1]
        missing = [m0 - 60 * k for k in range(hours + 1) if m0 - 60 * k not in ser.times]
        if missing:
            self._load_times(key, ser, missing)
        head = [0] * (hours + 1)
        head[0] = bisect_right(self._times(key, ser, m0), until)
        for k, start, mid, hi, spills in self._bounds(until):
            times = self._times(key, ser, start)
            n = bisect_left(times, mid)
            edge = times[n : bisect_right(times, hi)]
            if spills:  # the millisecond after the boundary is in the next minute
                nxt = self._times(key, ser, start + 1)
                edge += nxt[: bisect_right(nxt, hi)]
            if edge:
                n += sum(1 for t in edge if self._age_ms(until, t) >= k * HOUR_MS)
            head[k] = n
        out = [whole[b] - head[b + 1] + head[b] for b in range(hours)][::-1]
        ser.memo = (until, ser.version, out)
        return list(out)

    def _bounds(self, until: datetime) -> list[tuple[int, int, datetime, datetime, bool]]:
        """For each boundary k >= 1: its minute, and the times around it where the age is
        measured (counts._edges_query's lo/mid/hi), worked out once per `until`."""
        if self._bounds_of is not None and self._bounds_of[0] == until:
            return self._bounds_of[1]
        m0 = minute_of(until)
        out = []
        for k in range(1, self.hours + 1):
            start = m0 - 60 * k
            boundary = until - timedelta(hours=k)
            hi = boundary + MS
            mid = max(minute_start(start), boundary - MS)
            out.append((k, start, mid, hi, hi >= minute_start(start + 1)))
        self._bounds_of = (until, out)
        return out

    def _series(self, key: Key, lo: int) -> _Series:
        ser = self.series.get(key)
        if ser is None:
            ser = self.series[key] = _Series(lo)
            self._load_minutes(key, ser, lo, None)
        elif lo < ser.lo:
            self._load_minutes(key, ser, lo, ser.lo)
            ser.lo = lo
            ser.whole = None
        return ser

    def _load_minutes(self, key: Key, ser: _Series, lo: int, hi: int | None) -> None:
        of, k = key
        t: Any = TopicMinute if of == "topic" else EventMinute
        col = t.topic if of == "topic" else t.event_id
        q = select(t.minute, t.n).where(col == k, t.minute >= lo)
        if hi is not None:
            q = q.where(t.minute < hi)
        with self.session.no_autoflush:
            for m, n in self.session.execute(q):
                ser.minutes[m] += n
        for seen, d in self.unflushed.get(key, ()):
            m = minute_of(seen)
            if m >= lo and (hi is None or m < hi):
                ser.minutes[m] += d

    def _times(self, key: Key, ser: _Series, minute: int) -> list[datetime]:
        times = ser.times.get(minute)
        if times is None:
            self._load_times(key, ser, [minute])
            times = ser.times[minute]
        return times

    def _load_times(self, key: Key, ser: _Series, minutes: list[int]) -> None:
        """The exact seen times of these minutes, in one statement (an index range each)."""
        of, k = key
        if of == "topic":
            seen: Any = MentionTopic.seen_at
            cond = MentionTopic.topic == k
        else:
            seen, cond = SEEN_AT, Mention.event_id == k
        got: dict[int, list[datetime]] = {m: [] for m in minutes}
        for part in range(0, len(minutes), 100):
            parts = [
                select(seen).where(cond, seen >= minute_start(m), seen < minute_start(m + 1))
                for m in minutes[part : part + 100]
            ]
            q: Any = union_all(*parts) if len(parts) > 1 else parts[0]
            with self.session.no_autoflush:
                for (t,) in self.session.execute(q):
                    t = as_utc(t)
                    got[minute_of(t)].append(t)
        for t, d in self.unflushed.get(key, ()):
            m = minute_of(t)
            if m in got:
                if d > 0:
                    got[m].append(t)
                else:
                    got[m].remove(t)
        for m, times in got.items():
            times.sort()
            ser.times[m] = times

    def _age_ms(self, until: datetime, seen: datetime) -> float:
        """The age in milliseconds as the database measures it (counts._edges_query):
        exact for times on the millisecond, asked of the database otherwise."""
        if until.microsecond % 1000 == 0 and seen.microsecond % 1000 == 0:
            return (until - seen) // MS
        with self.session.no_autoflush:
            age = self.session.execute(_age_query(self.dialect), {"until": until, "seen": seen})
            return float(age.scalar_one())


@cache
def _age_query(dialect: str) -> Any:
    until, seen = bindparam("until", type_=UTCDateTime()), bindparam("seen", type_=UTCDateTime())
    if dialect == "sqlite":
        ms = func.round((func.julianday(until) - func.julianday(seen)) * 86_400_000)
    else:
        ms = func.round(func.extract("epoch", until - seen) * 1000)
    return select(cast(ms, Float))
