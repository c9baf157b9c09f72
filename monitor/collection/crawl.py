"""Run crawls: in this process (CLI `yuqing crawl`) or as a child process (the scheduler).

Scrapy's Twisted reactor can start only once per process, so the long-running service
never crawls in-process: each scheduled crawl is a `yuqing crawl` child process, which
also keeps a crashing site or spider from taking the service down.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from dataclasses import dataclass

from monitor.clock import utcnow
from monitor.collection.crawlstate import load_memory, save_memory
from monitor.ingest import Ingest, record_run
from monitor.scoring.worker import ScoringWorker
from monitor.service.context import Context

log = logging.getLogger(__name__)
# Items stored per transaction: one commit per item costs more than the extraction.
INGEST_BATCH = 50
# A crawl that has stored this many items is a big one: from then on its batches are
# scored in a worker process as they are stored, on the core the crawl leaves idle. A
# small crawl is not worth starting the worker (it loads the model): analysis scores it.
SCORE_WHILE_CRAWLING_AFTER = 200


@dataclass
class CrawlSummary:
    source: str
    stored: int
    duplicates: int
    errors: list[str]
    skipped: int = 0  # pages not fetched, or answered 304, because nothing had changed


def crawl_here(
    ctx: Context, names: list[str], keywords: list[str] | None = None
) -> list[CrawlSummary]:
    """Crawl the named sources in this process (only once per process) and store the items."""
    from spiders.run import crawl  # imports Scrapy/Twisted only when crawling

    sink = Ingest(
        ctx.app,
        ctx.db,
        batch=INGEST_BATCH,
        background=True,
        scoring=scoring_worker(ctx),
        score_after=SCORE_WHILE_CRAWLING_AFTER,
    )
    configured = ctx.settings.sources
    memories = {}
    for name in names:
        cfg = configured.get(name)
        if cfg is not None:
            memories[name] = load_memory(ctx.db, name, cfg.kind)
    try:
        reports = crawl(ctx.app, names, sink, memories, keywords)
    finally:
        sink.close()
    now = utcnow()
    out = []
    for name in names:
        rep = reports.get(name)
        counts = sink.counts.get(name)
        errors = list(rep.errors) if rep else ["爬虫未运行"]
        if counts:
            errors += counts.rejected
        record_run(ctx.db, ctx.app, name, errors, now)
        memory = memories.get(name)
        # Validators are kept only when every item was stored: otherwise a page answering
        # 304 next time would hide an item that never reached the database.
        if memory is not None and not (counts and counts.rejected):
            save_memory(ctx.db, name, memory, now)
        out.append(
            CrawlSummary(
                name,
                counts.stored if counts else 0,
                counts.duplicates if counts else 0,
                errors,
                memory.skipped + memory.unchanged if memory else 0,
            )
        )
    return out


def scoring_worker(ctx: Context) -> ScoringWorker | None:
    """The worker that scores a big crawl as it is stored, unless config says not to."""
    crawl = ctx.settings.service.crawl
    distributed = bool(ctx.app.environ.get(crawl.redis_url_env))
    if crawl.score_while_crawling == "never" or (
        crawl.score_while_crawling == "auto" and distributed
    ):
        return None
    trained = ctx.app.path(ctx.settings.scoring.sentiment.trained_path)
    return ScoringWorker(ctx.settings, trained)


_children: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


def crawl_child(
    config_dir: str, name: str, timeout: float = 1800, keywords: list[str] | None = None
) -> int:
    """Run `yuqing crawl NAME --no-analyse` as a child process; returns its exit code."""
    cmd = [
        sys.executable,
        "-m",
        "monitor",
        "--config",
        config_dir,
        "crawl",
        name,
        "--no-analyse",
        "--quiet",
    ]
    if keywords:
        cmd += ["--keywords", ",".join(keywords)]
    with _lock:
        # Checked under the lock that stop_children() takes: once shutdown has begun no
        # new crawl starts, so no child outlives the service.
        if _stopping.is_set():
            return -1
        proc = subprocess.Popen(cmd)
        _children.add(proc)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        why = f"采集超过 {timeout:g} 秒仍未结束，已停止"
        log.error("来源 %s：%s", name, why)
        proc.kill()
        code = proc.wait()
        # the killed child recorded nothing: its health says so, as a failed run would
        record_timeout(config_dir, name, why)
    finally:
        with _lock:
            _children.discard(proc)
    # 1: the source failed, which the child has logged itself (one line) and recorded in
    # the source's health; anything else is the child failing, not the source.
    if code not in (0, 1) and not _stopping.is_set():
        log.warning("来源 %s：采集进程异常退出（退出码 %s）", name, code)
    return code


def record_timeout(config_dir: str, name: str, why: str) -> None:
    """A crawl stopped for running too long, in the source's health (last_error, runs)."""
    ctx = Context.load(config_dir)
    try:
        record_run(ctx.db, ctx.app, name, [why], utcnow())
    except Exception as e:  # the database is down too: the log line above still says it
        log.warning("来源 %s：未能记录采集超时：%s", name, type(e).__name__)
    finally:
        ctx.db.dispose()


def stop_children(grace: float = 5) -> None:
    """Stop running crawls at shutdown: terminate, then kill what has not exited."""
    with _lock:
        _stopping.set()
        procs = list(_children)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
