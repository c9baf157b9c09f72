"""Scoring in a worker process, so a big crawl is scored on another core as it downloads.

The crawl's storage thread sends each batch here before storing it and waits (without the
interpreter lock) while the crawl goes on fetching and parsing. What comes back is stored
with the mentions, and the analysis stage then only groups them. The worker also computes
each mention's SimHash, which storage needs for near-duplicates: Python work that would
otherwise hold the crawl process's one interpreter lock. Anything not scored here
(a small crawl, a batch stored one by one, a worker that failed) is scored by the analysis
stage as before: this is a shortcut, never the only way a mention gets its score.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from monitor.config.models import Settings
from monitor.pipeline.simhash import simhash_comparable
from monitor.scoring.scorer import MentionScore, Scorer

log = logging.getLogger(__name__)
START_TIMEOUT = 120.0  # seconds a batch may wait for the worker once it is running
PARENT_POLL = 1.0  # seconds between the worker's checks that the crawl is still there


class ToScore(NamedTuple):
    """What `Scorer.score` reads of a mention."""

    title: str
    text: str
    reposts: int
    comments: int
    likes: int
    tier: str
    age_hours: float | None


class Scored(NamedTuple):
    """What comes back for one mention: its score (None when scoring it failed: the
    analysis stage scores it) and `simhash_comparable` of its text (or title)."""

    score: MentionScore | None
    simhash: tuple[int, bool]


class ScoringWorker:
    """One worker process, started by `start()` or the first batch; `close()` ends it."""

    def __init__(self, settings: Settings, trained_path: Path | None) -> None:
        self.settings = settings
        self.trained_path = trained_path
        self._pool: ProcessPoolExecutor | None = None
        self.failed = False
        self.ready = False  # it has started: from then on batches are waited for
        self._started: Future | None = None

    def start(self, wait: bool = False) -> None:
        """Start the worker (it loads the model and the segmenter: seconds); with `wait`,
        return once it is ready or has failed."""
        if self.failed:
            return
        try:
            if self._pool is None:
                # spawn, not fork: the crawl process runs threads and an event loop
                self._pool = ProcessPoolExecutor(
                    1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start,
                    initargs=(self.settings, self.trained_path),
                )
                self._started = self._pool.submit(_ready)
                self._started.add_done_callback(self._on_start)
            if wait and self._started is not None:
                self._started.result(timeout=START_TIMEOUT)
                self.ready = True  # (its callback may not have run yet)
        except Exception as e:  # noqa: BLE001 - any failure: the analysis stage scores them
            self._fail(e)

    def _on_start(self, started: Future) -> None:
        # (in the pool's own thread: flags only; `close()` ends the pool)
        if started.cancelled():
            return
        if (e := started.exception()) is not None:
            self._fail(e, shutdown=False)
        else:
            self.ready = True

    def submit(self, batch: list[ToScore]) -> Scoring:
        """Start scoring `batch`; the crawl goes on while the worker scores it."""
        self.start()
        if self.failed or self._pool is None or not batch:
            return Scoring(self, len(batch), None)
        try:
            return Scoring(self, len(batch), self._pool.submit(_score_all, batch))
        except Exception as e:  # noqa: BLE001 - any failure: the analysis stage scores them
            self._fail(e)
            return Scoring(self, len(batch), None)

    def _fail(self, e: BaseException, shutdown: bool = True) -> None:
        if not self.failed:
            log.warning("评分子进程不可用（%s: %s），改由分析阶段评分", type(e).__name__, e)
        self.failed = True
        if shutdown and self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class Scoring:
    """A batch being scored: `result()` waits for it (without the interpreter lock)."""

    def __init__(self, worker: ScoringWorker, size: int, future: Future | None) -> None:
        self.worker, self.size, self.future = worker, size, future

    def result(self) -> list[Scored | None]:
        """A Scored for each, or None where it could not be scored here (then the
        analysis stage scores it). While the worker is still starting (loading the
        model takes seconds), a batch is not held back for it: the crawl never waits
        for the worker's start. A worker that fails once is not used again."""
        if self.future is None:
            return [None] * self.size
        if not self.worker.ready and not self.future.done():
            self.future.cancel()
            return [None] * self.size
        try:
            return self.future.result(timeout=START_TIMEOUT)
        except Exception as e:  # noqa: BLE001 - any failure: the analysis stage scores them
            self.worker._fail(e)
            return [None] * self.size


_scorer: Scorer | None = None


def _start(settings: Settings, trained_path: Path | None) -> None:
    global _scorer
    # A crawl killed outright (kill -9, the service's timeout) cannot end its worker:
    # the worker ends itself when its parent is gone.
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    _scorer = Scorer(settings, trained_path=trained_path)


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(0)


def _ready() -> bool:
    return _scorer is not None


def _score_all(batch: list[ToScore]) -> list[Scored]:
    assert _scorer is not None
    out: list[Scored] = []
    for x in batch:
        try:
            score: MentionScore | None = _scorer.score(*x)
        except Exception:  # noqa: BLE001 - this one is left to the analysis stage
            log.exception("评分失败：%s", x.title[:60])
            score = None
        out.append(Scored(score, simhash_comparable(x.text or x.title)))
    return out
