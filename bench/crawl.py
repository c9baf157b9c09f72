"""Crawl throughput: pages/s and mentions/s through the whole item pipeline, side by side
with a bare Scrapy spider, and one vs two crawler processes on scrapy-redis.

A loopback site of PAGES article pages (synthetic, written here; one in ten a reprint of
another with small edits) and one list page. Politeness is off (no AutoThrottle, no
robots.txt, 16 requests per site). Each run is a child process, as the service runs it;
its peak RSS and CPU seconds come from wait4(), the fixture site's CPU seconds from this
process's own usage (it does nothing else meanwhile), the PostgreSQL and Redis servers'
from /proc (they run on the same cores; other clients' work is counted too). Runs:
  bare   a Scrapy spider that only fetches and extracts title/time/body with CSS selectors
  full   `yuqing crawl --no-analyse`: extraction, normalise, SimHash dedup, evidence,
         scoring (sentiment, topics, categories, heat, grade, grouping terms) and storage;
         past its first 200 items a crawl is scored in its worker process as it stores
         (monitor/scoring/worker.py), the first 200 are left to the analysis stage
  +group `yuqing analyse` afterwards: grouping into events, cases, clocks and alerts (and
         scoring of what the crawl left unscored)
  redis1 / redis2  the full crawl on scrapy-redis with one, then two processes (REDIS_URL),
         through the batched frontier (spiders/frontier.py); in SQLite rounds, also one
         process through scrapy-redis's own scheduler (three round trips a page),
         into SQLite and, when the server answers, into PostgreSQL (YUQING_BENCH_PG); in
         distributed mode each crawler process is meant to take one core, so scoring is
         left to the analysis stage (`crawl.score_while_crawling: auto`)
  weibo off / on  a Weibo search source on a loopback m.weibo.cn (WEIBO_POSTS posts, ten a
         page, every one with 500 comments, one in five `isLongText` with its full text
         from statuses/extend), `yuqing crawl --no-analyse` with `comments.enabled` off,
         then on (100 hot comments a post over five hotflow pages of 20, each stored):
         the cost per post of reading its comments, side by side
The machine is shared, so each pair is run ROUNDS times, interleaved (bare, full, bare,
full, ...), and the best round of each is compared; every round's time is printed too.
Usage: python bench/crawl.py [PAGES] [--rounds N] [--only single|redis|weibo]
       [--weibo-posts N]   (5000, 2, all three, 300)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGES = 5000
ROUNDS = 2
WEIBO_POSTS = 300
COMMENT_PAGES, PAGE_COMMENTS = 5, 20  # 100 comments a post: comments.max's default
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("YUQING_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
_WORD_LINE = (
    "市民 反映 景区 收费 道路 积水 学校 医院 社区 物业 停车 噪音 供暖 公交 地铁 政策 补贴 "
    "调查 回应 处理 部门 街道 村民 企业 工地 环保 投诉 热线 留言 办理 排查 整改 安全 服务"
)
WORDS = _WORD_LINE.split(" ")


def article(i: int, rng: random.Random) -> bytes:
    body = "".join(
        "".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))) + "。"
        for _ in range(rng.randint(6, 10))
    )
    if i % 10 == 9:  # a reprint of the page before, with a different opening
        return PAGE_CACHE[i - 1].replace(b"<p>", "<p>据本网消息，".encode(), 1)
    html = (
        f"<html><head><meta charset='utf-8'><title>云川新闻第{i}条_云川新闻网</title></head>"
        f"<body><h1 class='t'>云川新闻第{i}条：{body[:12]}</h1>"
        f"<div class='info'>发布时间：2026-11-{1 + i % 20:02d} {i % 24:02d}:{i % 60:02d}"
        f"　来源：云川新闻网</div><div class='c'><p>{body}</p><p>{body[::-1]}</p></div>"
        "</body></html>"
    )
    return html.encode("utf-8")


PAGE_CACHE: dict[int, bytes] = {}


def build_site() -> dict[str, bytes]:
    rng = random.Random(7)
    for i in range(PAGES):
        PAGE_CACHE[i] = article(i, rng)
    pages = {f"/a/{i}.html": PAGE_CACHE[i] for i in range(PAGES)}
    links = "".join(f"<a href='/a/{i}.html'>{i}</a>" for i in range(PAGES))
    pages["/list.html"] = f"<html><body>{links}</body></html>".encode()
    return pages


class Site:
    """The fixture site on loopback. It stands in for remote servers, yet runs on the two
    cores the crawlers share, so it should cost them as little as it can: every response
    is built once, and a small asyncio protocol answers GETs on kept-alive connections
    (http.server parsed each request's headers with the email package, ~0.2 ms a page).
    `route` answers the paths not in `pages` (the Weibo API's, by their query)."""

    def __init__(
        self, pages: dict[str, bytes], route: Callable[[bytes], bytes | None] | None = None
    ) -> None:
        self.responses = {path.encode(): _response(200, body) for path, body in pages.items()}
        self.missing = _response(404, b"")
        self.route = route
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Http(self), "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def answer(self, path: bytes) -> bytes:
        found = self.responses.get(path)
        if found is None and self.route is not None:
            found = self.route(path)
        return found if found is not None else self.missing

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def _response(status: int, body: bytes) -> bytes:
    reason = "OK" if status == 200 else "Not Found"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Http(asyncio.Protocol):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            request, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            parts = request.split(b"\r\n", 1)[0].split(b" ")
            path = parts[1] if len(parts) > 2 else b""
            assert self.transport is not None
            self.transport.write(self.site.answer(path))


def weibo_answers(posts: int) -> dict[tuple[str, ...], bytes]:
    """m.weibo.cn's answers for `posts` posts: search pages of ten, the long posts' full
    texts, every post's hotflow pages (each names the next page's max_id, the last 0)."""
    rng = random.Random(11)
    answers: dict[tuple[str, ...], bytes] = {}

    def said(n: int) -> str:
        return "".join(rng.choice(WORDS) for _ in range(n))

    pages = (posts + 9) // 10
    for page in range(1, pages + 1):
        cards = []
        for i in range((page - 1) * 10, min(page * 10, posts)):
            pid = str(5200000000000000 + i)
            text = "，".join(said(12) for _ in range(12)) + "。"
            long = i % 5 == 0
            shown = f'{text[:140]} ...<a href="/status/{pid}">全文</a>' if long else text[:140]
            blog = {
                "id": pid,
                "mid": pid,
                "created_at": f"{i % 50 + 1}分钟前",
                "text": shown,
                "isLongText": long,
                "user": {"id": 6200000000 + i, "screen_name": f"网友{i}"},
                "reposts_count": 10,
                "comments_count": 500,
                "attitudes_count": 100,
            }
            cards.append({"card_type": 9, "mblog": blog})
            if long:
                answers[("extend", pid)] = _json({"ok": 1, "data": {"longTextContent": text}})
            for c in range(COMMENT_PAGES):
                comments = [
                    {
                        "idstr": f"{pid}{c:02d}{k:02d}",
                        "created_at": "Sat Nov 21 10:00:00 +0800 2026",
                        "text": said(rng.randint(6, 16)),
                        "user": {"screen_name": f"评论者{c}{k}"},
                        "like_count": rng.randint(0, 999),
                    }
                    for k in range(PAGE_COMMENTS)
                ]
                following = 9000 + c + 1 if c < COMMENT_PAGES - 1 else 0
                data = {"data": comments, "max_id": following, "max_id_type": 0}
                answers[("hotflow", pid, str(9000 + c) if c else "0")] = _json(
                    {"ok": 1, "data": data}
                )
        answers[("search", str(page))] = _json({"ok": 1, "data": {"cards": cards}})
    return answers


def _json(value: object) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def weibo_route(answers: dict[tuple[str, ...], bytes]) -> Callable[[bytes], bytes | None]:
    responses = {key: _response(200, body) for key, body in answers.items()}

    def route(path: bytes) -> bytes | None:
        parts = urlsplit(path.decode("latin-1"))
        query = parse_qs(parts.query)
        post = query.get("id", [""])[0]
        if parts.path == "/api/container/getIndex":
            return responses.get(("search", query.get("page", ["1"])[0]))
        if parts.path == "/statuses/extend":
            return responses.get(("extend", post))
        if parts.path == "/comments/hotflow":
            return responses.get(("hotflow", post, query.get("max_id", ["0"])[0]))
        return None

    return route


BARE = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess
class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [sys.argv[1]]
    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.article)
    def article(self, response):
        info = response.css("div.info::text").get() or ""
        yield {"title": response.css("h1::text").get(), "time": info[5:21],
               "body": "\\\\n".join(response.css("div.c p::text").getall())}
p = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
p.crawl(Bare); p.start()
"""


# The machine's own ceiling for "two processes / one": the same pure-Python loop in one
# process, then in two at once. On a shared virtual machine the second core is not always
# a whole core (seen here: two loops at once took 1.0-1.5x the time of one).
SPIN = [sys.executable, "-c", "d = {}\nfor i in range(15_000_000): d[i & 1023] = i * 3 + 1"]


# `python -m monitor` with scrapy-redis's own scheduler in place of spiders/frontier.py's:
# the baseline for the batched round trips (three synchronous ones a page).
STOCK_SCHEDULER = (
    "import runpy, sys, spiders.distributed as d\n"
    "d.SCHEDULER = 'scrapy_redis.scheduler.Scheduler'\n"
    "runpy.run_module('monitor', run_name='__main__', alter_sys=True)"
)

STOCK_LABEL = "scrapy-redis stock scheduler, SQLite"


@dataclass
class Run:
    secs: float
    rss_mb: int  # peak RSS of the largest child
    cpu: float  # CPU seconds of the children together
    server_cpu: float  # CPU seconds of the fixture server meanwhile
    db_cpu: float  # CPU seconds of the PostgreSQL and Redis servers meanwhile (all clients)


_SERVERS = ("postgres", "redis-server")


def servers_cpu() -> float:
    """CPU seconds so far of the PostgreSQL and Redis server processes on this machine,
    their exited children (PostgreSQL backends) included; 0 where /proc is missing."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        if name.startswith(_SERVERS):
            fields = rest.split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def run(cmds: list[list[str]], env: dict[str, str], log: Path) -> Run:
    """Run the commands at once and wait for all of them."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    db_before = servers_cpu()
    start = time.perf_counter()
    procs = []
    for n, c in enumerate(cmds):
        err = open(f"{log}.{n}", "wb")  # noqa: SIM115 - closed when the child has exited
        procs.append(
            (subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err), err)
        )
    peak, cpu = 0, 0.0
    for p, err in procs:
        _, status, usage = os.wait4(p.pid, 0)
        err.close()
        p.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss // 1024)
        cpu += usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            print(Path(err.name).read_text(errors="replace")[-2000:], file=sys.stderr)
            raise SystemExit(f"child failed: {p.args}")
    secs = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    server = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(secs, peak, cpu, server, servers_cpu() - db_before)


def prepare(
    tmp: Path, url: str, name: str, database_url: str | None = None, source: dict | None = None
) -> tuple[Path, dict[str, str]]:
    work = tmp / name
    config = work / "config"
    shutil.copytree(ROOT / "config", config)
    source = source or {
        "name": "bench-news",
        "title": "基准新闻站",
        "kind": "news",
        "url": url,
        "news": {"article_links": r"/a/\d+\.html$", "title": "h1::text", "body": "div.c"},
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    service = yaml.safe_load((config / "service.yaml").read_text(encoding="utf-8"))
    service["sample_site"]["enabled"] = False
    service["crawl"] |= {"autothrottle": False, "per_domain": 16, "obey_robots": False}
    (config / "service.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {
        "DATABASE_URL": database_url or f"sqlite:///{work}/bench.db",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(yuqing(config, "init"), cwd=ROOT, env=env, check=True, capture_output=True)
    return config, env


def yuqing(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def stored(env: dict[str, str], where: str = "1 = 1") -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as c:
        n = int(c.execute(text(f"select count(*) from mentions where {where}")).scalar_one())
    engine.dispose()
    return n


def redis_ok() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means: skip these runs, say why
        return str(e)


@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A URL into a fresh PostgreSQL schema (dropped afterwards), or None without a server."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{os.getpid()}_{time.time_ns()}"
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # noqa: BLE001 - no server: these runs are skipped, saying why
        print(f"PostgreSQL at {PG_URL} not usable ({type(e).__name__}); PostgreSQL runs skipped")
        yield None
        return
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def weibo_runs(tmp: Path, posts: int) -> None:
    """The Weibo source crawled with comments off, then on, ROUNDS times interleaved."""
    answers = weibo_answers(posts)
    site = Site({}, weibo_route(answers))
    base = f"http://127.0.0.1:{site.port}"
    long = sum(1 for key in answers if key[0] == "extend")
    pages = (posts + 9) // 10
    print(
        f"weibo: {posts} posts on {pages} search pages, {long} of them long (statuses/extend), "
        f"each with 500 comments; comments on: {COMMENT_PAGES * PAGE_COMMENTS} a post "
        f"over {COMMENT_PAGES} hotflow pages; politeness off"
    )
    results: dict[bool, list[tuple[Run, int, int]]] = {False: [], True: []}
    for r in range(ROUNDS):
        for on in (False, True):
            source = {
                "name": "bench-weibo",
                "title": "基准微博",
                "kind": "weibo",
                "url": base + "/api/container/getIndex?containerid=100103type%3D1%26q%3D"
                "{keyword}&page_type=searchall&page={page}",
                "keywords": ["云川"],
                "max_pages": pages,
                "comments": {"enabled": on},
            }
            name = f"weibo-{'on' if on else 'off'}{r}"
            config, env = prepare(tmp, base, name, source=source)
            done = run(
                [yuqing(config, "crawl", "bench-weibo", "--no-analyse", "--quiet")], env, tmp / name
            )
            results[on].append((done, stored(env), _count(env, "mention_comments")))
    site.close()
    print(
        f"{'run':<24}{'seconds':>8}{'requests':>9}{'posts':>6}{'comments':>9}"
        f"{'ms/post':>9}{'CPU ms/post':>12}{'site CPU':>9}{'peak RSS MB':>12}  every round (s)"
    )
    best = {}
    for on, runs in results.items():
        r, kept, comments = min(runs, key=lambda x: x[0].secs)
        best[on] = (r, kept)
        requests = pages + long + (posts * COMMENT_PAGES if on else 0)
        rounds = " ".join(f"{x.secs:.1f}" for x, _, _ in runs)
        print(
            f"{'comments on' if on else 'comments off':<24}{r.secs:>8.1f}{requests:>9}{kept:>6}"
            f"{comments:>9}{1000 * r.secs / kept:>9.1f}{1000 * r.cpu / kept:>12.1f}"
            f"{r.server_cpu:>9.1f}{r.rss_mb:>12}  {rounds}"
        )
    (off, n_off), (on_, n_on) = best[False], best[True]
    print(
        f"per post, comments on / off: {(on_.secs / n_on) / (off.secs / n_off):.2f}x wall time, "
        f"{(on_.cpu / n_on) / (off.cpu / n_off):.2f}x crawler CPU "
        f"({1000 * (on_.secs / n_on - off.secs / n_off):.1f} ms and "
        f"{1000 * (on_.cpu / n_on - off.cpu / n_off):.1f} CPU ms more a post, for "
        f"{COMMENT_PAGES} more requests and {COMMENT_PAGES * PAGE_COMMENTS} comments stored)"
    )


def _count(env: dict[str, str], table: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as c:
        n = int(c.execute(text(f"select count(*) from {table}")).scalar_one())
    engine.dispose()
    return n


def main() -> None:
    global PAGES, ROUNDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("pages", nargs="?", type=int, default=PAGES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--only",
        choices=("single", "redis", "weibo"),
        help="only the one-process runs, only the scrapy-redis ones, or only the Weibo pair",
    )
    parser.add_argument("--weibo-posts", type=int, default=WEIBO_POSTS, help="at most 500")
    args = parser.parse_args()
    PAGES, ROUNDS = args.pages, max(1, args.rounds)
    if args.only in (None, "weibo"):
        with tempfile.TemporaryDirectory() as tmp_dir:
            weibo_runs(Path(tmp_dir), min(args.weibo_posts, 500))
        if args.only == "weibo":
            return
    pages = build_site()
    site = Site(pages)
    url = f"http://127.0.0.1:{site.port}/list.html"
    n = PAGES + 1
    print(
        f"site: {PAGES} article pages + 1 list page on loopback; politeness off; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
        f"{ROUNDS} interleaved rounds, best kept"
    )
    results: dict[str, list[tuple[Run, int | None]]] = {}

    def record(name: str, r: Run, mentions: int | None) -> None:
        results.setdefault(name, []).append((r, mentions))

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        bare_file = tmp / "bare.py"
        bare_file.write_text(BARE, encoding="utf-8")
        crawl = ("crawl", "bench-news", "--no-analyse", "--quiet")
        scored = None
        for r in range(ROUNDS if args.only != "redis" else 0):
            record(
                "bare Scrapy spider (CSS only)",
                run([[sys.executable, str(bare_file), url]], dict(os.environ), tmp / f"bare{r}"),
                None,
            )
            config, env = prepare(tmp, url, f"full{r}")
            record(
                "full pipeline, 1 process",
                run([yuqing(config, *crawl)], env, tmp / f"full{r}"),
                stored(env),
            )
        if args.only != "redis":
            scored = stored(env, "grade IS NOT NULL")
            record(
                "  + grouping after (yuqing analyse)",
                run([yuqing(config, "analyse")], env, tmp / "analyse"),
                stored(env, "analysed_at IS NOT NULL"),
            )

        why = redis_ok() if args.only != "single" else "not asked for (--only single)"
        if why is None:
            with pg_schema() as pg_url:
                targets = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
                for db_name, db_url in targets:
                    for r in range(ROUNDS):
                        # the stock scrapy-redis scheduler beside ours, in one process
                        # and on SQLite only: what it costs does not depend on the database
                        variants = [(1, ""), (2, "")] + ([(1, "stock")] if not db_url else [])
                        for procs, scheduler in variants:
                            if not scheduler:
                                record(
                                    f"machine: CPU loop, {procs} process(es)",
                                    run([SPIN] * procs, dict(os.environ), tmp / "spin"),
                                    None,
                                )
                            if db_url:  # one schema: empty it by migrating a fresh one
                                db_url = _fresh(db_url)
                            name = f"redis{procs}{scheduler}-{db_name}-{r}"
                            config, env = prepare(tmp, url, name, db_url)
                            env |= {
                                "REDIS_URL": REDIS_URL,
                                "YUQING_CRAWL_SLOT": str(time.time_ns()),
                            }
                            cmd = yuqing(config, *crawl)
                            if scheduler:
                                cmd[1:3] = ["-c", STOCK_SCHEDULER]
                            done = run([cmd] * procs, env, tmp / name)
                            label = f"scrapy-redis, {procs} process(es), {db_name}"
                            if scheduler:
                                label = STOCK_LABEL
                            record(label, done, stored(env))
    site.close()
    report(results, n, why)
    if scored is not None:
        print(f"scored while crawling (last full run): {scored} of {PAGES} mentions")


def _fresh(url: str) -> str:
    """Empty the bench schema named in `url` (drop and create it again)."""
    from sqlalchemy import create_engine, text

    schema = url.rsplit("%3D", 1)[1]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return url


def report(results: dict[str, list[tuple[Run, int | None]]], n: int, why: str | None) -> None:
    print(
        f"{'run':<40}{'seconds':>8}{'pages/s':>9}{'mentions/s':>11}{'CPU s':>7}"
        f"{'site CPU':>9}{'DB+Redis CPU':>13}"
        f"{'peak RSS MB':>12}  every round (s)"
    )
    best: dict[str, Run] = {}
    for name, runs in results.items():
        r, mentions = min(runs, key=lambda x: x[0].secs)
        best[name] = r
        pages = "-" if name.startswith(("  +", "machine")) else f"{n / r.secs:.0f}"
        ms = f"{mentions / r.secs:.0f}" if mentions is not None else "-"
        rounds = " ".join(f"{x.secs:.1f}" for x, _ in runs)
        print(
            f"{name:<40}{r.secs:>8.1f}{pages:>9}{ms:>11}{r.cpu:>7.1f}{r.server_cpu:>9.1f}{r.db_cpu:>13.1f}"
            f"{r.rss_mb:>12}  {rounds}"
        )
    bare, full = best.get("bare Scrapy spider (CSS only)"), best.get("full pipeline, 1 process")
    if bare and full:
        print(
            f"full pipeline / bare spider: {bare.secs / full.secs:.2f} by pages/s, "
            f"{bare.cpu / full.cpu:.2f} by CPU seconds per page (target >= 0.75)"
        )
    for db in ("SQLite", "PostgreSQL"):
        one = best.get(f"scrapy-redis, 1 process(es), {db}")
        two = best.get(f"scrapy-redis, 2 process(es), {db}")
        if one and two:
            ratio = one.secs / two.secs
            each = [
                a.secs / b.secs
                for (a, _), (b, _) in zip(
                    results[f"scrapy-redis, 1 process(es), {db}"],
                    results[f"scrapy-redis, 2 process(es), {db}"],
                    strict=False,
                )
            ]
            print(
                f"two processes / one on scrapy-redis, {db}: {ratio:.2f}x best against best, "
                f"{statistics.median(each):.2f}x the median of the rounds "
                f"({' '.join(f'{x:.2f}' for x in each)}; each round's pair run one after "
                "the other) (target >= 1.7x)"
            )
    one, stock = best.get("scrapy-redis, 1 process(es), SQLite"), best.get(STOCK_LABEL)
    if one and stock:
        print(
            f"batched frontier / stock scrapy-redis scheduler, 1 process: "
            f"{stock.secs / one.secs:.2f}x by pages/s, {stock.cpu / one.cpu:.2f}x by CPU seconds, "
            f"Redis+SQLite CPU {stock.db_cpu:.1f} s -> {one.db_cpu:.1f} s"
        )
    spin = [best.get(f"machine: CPU loop, {n} process(es)") for n in (1, 2)]
    if spin[0] and spin[1]:
        work = 2 * spin[0].secs / spin[1].secs
        print(
            f"the machine itself: two CPU-bound processes do {work:.2f}x "
            "the work of one in the same time (best rounds; every round above)"
        )
    if why is not None:
        print(f"scrapy-redis runs skipped: Redis at {REDIS_URL} not reachable ({why})")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
