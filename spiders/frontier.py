"""The shared frontier's scheduler: scrapy-redis's, with Redis spoken to in batches.

scrapy-redis makes three synchronous round trips for every request (SADD to the
dupefilter, LPUSH to the queue, RPOP from it), each of which stops this process's reactor
until Redis answers: on loopback that costs a crawl a few CPU-seconds per 5,000 pages, and
with Redis on another machine a millisecond or more per round trip, a page. Here requests
go to Redis in batches (one script checks the dupefilter and queues what is new, atomically)
and come back in batches (one script pops up to POP_BATCH), so a batch costs one round trip.

What is batched is at most a moment of work: pushes wait at most PUSH_DELAY seconds or
PUSH_BATCH requests, and a process holds at most POP_BATCH requests that its peers cannot
take. On a normal close (the crawl done, SIGTERM, the service's timeout) pushes are sent
and the requests it holds go back to the queue. Only a process killed outright (kill -9)
loses what it held, as scrapy-redis loses the requests it is downloading; the next crawl
of the source (a new slot, distributed.run_slot) fetches them, since they were not stored.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from scrapy_redis.scheduler import Scheduler

# KEYS: dupefilter set, queue list. ARGV: fingerprint, request, fingerprint, request ...
# ("" for a request that is not filtered). Returns 1 for each request queued, 0 for a
# duplicate. LPUSH, as scrapy_redis.queue.FifoQueue pushes: the queue stays readable by it.
_PUSH = """
local queued = {}
for i = 1, #ARGV, 2 do
  if ARGV[i] == '' or redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[2], ARGV[i + 1])
    queued[#queued + 1] = 1
  else
    queued[#queued + 1] = 0
  end
end
return queued
"""

# KEYS: queue list. ARGV: how many. RPOP one by one rather than RPOP with a count, which
# Redis before 6.2 (Debian 11's 6.0, say) does not have.
_POP = """
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local v = redis.call('RPOP', KEYS[1])
  if not v then break end
  out[i] = v
end
return out
"""


class BatchedScheduler(Scheduler):
    """scrapy_redis.scheduler.Scheduler with batched round trips; same settings and keys
    (a FIFO queue: SCHEDULER_QUEUE_CLASS must stay scrapy_redis.queue.FifoQueue). Its
    stats are counted without the `spider=` argument scrapy-redis 0.9 still passes, which
    Scrapy 2.13+ deprecates with a warning at the top of every crawl's log."""

    POP_BATCH = 16
    PUSH_BATCH = 64
    PUSH_DELAY = 0.2  # seconds a request may wait here before its peers can see it

    def open(self, spider: Any) -> Any:
        result = super().open(spider)
        self._push = self.server.register_script(_PUSH)
        self._pop = self.server.register_script(_POP)
        self._pushes: list[tuple[str, bytes]] = []
        self._first_push = 0.0
        self._held: deque[bytes] = deque()
        self._seen: set[str] = set()  # fingerprints this process has sent: no round trip
        return result

    def enqueue_request(self, request: Any) -> bool:
        fp = ""
        if not request.dont_filter:
            fp = self.df.request_fingerprint(request)
            if fp in self._seen:
                self.df.log(request, self.spider)
                if self.stats is not None:
                    self.stats.inc_value("dupefilter/filtered")
                return False
            self._seen.add(fp)
        if not self._pushes:
            self._first_push = time.monotonic()
        self._pushes.append((fp, self._encode(request)))
        if len(self._pushes) >= self.PUSH_BATCH:
            self.flush_pushes()
        return True

    def _encode(self, request: Any) -> bytes:
        """As scrapy-redis encodes it. Request.to_dict names the callbacks by searching
        the spider with inspect.getmembers, twice a request (a third of this scheduler's
        time): it searches a stand-in holding just the request's own callbacks instead,
        and the spider itself (the same answer, or the same error) for anything else."""
        spider = self.spider
        methods = {
            f.__name__: f
            for f in (request.callback, request.errback)
            if hasattr(f, "__func__") and getattr(spider, f.__name__, None) == f
        }
        try:
            return self.queue.serializer.dumps(request.to_dict(spider=_Callbacks(methods)))
        except ValueError:
            return self.queue._encode_request(request)

    def flush_pushes(self) -> None:
        """Send the waiting requests: the new ones join the queue, duplicates (another
        process queued them first) are counted as scrapy-redis counts them."""
        if not self._pushes:
            return
        args = [part for pair in self._pushes for part in pair]
        queued = self._push(keys=[self.df.key, self.queue.key], args=args)
        self._pushes = []  # only once Redis has them: a failed call keeps them to retry
        new = sum(queued)
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis", new)
            if len(queued) > new:
                self.stats.inc_value("dupefilter/filtered", len(queued) - new)

    def next_request(self) -> Any:
        if self._pushes and (
            not self._held
            or len(self._pushes) >= self.PUSH_BATCH
            or time.monotonic() - self._first_push >= self.PUSH_DELAY
        ):
            self.flush_pushes()
        if not self._held:
            self._held.extend(self._pop(keys=[self.queue.key], args=[self.POP_BATCH]))
            if not self._held:
                return None
        request = self.queue._decode_request(self._held.popleft())
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self._held or self._pushes) or len(self.queue) > 0

    def __len__(self) -> int:
        return len(self._held) + len(self._pushes) + len(self.queue)

    def close(self, reason: str) -> Any:
        """Send what waits and give back what this process holds, first to be popped
        first, so its peers (or the next process in the slot) fetch it."""
        self.flush_pushes()
        if self._held:
            self.server.rpush(self.queue.key, *reversed(self._held))
            self._held.clear()
        return super().close(reason)


class _Callbacks:
    """The spider's methods a request calls back, as attributes (see `_encode`)."""

    def __init__(self, methods: dict[str, Any]) -> None:
        self.__dict__.update(methods)

    def __dir__(self) -> list[str]:  # what inspect.getmembers goes through: just these
        return list(self.__dict__)
