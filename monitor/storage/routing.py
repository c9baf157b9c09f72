"""Table of the routing area: officers' re-assignments of events to another department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class RoutingCorrection(Base):
    """An event moved to another lead department by a person; routing learns from these
    as scoring learns from sentiment labels (monitor/cases/reassign.py)."""

    __tablename__ = "routing_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # kept: the event's mentions may be purged later
    from_department: Mapped[str | None] = mapped_column(String(64))  # department codes
    to_department: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
