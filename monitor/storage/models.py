"""SQLAlchemy models: sources, mentions, events, workflow, deadlines, alerts, audit, people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from monitor.clock import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), default="city")
    leader: Mapped[str | None] = mapped_column(String(100))
    is_office: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # duty_officer | handler | confidentiality | leader | office | admin
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    token_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)  # U…, for Slack
    created_at: Mapped[datetime]


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20))
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failed_runs: Mapped[int] = mapped_column(Integer, default=0)
    items_total: Mapped[int] = mapped_column(Integer, default=0)


class Event(Base):
    """One matter that many mentions talk about; the unit of the response workflow."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    title_rank: Mapped[int] = mapped_column(Integer, default=1)  # see pipeline/group.py
    state: Mapped[str] = mapped_column(String(20), default="collected", index=True)
    grade: Mapped[str] = mapped_column(String(4), default="IV")
    grade_reasons: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    terms: Mapped[list[Any]] = mapped_column(default=list)  # distinctive terms for grouping
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    co_departments: Mapped[list[Any]] = mapped_column(default=list)
    owner: Mapped[str | None] = mapped_column(String(100))
    routing_reasons: Mapped[list[Any]] = mapped_column(default=list)
    origin_kind: Mapped[str] = mapped_column(String(20))  # kind of the first publication
    kinds: Mapped[list[Any]] = mapped_column(default=list)  # kinds of all its mentions
    first_source: Mapped[str] = mapped_column(String(200))
    first_url: Mapped[str] = mapped_column(Text)
    first_published_at: Mapped[datetime | None]
    discovered_at: Mapped[datetime]  # statutory clocks start here
    last_mention_at: Mapped[datetime]
    mention_count: Mapped[int] = mapped_column(Integer, default=0)
    negative_count: Mapped[int] = mapped_column(Integer, default=0)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    # the strongest mention so far (its reasons without heat) and the hottest mention
    peak_points: Mapped[float] = mapped_column(Float, default=0.0)
    peak_reasons: Mapped[list[Any]] = mapped_column(default=list)
    peak_heat: Mapped[float] = mapped_column(Float, default=0.0)
    # the comments read under its mentions (storage/comments.py): how many, how many of
    # them negative, and whether a crawl stored new ones since they were last summed
    comments_read: Mapped[int] = mapped_column(Integer, default=0)
    comments_negative: Mapped[int] = mapped_column(Integer, default=0)
    comments_stale: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    department: Mapped[Department | None] = relationship()
    mentions: Mapped[list[Mention]] = relationship(back_populates="event")
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="event", order_by="Deadline.due_at"
    )


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        Index("ix_mentions_pending", "analysed_at"),
        # source health: each source's last fetch and its last day (collection/health.py)
        Index("ix_mentions_source_fetched", "source_id", "fetched_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    reposted_from: Mapped[str | None] = mapped_column(Text)
    reply_status: Mapped[str | None] = mapped_column(String(20))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # filled by analysis; NULL analysed_at means "waiting to be scored"
    analysed_at: Mapped[datetime | None]
    negative: Mapped[float | None] = mapped_column(Float)  # P(negative) in [0, 1]
    topics: Mapped[list[Any]] = mapped_column(default=list)
    categories: Mapped[dict[str, Any]] = mapped_column(default=dict)  # category -> words
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    grade: Mapped[str | None] = mapped_column(String(4))
    grade_reasons: Mapped[list[Any]] = mapped_column(default=list)
    # grouping terms; set with the score columns when a big crawl scored it as it stored
    # it (scoring/worker.py): a mention with a grade before analysis is scored already
    terms: Mapped[list[Any] | None]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    source: Mapped[Source] = relationship()
    event: Mapped[Event | None] = relationship(back_populates="mentions")


class Evidence(Base):
    """存证: the bytes as fetched, kept so the original can be shown after deletion."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), unique=True)
    final_url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    body_gz: Mapped[bytes] = mapped_column(LargeBinary)


class Transition(Base):
    __tablename__ = "transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Deadline(Base):
    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    clock: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    fallback_calendar: Mapped[bool] = mapped_column(Boolean, default=False)
    met_at: Mapped[datetime | None]
    met_by: Mapped[str | None] = mapped_column(Text)
    breached_at: Mapped[datetime | None]  # set once when the clock passes unmet
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    event: Mapped[Event] = relationship(back_populates="deadlines")


class Alert(Base):
    """The outbox: written in the same transaction as the change that caused it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotency key
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))  # new_event, grade_up, deadline_breach, ...
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    audience: Mapped[list[Any]] = mapped_column(default=list)  # role codes it is meant for
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# Tables of later areas live in their own modules (storage/<area>.py) and are imported
# here, in a written-out list, so that Base.metadata and the migrations see them.
import monitor.storage.accounts  # noqa: E402, F401  passwords, console sessions, logins
import monitor.storage.alerts  # noqa: E402, F401
import monitor.storage.collection  # noqa: E402, F401  crawl state, fingerprints, reporters
import monitor.storage.comments  # noqa: E402, F401  comments read under posts and articles
import monitor.storage.counts  # noqa: E402, F401  events' and topics' counts, events' sources
import monitor.storage.figures  # noqa: E402, F401  indexes of an event's figures
import monitor.storage.lookups  # noqa: E402, F401  event terms, mention topics, their indexes
import monitor.storage.reports  # noqa: E402, F401  reports made and their files
import monitor.storage.routing  # noqa: E402, F401  officers' re-assignments of events
import monitor.storage.scoring  # noqa: E402, F401  sentiment labels, event edits
import monitor.storage.slack  # noqa: E402, F401  Slack interaction requests already seen
import monitor.storage.workflow  # noqa: E402, F401  judgments, reviews, obligations, commitments
