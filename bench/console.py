"""The console under a month of data: 1,000,000 mentions and 20,000 events (five of 50,000
mentions), on SQLite and PostgreSQL — p50/p95 of the pages a duty officer opens.

The database is the search bench's (bench/search.py prepare: bench/seed/'s generator,
indexed for search once), kept in var/bench/search.db and the schema `bench_search`.
Requests go through the whole application in-process (Starlette's TestClient: routing, the
role check, the queries, the templates; no sockets), as the duty officer (a bearer token,
as a script would; the cookie path costs one more indexed lookup), with the clock at
2026-12-01 09:00 Beijing time, each one timed:
  queue       GET /                      the duty officer's queue, nearest deadline first
  queue JSON  GET /api/events            the same, as JSON
  event large GET /events/{id}           one of the five events of 50,000 mentions
  event small GET /events/{id}           an event of a few mentions
  search      GET /search?q=…            the search page, queries cycling over QUERIES
  sources     GET /sources               source health (the last day's counts per source)
REQUESTS of each after WARMUP unmeasured ones. Targets: p95 < 150 ms for the queue, the
event pages and the JSON; p95 < 300 ms for search. Where a target is missed, one more
request profiled (yappi, all threads) prints where the time went and the slowest SQL statements.
Usage: python bench/console.py [--only sqlite|postgresql] [--requests N] [--reseed]
       [--scale F] [--profile]   (both databases, 200 requests; --scale 0.05 for a quick try)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.search import QUERIES, prepare  # noqa: E402
from bench.seed import Scale  # noqa: E402
from bench.seed.targets import LABELS, add_arguments, app_for, databases  # noqa: E402
from monitor.accounts.users import create_user  # noqa: E402
from monitor.config.loader import AppConfig  # noqa: E402
from monitor.storage.db import Database  # noqa: E402
from monitor.storage.models import Event, User  # noqa: E402
from monitor.web import create_app  # noqa: E402

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing
BENCH_USER = "bench-duty"
WARMUP = 5
TARGETS = {
    "queue": 0.150,
    "queue JSON": 0.150,
    "event large": 0.150,
    "event small": 0.150,
    "search": 0.300,
    "sources": 0.150,  # not one of the targets: the duty officer's other page
}


def p95(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def token_for(db: Database) -> str:
    """A duty officer for the bench, made again each run (its token is shown only once)."""
    with db.session() as s:
        old = s.scalar(select(User).where(User.name == BENCH_USER))
        if old is not None:
            s.delete(old)
            s.flush()
        _user, token = create_user(s, BENCH_USER, "压测值班员", "duty_officer", now=NOW)
    return token


def events_to_open(db: Database) -> tuple[int, int]:
    """(the largest event, the smallest) by their stored mention counts."""
    with db.session() as s:
        large = s.scalar(select(Event.id).order_by(Event.mention_count.desc()).limit(1))
        small = s.scalar(
            select(Event.id).where(Event.mention_count > 0).order_by(Event.mention_count).limit(1)
        )
    assert large is not None and small is not None, "the bench database has no events"
    return large, small


def paths(large: int, small: int) -> dict[str, Callable[[int], str]]:
    return {
        "queue": lambda i: "/",
        "queue JSON": lambda i: "/api/events",
        "event large": lambda i: f"/events/{large}",
        "event small": lambda i: f"/events/{small}",
        "search": lambda i: f"/search?q={QUERIES[i % len(QUERIES)]}",
        "sources": lambda i: "/sources",
    }


def measure(
    client: TestClient, headers: dict[str, str], what: Callable[[int], str], n: int
) -> list[float]:
    for i in range(WARMUP):
        r = client.get(what(i), headers=headers)
        assert r.status_code == 200, (what(i), r.status_code, r.text[:300])
    times = []
    for i in range(n):
        t = time.perf_counter()
        r = client.get(what(i), headers=headers)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (what(i), r.status_code)
    return times


def profile(db: Database, client: TestClient, headers: dict[str, str], path: str) -> None:
    """One request profiled in every thread (the handlers run in a worker thread, which
    cProfile would not see): our functions by total time, and the slowest SQL."""
    import yappi  # a dev dependency, needed only here

    statements: list[tuple[float, str]] = []
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, *_: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append((time.perf_counter() - started.pop(id(cursor), 0.0), statement))

    sa_event.listen(db.engine, "before_cursor_execute", before)
    sa_event.listen(db.engine, "after_cursor_execute", after)
    yappi.clear_stats()
    yappi.set_clock_type("wall")
    try:
        yappi.start()
        client.get(path, headers=headers)
        yappi.stop()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", before)
        sa_event.remove(db.engine, "after_cursor_execute", after)
    ours = [
        f
        for f in yappi.get_func_stats()
        if "/monitor/" in f.module or "/templates/" in f.module or f.module.endswith(".j2")
    ]
    for f in sorted(ours, key=lambda f: f.ttot, reverse=True)[:10]:
        where = f.module.split("/monitor/")[-1] if "/monitor/" in f.module else f.module
        print(f"      {f.ttot * 1000:7.1f} ms  {f.name}  ({where}:{f.lineno})")
    total = sum(t for t, _ in statements)
    print(f"      SQL: {len(statements)} statements, {total * 1000:.0f} ms; slowest:")
    for took, sql in sorted(statements, reverse=True)[:3]:
        print(f"        {took * 1000:7.1f} ms  {' '.join(sql.split())[:150]}")


def run(
    name: str, scale: Scale, args: argparse.Namespace, app_for: Callable[[str], AppConfig]
) -> list[str]:
    db, app, how = prepare(name, scale, args.reseed, app_for)
    label = LABELS[name]
    print(f"{label}: {scale.mentions:,} mentions; {how}")
    headers = {"Authorization": f"Bearer {token_for(db)}"}
    large, small = events_to_open(db)
    with db.session() as s:
        sizes = {i: s.get(Event, i).mention_count for i in (large, small)}  # type: ignore[union-attr]
    print(f"  events opened: #{large} ({sizes[large]:,} mentions), #{small} ({sizes[small]})")
    verdicts = []
    with TestClient(create_app(app, db, now=lambda: NOW)) as client:
        print(f"  {'':<13}{'p50':>8}{'p95':>8}{'max':>8}   ({args.requests} requests)")
        for what, path in paths(large, small).items():
            xs = measure(client, headers, path, args.requests)
            top, target = p95(xs), TARGETS[what]
            print(
                f"  {what:<13}{statistics.median(xs) * 1000:>6.0f}ms{top * 1000:>6.0f}ms"
                f"{max(xs) * 1000:>6.0f}ms   target p95 < {target * 1000:.0f} ms: "
                + ("met" if top < target else "MISSED")
            )
            verdicts.append(
                f"{label} {what}: p95 {top * 1000:.0f} ms ({'met' if top < target else 'MISSED'})"
            )
            if top >= target or args.profile:
                profile(db, client, headers, path(0))
    db.dispose()
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="profile one request of each")
    args = parser.parse_args()
    scale = Scale() if args.scale == 1 else Scale.of(args.scale)
    summary = [line for name in databases(args.only) for line in run(name, scale, args, app_for)]
    print("\n".join(summary))


if __name__ == "__main__":
    main()
