"""Scoring in a worker process, so a big crawl is scored on another core as it downloads.

The crawl's storage thread sends each batch here before storing it and waits (without the
interpreter lock) while the crawl goes on fetching and parsing. What comes back is stored
with the mentions, and the analysis stage then only groups them. Anything not scored here
(a small crawl, a batch stored one by one, a worker that failed) is scored by the analysis
stage as before: this is a shortcut, never the only way a mention gets its score.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from monitor.config.models import Settings
from monitor.scoring.scorer import MentionScore, Scorer

log = logging.getLogger(__name__)
START_TIMEOUT = 120.0  # seconds for the worker to start and score its first batch


class ToScore(NamedTuple):
    """What `Scorer.score` reads of a mention."""

    title: str
    text: str
    reposts: int
    comments: int
    likes: int
    tier: str
    age_hours: float | None


class ScoringWorker:
    """One worker process, started at the first batch; `close()` ends it."""

    def __init__(self, settings: Settings, trained_path: Path | None) -> None:
        self.settings = settings
        self.trained_path = trained_path
        self._pool: ProcessPoolExecutor | None = None
        self.failed = False

    def score(self, batch: list[ToScore]) -> list[MentionScore | None]:
        """A score for each, or None where it could not be scored here (then the
        analysis stage scores it). A worker that fails once is not used again."""
        if self.failed or not batch:
            return [None] * len(batch)
        try:
            if self._pool is None:
                # spawn, not fork: the crawl process runs threads and an event loop
                self._pool = ProcessPoolExecutor(
                    1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start,
                    initargs=(self.settings, self.trained_path),
                )
            return self._pool.submit(_score_all, batch).result(timeout=START_TIMEOUT)
        except Exception as e:  # noqa: BLE001 - any failure: the analysis stage scores them
            log.warning("评分子进程不可用（%s: %s），改由分析阶段评分", type(e).__name__, e)
            self.failed = True
            self.close()
            return [None] * len(batch)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_scorer: Scorer | None = None


def _start(settings: Settings, trained_path: Path | None) -> None:
    global _scorer
    _scorer = Scorer(settings, trained_path=trained_path)


def _score_all(batch: list[ToScore]) -> list[MentionScore | None]:
    assert _scorer is not None
    out: list[MentionScore | None] = []
    for x in batch:
        try:
            out.append(_scorer.score(*x))
        except Exception:  # noqa: BLE001 - this one is left to the analysis stage
            log.exception("评分失败：%s", x.title[:60])
            out.append(None)
    return out
