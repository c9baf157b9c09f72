"""Grouping cost against an event's size: mentions/s of the analysis stage when every
mention joins one event that already holds SMALL, then LARGE mentions, on SQLite and on
PostgreSQL (YUQING_BENCH_PG, skipped when the server does not answer).

Each run starts from a fresh database: one event opened by the pipeline itself, grown to
the size by rows written directly (all on one topic, from three sources, their times
spread over the twelve hours before the newest), then MEASURED pending mentions, scored
as a crawl stores them, sharing the event's terms, with times in the same span (older and
newer than the event's newest, as listings deliver them). Only `analyse_pending` over
those is timed: grouping, regrading with the spike counts, the case's clocks, alerts (on
SQLite the set-up's write-ahead log is checkpointed before, the timed one within the time).
Usage: python bench/grouping.py [--small N] [--large N] [--measured N] [--rounds N]
[--only sqlite|postgresql] [--profile]   (defaults 5000, 50000, 500, 2 rounds, both)
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.pipeline.analyse import analyse_pending  # noqa: E402
from monitor.service.context import Context  # noqa: E402
from monitor.storage import counts  # noqa: E402
from monitor.storage.lookups import MentionTopic, topic_entries  # noqa: E402
from monitor.storage.migrate import upgrade  # noqa: E402
from monitor.storage.models import Event, Mention, Source  # noqa: E402

PG_URL = os.environ.get("YUQING_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPAN = timedelta(hours=12)
TOPIC = "城市内涝"
TERMS = ["暴雨", "积水", "隧道", "被困", "救援", "排涝"]
BATCH = 5000


def row(i: int, source_id: int, when: datetime, event_id: int | None) -> dict:
    return {
        "source_id": source_id,
        "kind": "weibo",
        "url": f"https://m.weibo.cn/detail/{i}",
        "canonical_url": f"https://m.weibo.cn/detail/{i}",
        "content_hash": f"{i:064x}",
        "title": "",
        "text": f"隧道积水，暴雨中车辆被困，等待救援 #{i}",
        "author": f"网友{i % 997}",
        "site": "新浪微博",
        "published_at": when,
        "fetched_at": NOW,
        "reposts": i % 50,
        "comments": i % 30,
        "likes": i % 70,
        "reposted_from": None,
        "reply_status": None,
        "extra": {},
        "analysed_at": NOW if event_id else None,
        "negative": 0.8,
        "topics": [TOPIC],
        "categories": {},
        "heat": 20.0 + i % 30,
        "grade": "IV",
        "grade_reasons": [{"factor": "heat", "text": "热度", "points": 5.0}],
        "terms": TERMS[i % 3 : i % 3 + 4],
        "event_id": event_id,
    }


def when_of(i: int, n: int) -> datetime:
    """Spread over SPAN before NOW, in an order that is not the order of the ids."""
    return NOW - SPAN * (((i * 7919) % n) / n)


def insert_mentions(conn, rows: list[dict]) -> None:  # noqa: ANN001
    for k in range(0, len(rows), BATCH):
        part = rows[k : k + BATCH]
        ids = conn.scalars(
            insert(Mention).returning(Mention.id, sort_by_parameter_order=True), part
        ).all()
        topics = [
            t
            for i, r in zip(ids, part, strict=True)
            for t in topic_entries(i, r["topics"], r["published_at"])
        ]
        conn.execute(insert(MentionTopic), topics)
        counts.topics_changed(conn, topics, ())  # as the crawl's store does


def one_run(url: str, size: int, measured: int, profile: Path | None) -> float:
    app = load_config(ROOT / "config", environ={"DATABASE_URL": url})
    ctx = Context(app)
    upgrade(ctx.db)
    with ctx.db.session() as s:
        sources = [
            Source(name=f"bench-{k}", kind="weibo", title=f"基准来源{k}", tier="self_media")
            for k in range(3)
        ]
        s.add_all(sources)
        s.flush()
        source_ids = [src.id for src in sources]
        insert_mentions(s.connection(), [row(0, source_ids[0], NOW - SPAN, None)])
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, NOW)  # the pipeline opens the event
    with ctx.db.session() as s:
        event_id = s.scalar(select(Event.id))
        conn = s.connection()
        grown = [row(i, source_ids[i % 3], when_of(i, size), event_id) for i in range(1, size)]
        insert_mentions(conn, grown)
        conn.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(
                mention_count=size,
                source_count=3,
                last_mention_at=max(r["published_at"] for r in grown),
            )
        )
        counts.rebuild(conn, event_ids=[event_id])
    with ctx.db.session() as s:
        pending = [
            row(size + i, source_ids[i % 3], when_of(size + i, measured), None)
            for i in range(measured)
        ]
        insert_mentions(s.connection(), pending)
    if ctx.db.engine.dialect.name == "sqlite":
        # the set-up's rows out of the write-ahead log: else the timed commit copies them
        with ctx.db.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    report = analyse_pending(ctx.db, app, ctx.scorer, ctx.book, NOW, limit=measured)
    if ctx.db.engine.dialect.name == "sqlite":
        # the timed writes into the database file, whatever the size: else the write-ahead
        # log of a small event's batch waits for a later commit to copy it, a large one's
        # (more index pages touched) is copied by its own commit
        with ctx.db.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if profiler:
        profiler.disable()
    secs = time.perf_counter() - t0
    with ctx.db.session() as s:
        ev = s.get_one(Event, event_id)
        assert ev.mention_count == size + measured, (ev.mention_count, size + measured)
        assert report.events_opened == 0, report
    ctx.db.dispose()
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats("monitor/", 40)
    return measured / secs


def pg_fresh() -> str | None:
    schema = f"bench_grouping_{os.getpid()}_{time.time_ns()}"
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as e:  # noqa: BLE001 - no server: the PostgreSQL runs are skipped
        print(f"PostgreSQL at {PG_URL} not usable ({type(e).__name__}); PostgreSQL runs skipped")
        return None
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def pg_drop(url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=50000)
    parser.add_argument("--measured", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--profile", action="store_true", help="profile the large runs")
    args = parser.parse_args()
    print(
        f"one event of {args.small:,} then {args.large:,} mentions; {args.measured:,} more "
        f"grouped into it and timed; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    for db in ("SQLite", "PostgreSQL"):
        if args.only and args.only != db.lower():
            continue
        if db == "PostgreSQL" and (probe := pg_fresh()) is None:
            continue
        if db == "PostgreSQL":
            pg_drop(probe)
        # the machine is shared: the sizes run interleaved, ROUNDS times, best kept
        rates: dict[int, list[float]] = {args.small: [], args.large: []}
        for r in range(args.rounds):
            for size in (args.small, args.large):
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite:///{tmp}/bench.db" if db == "SQLite" else pg_fresh()
                    assert url is not None
                    last = size == args.large and r == args.rounds - 1
                    prof = Path(tmp) / "profile" if args.profile and last else None
                    try:
                        rates[size].append(one_run(url, size, args.measured, prof))
                    finally:
                        if db == "PostgreSQL":
                            pg_drop(url)
        small, large = max(rates[args.small]), max(rates[args.large])
        for size, best in ((args.small, small), (args.large, large)):
            rounds = " ".join(f"{x:,.0f}" for x in rates[size])
            print(
                f"{db:<11} event of {size:>7,} mentions: grouping {best:>7,.0f} mentions/s"
                f"  (every round: {rounds})"
            )
        ratio = large / small
        ok = min(small, large) >= 1000 and ratio >= 0.8
        print(
            f"{db:<11} {args.large:,} / {args.small:,}: {ratio:.2f} of the rate "
            f"(target: >= 1,000 mentions/s and within 20%) {'ok' if ok else 'MISSED'}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
