"""Slack interaction requests already acted on: a replay is refused by every worker, after restarts.

A row is kept until its request's timestamp leaves Slack's window; a copy of the request
arriving later is refused as stale before this table is asked, so the row guards nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, delete, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base

if TYPE_CHECKING:  # for the annotation only: model modules load before the engine's
    from monitor.storage.db import Database

log = logging.getLogger(__name__)


class SlackSeenRequest(Base):
    __tablename__ = "slack_seen_requests"
    # a digest of the request's signature, not the signature: the table says which
    # requests were seen, and holds no part of one
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def request_digest(signature: str) -> str:
    return hashlib.sha256(signature.encode("utf-8")).hexdigest()


def first_time(db: Database, signature: str, expires_at: datetime, now: datetime) -> bool:
    """True for the first caller to claim this signature, in any process; False after.

    The primary key decides: of two workers inserting the same digest at once, the database
    lets one commit and gives the other an IntegrityError (PostgreSQL makes it wait for
    the first to commit; SQLite takes one writer at a time). Claims expired by `now` are
    pruned.
    """
    table = SlackSeenRequest.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(table).values(digest=request_digest(signature), expires_at=expires_at)
            )
    except IntegrityError:
        return False
    _prune(db, now)
    return True


def _prune(db: Database, now: datetime) -> None:
    # Its own transaction, after the claim: two workers pruning at once may lock the same
    # rows, and a failed prune must not undo a claim. The rows only take space, so a
    # prune that fails is left to the next request.
    try:
        with db.engine.begin() as conn:
            conn.execute(
                delete(SlackSeenRequest.__table__).where(SlackSeenRequest.expires_at < now)
            )
    except DBAPIError as e:
        log.info("seen Slack requests not pruned this time: %s", type(e).__name__)
