"""The crawler side of the pipeline: what a spider yields is normalised, deduplicated, stored."""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.clock import utcnow
from monitor.config.loader import AppConfig
from monitor.pipeline.normalise import Normalised, normalise
from monitor.pipeline.store import ensure_source, store, store_batch
from monitor.scoring.heat import age_hours
from monitor.scoring.scorer import MentionScore
from monitor.scoring.worker import Scoring, ScoringWorker, ToScore
from monitor.storage.db import Database
from monitor.storage.models import Source

log = logging.getLogger(__name__)
# SQLite in WAL mode answers "busy" at once (no busy_timeout wait) when a read
# transaction must become a write one after another process wrote: retry, with jitter.
LOCK_RETRIES = 40


@dataclass
class IngestCounts:
    stored: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)


class Ingest:
    """Callable item sink for spiders.run.crawl().

    Items are stored `batch` at a time in one transaction (each in its own savepoint, so
    one bad item is rejected alone); call `close()` after the crawl to store the rest.
    With batch=1 (the default) every item is committed as it arrives. With
    `background=True` the batches are stored by one worker thread, so the crawl goes on
    downloading while the previous batch is written; `close()` waits for it. With a
    `scoring` worker, every batch after the first `score_after` items is scored there
    before it is stored (see scoring/worker.py).
    """

    def __init__(
        self,
        app: AppConfig,
        db: Database,
        now: Callable[[], datetime] = utcnow,
        batch: int = 1,
        background: bool = False,
        scoring: ScoringWorker | None = None,
        score_after: int = 0,
    ) -> None:
        self.app = app
        self.db = db
        self.now = now
        self.batch = max(1, batch)
        self.scoring = scoring
        self.score_after = score_after
        self._handed_on = 0
        self.pending: list[Normalised] = []
        self.counts: dict[str, IngestCounts] = {}
        self._queue: queue.Queue[tuple[list[Normalised], Scoring | None] | None] | None = None
        self._worker: threading.Thread | None = None
        self._failure: BaseException | None = None
        if background:
            self._queue = queue.Queue(maxsize=4)  # backpressure: at most 4 batches waiting
            self._worker = threading.Thread(target=self._drain, name="ingest", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        assert self._queue is not None
        while (handed := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._write(*handed)
                except BaseException as e:  # re-raised by close() in the caller's thread
                    self._failure = e

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
        self.pending.append(n)
        if len(self.pending) >= self.batch:
            self._hand_on()

    def _hand_on(self) -> None:
        items, self.pending = self.pending, []
        if not items:
            return
        self._handed_on += len(items)
        # scoring starts now, so the worker scores this batch while the thread is still
        # storing the one before
        scoring = self._score(items)
        if self._queue is not None:
            self._queue.put((items, scoring))
        else:
            self._write(items, scoring)

    def close(self) -> None:
        """Store what is pending and, in background mode, wait for the worker."""
        self._hand_on()
        if self._queue is not None and self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._queue = self._worker = None
        if self.scoring is not None:
            self.scoring.close()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _write(self, items: list[Normalised], scoring: Scoring | None = None) -> None:
        """One transaction. Another crawler process writing to the same SQLite file can
        make it busy: the batch is then retried as a whole."""
        scored = scoring.result() if scoring is not None else [None] * len(items)
        scores = [done.score if done else None for done in scored]
        simhashes = [done.simhash if done else None for done in scored]
        for attempt in range(1, LOCK_RETRIES + 1):
            try:
                tally = self._store(items, scores, simhashes)
                break
            except OperationalError as e:
                if attempt == LOCK_RETRIES:
                    raise
                log.info("storing a batch: %s; retry %s", type(e).__name__, attempt)
                time.sleep(min(0.05 * attempt, 1.0) * (0.5 + random.random()))
        for name, (stored, duplicates, rejected) in tally.items():
            counts = self.counts[name]
            counts.stored += stored
            counts.duplicates += duplicates
            counts.rejected += rejected

    def _score(self, items: list[Normalised]) -> Scoring | None:
        """Scoring in the worker, once the crawl has shown it is a big one (the worker
        is started a little before, so as to be ready by then)."""
        if self.scoring is None:
            return None
        if self._handed_on <= self.score_after:
            if self._handed_on > self.score_after // 2:
                self.scoring.start()
            return None
        sources = self.app.settings.sources
        return self.scoring.submit(
            [
                ToScore(
                    n.title,
                    n.text,
                    n.reposts,
                    n.comments,
                    n.likes,
                    cfg.tier if (cfg := sources.get(n.source)) else "local",
                    age_hours(n.published_at, n.fetched_at),
                )
                for n in items
            ]
        )

    def _store(
        self,
        items: list[Normalised],
        scores: list[MentionScore | None],
        simhashes: list[tuple[int, bool] | None],
    ) -> dict[str, tuple[int, int, list[str]]]:
        """The batch at once; when that fails (one bad item, or another writer storing one
        of them meanwhile), one by one, each in its own savepoint (left to the analysis
        stage to score)."""
        now = self.now()
        tally: dict[str, tuple[int, int, list[str]]] = {}
        with self.db.session() as s:
            try:
                with s.begin_nested():
                    outcome = store_batch(s, self.app.settings, items, now, scores, simhashes)
            except OperationalError:
                raise
            except (SQLAlchemyError, TypeError, ValueError) as e:
                log.info("batch of %s stored one by one: %s", len(items), type(e).__name__)
            else:
                for n, stored in zip(items, outcome, strict=True):
                    done, duplicates, rejected = tally.get(n.source, (0, 0, []))
                    tally[n.source] = (done + stored, duplicates + (not stored), rejected)
                return tally
            sources: dict[str, Source] = {}
            for n in items:
                stored, duplicates, rejected = tally.get(n.source, (0, 0, []))
                try:
                    with s.begin_nested():
                        if n.source not in sources:
                            sources[n.source] = ensure_source(s, self.app.settings, n.source)
                        if store(s, sources[n.source], n, now) is None:
                            duplicates += 1
                        else:
                            stored += 1
                except OperationalError:
                    raise
                except (SQLAlchemyError, TypeError, ValueError) as e:  # a value the DB refuses
                    log.warning("item %s not stored: %s", n.url, type(e).__name__)
                    rejected = [*rejected, f"{n.url}：未能入库（{type(e).__name__}）"]
                tally[n.source] = (stored, duplicates, rejected)
        return tally


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
