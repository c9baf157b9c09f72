"""Slack interaction requests already acted on: a replay is refused by every worker, after restarts.

A row is kept until its request's timestamp is outside Slack's window; an older copy of
the request is refused as stale anyway, so the row has nothing left to guard.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class SlackSeenRequest(Base):
    __tablename__ = "slack_seen_requests"
    # a digest of the request's signature, never the signature itself: the table says
    # which requests were seen and nothing that could be sent again
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
