"""The batched scrapy-redis scheduler (spiders/frontier.py) against the real Redis: every
request is queued once between processes, none is lost on a close or a Redis outage, and
requests come back with their callbacks."""

import random
import shutil
import socket
import subprocess
import time

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from spiders.distributed import crawler_settings
from spiders.frontier import BatchedScheduler
from tests.test_distributed import REDIS_URL, redis_or_skip


class Spider(scrapy.Spider):
    name = "frontier-test"

    def parse(self, response):  # noqa: ANN001, ANN201
        pass

    def parse_article(self, response):  # noqa: ANN001, ANN201
        pass

    def failed(self, failure):  # noqa: ANN001, ANN201
        pass


def scheduler(redis_url: str, slot: int) -> BatchedScheduler:
    """One crawler process's scheduler, opened as Scrapy opens it."""
    crawler = get_crawler(Spider, crawler_settings(redis_url, "frontier-test", slot))
    spider = Spider.from_crawler(crawler)
    s = BatchedScheduler.from_crawler(crawler)
    s.open(spider)
    return s


@pytest.fixture
def slot():
    redis_or_skip()
    import redis

    n = random.randrange(10**9)
    yield n
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*client.keys(f"yuqing:crawl:frontier-test:{n}:*") or ["-"])


def drain(*schedulers: BatchedScheduler) -> list[scrapy.Request]:
    """Take turns popping until every scheduler is out of requests."""
    out, live = [], list(schedulers)
    while live:
        for s in list(live):
            request = s.next_request()
            if request is None:
                live.remove(s)
            else:
                out.append(request)
    return out


def urls(n: int, prefix: str = "a") -> list[str]:
    return [f"http://127.0.0.1:9/{prefix}/{i}.html" for i in range(n)]


def test_two_processes_queue_each_request_once_and_share_them(slot) -> None:
    one, two = scheduler(REDIS_URL, slot), scheduler(REDIS_URL, slot)
    spider = one.spider
    # both find the same 150 links (as two processes parsing the same list page would),
    # and one of them also finds a link twice
    for s in (one, two):
        for url in urls(150):
            s.enqueue_request(scrapy.Request(url, callback=s.spider.parse_article))
    assert one.enqueue_request(scrapy.Request(urls(1)[0])) is False  # seen by this process
    fetched = drain(one, two)
    assert sorted(r.url for r in fetched) == sorted(urls(150))  # each once, none lost
    assert {r.callback.__func__ for r in fetched} == {Spider.parse_article}
    assert all(r.callback.__self__ is spider or r.callback.__self__ is two.spider for r in fetched)
    one_stats, two_stats = (s.stats.get_stats() for s in (one, two))
    assert one_stats["scheduler/enqueued/redis"] + two_stats["scheduler/enqueued/redis"] == 150
    assert one_stats.get("dupefilter/filtered", 0) + two_stats.get("dupefilter/filtered", 0) == 151


def test_requests_keep_their_callbacks_errbacks_and_meta(slot) -> None:
    s = scheduler(REDIS_URL, slot)
    sent = [
        scrapy.Request(urls(1)[0], callback=s.spider.parse, errback=s.spider.failed),
        scrapy.Request(urls(2)[1], meta={"source": "云川新闻网"}, priority=3),
        scrapy.Request(urls(1)[0], dont_filter=True),  # a retry: queued again
    ]
    for r in sent:
        assert s.enqueue_request(r) is True
    back = drain(s)
    assert [r.url for r in back] == [r.url for r in sent]
    assert back[0].callback == s.spider.parse and back[0].errback == s.spider.failed
    assert back[1].callback is None and back[1].meta["source"] == "云川新闻网"
    assert back[1].priority == 3 and back[2].dont_filter


def test_a_callback_that_is_not_the_spiders_method_is_refused_as_scrapy_redis_refuses_it(
    slot,
) -> None:
    s = scheduler(REDIS_URL, slot)
    with pytest.raises(ValueError, match="is not an instance method"):
        s.enqueue_request(scrapy.Request(urls(1)[0], callback=lambda response: None))


def test_what_a_closing_process_holds_goes_back_to_its_peers_in_order(slot) -> None:
    one, two = scheduler(REDIS_URL, slot), scheduler(REDIS_URL, slot)
    for url in urls(40):
        one.enqueue_request(scrapy.Request(url))
    first = one.next_request()  # takes a batch: its peer cannot see those meanwhile
    assert first.url == urls(40)[0]
    held = BatchedScheduler.POP_BATCH - 1
    assert len(drain(two)) == 40 - 1 - held
    for url in urls(3, "b"):  # found just before the close: not yet sent
        one.enqueue_request(scrapy.Request(url))
    one.close("shutdown")  # SIGTERM, or the service's crawl timeout
    rest = [r.url for r in drain(two)]
    assert rest == urls(40)[1 : 1 + held] + urls(3, "b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


def test_requests_found_while_redis_is_down_are_sent_once_it_is_back() -> None:
    import redis

    port = free_port()
    server = start_redis(port)
    try:
        s = scheduler(f"redis://127.0.0.1:{port}/0", 1)
        for url in urls(3):
            s.enqueue_request(scrapy.Request(url))
        server.terminate()
        server.wait(10)
        with pytest.raises(redis.ConnectionError):
            s.next_request()  # the crawl logs the error, as with scrapy-redis itself
        server = start_redis(port)
        assert [r.url for r in drain(s)] == urls(3)  # kept, and sent now
    finally:
        server.kill()
        server.wait(10)
