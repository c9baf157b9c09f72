"""Distributed mode: crawler processes share one frontier in Redis (scrapy-redis).

All processes crawling a source in the same interval slot (floor(now / interval)) use the
same queue and dupefilter keys, so each page is fetched once between them, on one machine
or many. The keys expire a few intervals later; nothing has to clean up after a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

SCHEDULER = "spiders.frontier.BatchedScheduler"  # scrapy-redis's, in batches
DUPEFILTER = "scrapy_redis.dupefilter.RFPDupeFilter"
KEEP_SLOTS = 3  # keys live this many intervals (at least an hour)


SLOT_ENV = "YUQING_CRAWL_SLOT"  # pins the slot, e.g. for processes started by hand


def run_slot(now: datetime, interval: timedelta, environ: Mapping[str, str]) -> int:
    pinned = environ.get(SLOT_ENV)
    if pinned and pinned.isdigit():
        return int(pinned)
    return int(now.timestamp() // max(interval.total_seconds(), 1))


def keys(source: str, slot: int) -> tuple[str, str]:
    base = f"yuqing:crawl:{source}:{slot}"
    return f"{base}:requests", f"{base}:dupefilter"


def crawler_settings(redis_url: str, source: str, slot: int) -> dict[str, Any]:
    """Settings for one source's crawler in distributed mode."""
    queue, dupefilter = keys(source, slot)
    return {
        "SCHEDULER": SCHEDULER,
        "DUPEFILTER_CLASS": DUPEFILTER,
        "REDIS_URL": redis_url,
        "SCHEDULER_QUEUE_KEY": queue,
        "SCHEDULER_DUPEFILTER_KEY": dupefilter,
        "DUPEFILTER_KEY": dupefilter,
        # Keep the keys when one process closes: another may still be crawling from them.
        "SCHEDULER_PERSIST": True,
        # No blocking pop: it would stall this process's reactor while the queue is empty.
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue",
        "EXTENSIONS": {"spiders.distributed.SharedFrontier": 500},
    }


def expire(redis_url: str, source: str, slot: int, interval: timedelta) -> None:
    import redis

    ttl = max(int(interval.total_seconds() * KEEP_SLOTS), 3600)
    client = redis.Redis.from_url(redis_url)
    try:
        for key in keys(source, slot):
            client.expire(key, ttl)
    finally:
        client.close()


class SharedFrontier:
    """Keeps a process that runs out of work alive while its peers may still add some.

    scrapy-redis closes a spider as soon as the shared queue is empty, so a process whose
    start request was already taken by a peer would quit at once and leave all the work to
    the first one. Each process records in a Redis hash whether it is idle; an idle
    process stays open (polling every POLL seconds) while the queue holds requests or a
    peer is busy, for at most MAX_IDLE seconds in a row (a peer may have crashed).
    """

    POLL = 0.2
    MAX_IDLE = 60.0

    def __init__(self, crawler: Any) -> None:
        import os
        import uuid

        import redis

        settings = crawler.settings
        self.crawler = crawler
        self.client = redis.Redis.from_url(settings.get("REDIS_URL"), decode_responses=True)
        self.queue_key = settings.get("SCHEDULER_QUEUE_KEY")
        self.workers_key = self.queue_key.rsplit(":", 1)[0] + ":workers"
        self.me = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedFrontier:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if crawler.settings.get("SCHEDULER") != SCHEDULER:
            raise NotConfigured("不在分布式模式")
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        return ext

    def opened(self, spider: Any) -> None:
        self.client.hset(self.workers_key, self.me, "busy")
        self.client.expire(self.workers_key, 3600)

    def closed(self, spider: Any) -> None:
        self.client.hdel(self.workers_key, self.me)
        self.client.close()

    def busy(self, **kwargs: Any) -> None:
        if self.idle_since is not None:
            self.idle_since = None
            self.client.hset(self.workers_key, self.me, "busy")

    def idle(self, spider: Any) -> None:
        import time

        from scrapy.exceptions import DontCloseSpider
        from twisted.internet import reactor

        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
            self.client.hset(self.workers_key, self.me, "idle")
        queued = self.client.llen(self.queue_key)
        states = self.client.hgetall(self.workers_key)
        peers_busy = any(v == "busy" for k, v in states.items() if k != self.me)
        if (queued or peers_busy) and now - self.idle_since < self.MAX_IDLE:
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None:  # poll soon rather than at Scrapy's 5 s heartbeat
                reactor.callLater(self.POLL, slot.nextcall.schedule)  # type: ignore[attr-defined]
            raise DontCloseSpider
