"""The crawler side of the pipeline: what a spider yields is normalised, deduplicated, stored."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from monitor.clock import utcnow
from monitor.config.loader import AppConfig
from monitor.pipeline.normalise import normalise
from monitor.pipeline.store import ensure_source, store
from monitor.storage.db import Database
from monitor.storage.models import Source

log = logging.getLogger(__name__)


@dataclass
class IngestCounts:
    stored: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)


class Ingest:
    """Callable item sink for spiders.run.crawl(); one transaction per item."""

    def __init__(self, app: AppConfig, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self.app = app
        self.db = db
        self.now = now
        self.counts: dict[str, IngestCounts] = {}

    def __call__(self, item: Mapping[str, Any]) -> None:
        name = str(item.get("source", "?"))
        counts = self.counts.setdefault(name, IngestCounts())
        try:
            n = normalise(item)
        except (KeyError, TypeError, ValueError) as e:
            counts.rejected.append(f"{item.get('url', '?')}：无法规范化（{type(e).__name__}: {e}）")
            return
        if not n.title and not n.text:
            counts.rejected.append(f"{n.url}：页面没有正文")
            return
        with self.db.session() as s:
            src = ensure_source(s, self.app.settings, n.source)
            if store(s, src, n, self.now()) is None:
                counts.duplicates += 1
            else:
                counts.stored += 1


def record_run(db: Database, app: AppConfig, name: str, errors: list[str], now: datetime) -> None:
    """Source health: last success, last error, run and failure counts."""
    with db.session() as s:
        src = ensure_source(s, app.settings, name)
        src.last_run_at = now
        src.runs += 1
        if errors:
            src.failed_runs += 1
            src.last_error = "；".join(errors)[:2000]
            src.last_error_at = now
        else:
            src.last_success_at = now


def source_rows(db: Database) -> list[Source]:
    with db.session() as s:
        return list(s.scalars(select(Source).order_by(Source.name)))
