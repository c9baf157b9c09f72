"""The crawl bench's table: the best round of each run and the ratios the targets name."""

from __future__ import annotations

import os
import statistics

from bench.crawling.runs import REDIS_URL, Run

STOCK_LABEL = "scrapy-redis stock scheduler, SQLite"


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
