"""Kept counts: each event's and each topic's mentions per minute, and each event's sources.

Spike detection counts an event's and a topic's mentions in each of the 25 hours back from
the event's newest mention, and grouping asks whether a mention's source is new to its
event, once per mention analysed. Counted from the mentions, both read every mention of a
big event, so grouping slowed as an emergency grew. These tables are updated in the flush
that changes the rows they count (same transaction), so both answers cost the same
whatever the event's size.

The hours are counted back from a moment that is not on the clock's hour, so the table is
kept per minute: `recent_counts` adds up the whole minutes of each hour from the table and
counts the mentions of the one minute each hour boundary falls in from the mentions
themselves (an index range), which gives exactly what counting every mention gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    inspect,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from monitor.clock import as_utc
from monitor.storage.lookups import SEEN_AT, MentionTopic
from monitor.storage.models import Base, Mention, UTCDateTime

HOUR_MS = 3_600_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BATCH = 5000


class EventMinute(Base):
    """How many of an event's mentions appeared in one minute (minutes since 1970, UTC)."""

    __tablename__ = "event_minute_counts"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class TopicMinute(Base):
    """How many mentions on a topic (mention_topics rows) appeared in one minute."""

    __tablename__ = "topic_minute_counts"
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class EventSource(Base):
    """A source an event's mentions came from, and how many of them: the event's sources."""

    __tablename__ = "event_sources"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


def minute_of(t: datetime) -> int:
    return (as_utc(t) - EPOCH) // timedelta(minutes=1)


def minute_start(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


# ---- keeping them in step -------------------------------------------------------------


def bump(conn: Connection, table: Any, keys: tuple[str, ...], deltas: Counter) -> None:
    """Add each delta to its row (created at need); rows that fall to 0 are removed."""
    rows = [dict(zip(keys, k, strict=True), n=d) for k, d in deltas.items() if d]
    if not rows:
        return
    t = table.__table__
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t)
    conn.execute(
        ins.on_conflict_do_update(index_elements=list(keys), set_={"n": t.c.n + ins.excluded.n}),
        rows,
    )
    for r in rows:
        if r["n"] < 0:  # a mention moved or went away: drop the rows it emptied
            conn.execute(delete(t).where(t.c.n <= 0, *(t.c[k] == r[k] for k in keys)))


def topics_changed(conn: Connection, added: Iterable[dict], removed: Iterable[tuple]) -> None:
    """mention_topics rows written (dicts with topic, seen_at) and removed ((topic, seen))."""
    deltas: Counter = Counter()
    for r in added:
        deltas[(r["topic"], minute_of(r["seen_at"]))] += 1
    for topic, seen in removed:
        deltas[(topic, minute_of(seen))] -= 1
    bump(conn, TopicMinute, ("topic", "minute"), deltas)


def topic_rows_of(conn: Connection, mention_ids: list[int]) -> list[tuple[str, datetime]]:
    """The (topic, seen_at) of these mentions' mention_topics rows, before they are rewritten."""
    if not mention_ids:
        return []
    rows = conn.execute(
        select(MentionTopic.topic, MentionTopic.seen_at).where(
            MentionTopic.mention_id.in_(mention_ids)
        )
    )
    return [(t, s) for t, s in rows]


def keep_event_counts(session: Session, _flush_context: Any) -> None:
    """After a flush: move the counts of every mention that joined, left or changed
    event, source or time (a join, a merge, a split, a re-fetched publication time)."""
    minutes: Counter = Counter()
    sources: Counter = Counter()

    def count(event_id: int | None, source_id: int, seen: datetime | None, d: int) -> None:
        if event_id is not None and seen is not None:
            minutes[(event_id, minute_of(seen))] += d
            sources[(event_id, source_id)] += d

    for obj in session.new:
        if isinstance(obj, Mention):
            count(obj.event_id, obj.source_id, obj.published_at or obj.fetched_at, 1)
    for obj in session.dirty:
        if isinstance(obj, Mention):
            state = inspect(obj)
            old = [_before(state, a) for a in ("event_id", "source_id", "published_at")]
            fetched = _before(state, "fetched_at")
            new = (obj.event_id, obj.source_id, obj.published_at)
            if tuple(old) == new and fetched == obj.fetched_at:
                continue
            count(old[0], old[1], old[2] or fetched, -1)
            count(new[0], new[1], new[2] or obj.fetched_at, 1)
    for obj in session.deleted:
        if isinstance(obj, Mention):
            state = inspect(obj)
            fetched = _before(state, "fetched_at")
            count(
                _before(state, "event_id"),
                _before(state, "source_id"),
                _before(state, "published_at") or fetched,
                -1,
            )
    if minutes:
        conn = session.connection()
        bump(conn, EventMinute, ("event_id", "minute"), minutes)
        bump(conn, EventSource, ("event_id", "source_id"), sources)


def _before(state: Any, attr: str) -> Any:
    """The attribute's value as the database held it before this flush."""
    hist = state.attrs[attr].history
    if hist.deleted:
        return hist.deleted[0]
    if hist.unchanged:
        return hist.unchanged[0]
    return None if hist.added else state.attrs[attr].value


def has_source(session: Session, event_id: int, source_id: int) -> int:
    """How many of the event's mentions came from this source."""
    return (
        session.scalar(
            select(EventSource.n).where(
                EventSource.event_id == event_id, EventSource.source_id == source_id
            )
        )
        or 0
    )


