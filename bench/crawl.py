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
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawling.report import STOCK_LABEL, report  # noqa: E402
from bench.crawling.runs import (  # noqa: E402
    REDIS_URL,
    Run,
    count,
    fresh_schema,
    pg_schema,
    prepare,
    redis_ok,
    run,
    yuqing,
)
from bench.crawling.site import Site, build_site  # noqa: E402
from bench.crawling.weibo import weibo_runs  # noqa: E402

PAGES = 5000
ROUNDS = 2
WEIBO_POSTS = 300


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


def main() -> None:
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
    pages_n, rounds = args.pages, max(1, args.rounds)
    if args.only in (None, "weibo"):
        with tempfile.TemporaryDirectory() as tmp_dir:
            weibo_runs(Path(tmp_dir), min(args.weibo_posts, 500), rounds)
        if args.only == "weibo":
            return
    site = Site(build_site(pages_n))
    url = f"http://127.0.0.1:{site.port}/list.html"
    n = pages_n + 1
    print(
        f"site: {pages_n} article pages + 1 list page on loopback; politeness off; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
        f"{rounds} interleaved rounds, best kept"
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
        for r in range(rounds if args.only != "redis" else 0):
            record(
                "bare Scrapy spider (CSS only)",
                run([[sys.executable, str(bare_file), url]], dict(os.environ), tmp / f"bare{r}"),
                None,
            )
            config, env = prepare(tmp, url, f"full{r}")
            record(
                "full pipeline, 1 process",
                run([yuqing(config, *crawl)], env, tmp / f"full{r}"),
                count(env),
            )
        if args.only != "redis":
            scored = count(env, where="grade IS NOT NULL")
            record(
                "  + grouping after (yuqing analyse)",
                run([yuqing(config, "analyse")], env, tmp / "analyse"),
                count(env, where="analysed_at IS NOT NULL"),
            )

        why = redis_ok() if args.only != "single" else "not asked for (--only single)"
        if why is None:
            with pg_schema() as pg_url:
                targets = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
                for db_name, db_url in targets:
                    for r in range(rounds):
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
                                db_url = fresh_schema(db_url)
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
                            record(label, done, count(env))
    site.close()
    report(results, n, why)
    if scored is not None:
        print(f"scored while crawling (last full run): {scored} of {pages_n} mentions")


if __name__ == "__main__":
    main()
