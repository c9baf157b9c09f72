"""The delivery log: one row per attempt to hand an alert to a channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class AlertAttempt(Base):
    __tablename__ = "alert_attempts"
    __table_args__ = (Index("ix_alert_attempts_channel_at", "channel", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    retry: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    receipt: Mapped[str | None] = mapped_column(String(100))  # e.g. Slack's message ts


class Escalation(Base):
    """One event's climb through the escalation policy (snapshotted when it started)."""

    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))  # for people: why it started
    policy: Mapped[dict[str, Any]] = mapped_column()  # the policy in force at the start
    started_at: Mapped[datetime]
    level: Mapped[int] = mapped_column(Integer, default=0)
    notices: Mapped[int] = mapped_column(Integer, default=0)  # sent at this level
    last_notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
