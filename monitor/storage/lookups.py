"""Look-up tables and indexes the analysis stage queries by, kept in step with the rows.

An event's grouping terms and a mention's topics are JSON lists on their rows (what the
console and the API read). Grouping asks "which open events share these terms?" and spike
detection "when were this topic's mentions?" once per mention; answered from the JSON they
read every open event or every recent mention, so the analysis slowed as the day's
mentions grew. These tables answer them from an index. `keep_in_step` rewrites a row's
entries whenever a flush changes the list they mirror, whatever code changed it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, delete, func, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from monitor.storage.models import Base, Event, Mention

# When a mention appeared: its publication time, else when it was fetched. Spike detection
# and the timelines count mentions by it; the expression index below serves both databases.
SEEN_AT = func.coalesce(Mention.published_at, Mention.fetched_at)

Index("ix_mentions_event_seen", Mention.event_id, SEEN_AT)
# "is this source already in the event?" when a mention joins it
Index("ix_mentions_event_source", Mention.event_id, Mention.source_id)


class EventTerm(Base):
    """One distinctive term of an event (Event.terms), by which grouping finds the event."""

    __tablename__ = "event_terms"
    __table_args__ = (Index("ix_event_terms_term", "term", "event_id"),)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(100), primary_key=True)


class MentionTopic(Base):
    """One topic a mention matched (Mention.topics), with when the mention appeared."""

    __tablename__ = "mention_topics"
    __table_args__ = (Index("ix_mention_topics_topic_seen", "topic", "seen_at"),)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]


def term_rows(ev: Event) -> list[dict[str, Any]]:
    return [{"event_id": ev.id, "term": t[:100]} for t in dict.fromkeys(ev.terms or [])]


def topic_rows(m: Mention) -> list[dict[str, Any]]:
    return topic_entries(m.id, m.topics or [], m.published_at or m.fetched_at)


def topic_entries(mention_id: int, topics: list[str], seen: datetime) -> list[dict[str, Any]]:
    """The rows of a mention's topics, for a caller that inserts mentions without the ORM."""
    return [
        {"mention_id": mention_id, "topic": t[:200], "seen_at": seen} for t in dict.fromkeys(topics)
    ]


def keep_in_step(session: Session, _flush_context: Any) -> None:
    """After a flush: rewrite the entries of every event whose terms changed and of every
    mention whose topics or publication time changed (same transaction, so both commit or
    neither does)."""
    events, mentions = [], []
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Event) and _changed(obj, "terms"):
            events.append(obj)
        elif isinstance(obj, Mention) and _changed(obj, "topics", "published_at"):
            mentions.append(obj)
    if not events and not mentions:
        return
    conn = session.connection()
    if events:
        conn.execute(delete(EventTerm).where(EventTerm.event_id.in_([e.id for e in events])))
        rows = [r for e in events for r in term_rows(e)]
        if rows:
            conn.execute(insert(EventTerm), rows)
    if mentions:
        from monitor.storage import counts  # (it builds on this module's tables)

        ids = [m.id for m in mentions]
        removed = counts.topic_rows_of(conn, ids)
        conn.execute(delete(MentionTopic).where(MentionTopic.mention_id.in_(ids)))
        rows = [r for m in mentions for r in topic_rows(m)]
        if rows:
            conn.execute(insert(MentionTopic), rows)
        counts.topics_changed(conn, rows, removed)


def _changed(obj: Any, *attrs: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)
