"""Tables of the scoring area: officers' sentiment labels and people's edits to events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base

# what an officer may say about a mention's sentiment
LABELS = ("negative", "non_negative", "irrelevant")
LABEL_NAMES = {"negative": "负面", "non_negative": "非负面", "irrelevant": "无关"}


class SentimentLabel(Base):
    """An officer's correction; `yuqing sentiment train` learns from these."""

    __tablename__ = "sentiment_labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # kept: the mention may be purged later
    label: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class EventEdit(Base):
    """A person's merge or split of events, kept for the record (who, when, what)."""

    __tablename__ = "event_edits"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # merge | split
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]