def rebuild(conn: Connection, event_ids: list[int] | None = None) -> None:
    """The tables recounted from the mentions: every event's and every topic's when
    `event_ids` is None (the migration), else only those events'."""
    where = (
        Mention.event_id.in_(event_ids) if event_ids is not None else Mention.event_id.is_not(None)
    )
    ev_table = [EventMinute.__table__, EventSource.__table__]
    for t in ev_table:
        q = delete(t)
        conn.execute(q.where(t.c.event_id.in_(event_ids)) if event_ids is not None else q)
    minutes: Counter = Counter()
    sources: Counter = Counter()
    last = 0
    while True:
        batch = conn.execute(
            select(Mention.id, Mention.event_id, Mention.source_id, SEEN_AT)
            .where(where, Mention.id > last)
            .order_by(Mention.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        last = batch[-1][0]
        for _, event_id, source_id, seen in batch:
            minutes[(event_id, minute_of(seen))] += 1
            sources[(event_id, source_id)] += 1
    _insert(conn, EventMinute, ("event_id", "minute"), minutes)
    _insert(conn, EventSource, ("event_id", "source_id"), sources)
    if event_ids is not None:
        return
    conn.execute(delete(TopicMinute.__table__))
    topics: Counter = Counter()
    for topic, seen in conn.execute(select(MentionTopic.topic, MentionTopic.seen_at)):
        topics[(topic, minute_of(seen))] += 1
    _insert(conn, TopicMinute, ("topic", "minute"), topics)


def _insert(conn: Connection, table: Any, keys: tuple[str, str], counted: Counter) -> None:
    rows = [dict(zip(keys, k, strict=True), n=n) for k, n in counted.items()]
    for i in range(0, len(rows), BATCH):
        conn.execute(table.__table__.insert(), rows[i : i + BATCH])


# ---- reading them ---------------------------------------------------------------------


def recent_counts(
    session: Session,
    until: datetime,
    hours: int,
    event_id: int | None = None,
    topic: str | None = None,
) -> list[int]:
    """Mentions per hour in the `hours` back from `until`, of one event or of one topic,
    oldest hour first: what `spikes.hourly_counts` gives for their times, to the
    millisecond as the database measures an age."""
    until = as_utc(until)
    of = "topic" if topic else "event"
    key = topic[:200] if topic else event_id
    m0 = minute_of(until)
    # whole minutes [m0 - 60(b+1), m0 - 60b) for each hour b back, from the table
    whole = [0] * hours
    for b, n in session.execute(_minutes_query(of), {"key": key, "m0": m0, "lo": m0 - 60 * hours}):
        if 0 <= b < hours:
            whole[int(b)] += int(n)
    # the mentions in the minute of each boundary, up to the boundary (age >= k hours);
    # only the last millisecond before it is measured mention by mention
    params: dict[str, Any] = {"key": key, "until": until}
    for k in range(hours + 1):
        lo = minute_start(m0 - 60 * k)
        boundary = until - timedelta(hours=k)
        params[f"lo{k}"] = lo
        params[f"mid{k}"] = max(lo, boundary - timedelta(milliseconds=1))
        params[f"hi{k}"] = boundary + timedelta(milliseconds=1)
        params[f"age{k}"] = k * HOUR_MS
    head = [0] * (hours + 1)
    for k, n in session.execute(_edges_query(session.get_bind().dialect.name, of, hours), params):
        head[int(k)] += int(n)
    counts = [whole[b] - head[b + 1] + head[b] for b in range(hours)]
    return counts[::-1]


@cache
def _minutes_query(of: str) -> Select[Any]:
    t: Any = TopicMinute if of == "topic" else EventMinute
    key = t.topic if of == "topic" else t.event_id
    m0 = bindparam("m0", type_=BigInteger())
    hour = (m0 - t.minute - 1) // 60
    return (
        select(hour, func.sum(t.n))
        .where(
            key == bindparam("key"), t.minute >= bindparam("lo", type_=BigInteger()), t.minute < m0
        )
        .group_by(hour)
    )


@cache
def _edges_query(dialect: str, of: str, hours: int) -> Any:
    """For each boundary k (k hours back from `until`), the mentions from the start of its
    minute whose age, measured as before, is at least k hours: one statement. Index
    ranges only, but for the millisecond either side of the boundary, where the age's
    rounding decides."""
    if of == "topic":
        seen: Any = MentionTopic.seen_at
        key = MentionTopic.topic == bindparam("key")
    else:
        seen, key = SEEN_AT, Mention.event_id == bindparam("key")
    until = bindparam("until", type_=UTCDateTime())
    if dialect == "sqlite":
        ms = func.round((func.julianday(until) - func.julianday(seen)) * 86_400_000)
    else:
        ms = func.round(func.extract("epoch", until - seen) * 1000)
    age = cast(ms, Float)
    parts = []
    for k in range(hours + 1):
        lo, mid, hi = (bindparam(f"{b}{k}", type_=UTCDateTime()) for b in ("lo", "mid", "hi"))
        if k == 0:
            conds = [and_(key, seen >= lo, seen <= until)]
        else:
            conds = [
                and_(key, seen >= lo, seen < mid),  # older than k hours by over 1 ms
                and_(key, seen >= mid, seen <= hi, age >= bindparam(f"age{k}", type_=Integer())),
            ]
        parts += [select(literal_column(str(k)).label("k"), func.count()).where(c) for c in conds]
    return union_all(*parts)
