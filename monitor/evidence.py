"""Evidence retention (存证): raw copies older than `crawl.evidence_days` are dropped."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete

from monitor.storage.db import Database
from monitor.storage.models import Evidence

log = logging.getLogger(__name__)


def drop_expired(db: Database, days: int, now: datetime) -> int:
    """Delete evidence fetched more than `days` days before `now`; the mention stays."""
    with db.session() as s:
        result = s.execute(delete(Evidence).where(Evidence.fetched_at < now - timedelta(days=days)))
        removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        log.info("evidence retention: %s raw copies older than %s days dropped", removed, days)
    return removed
