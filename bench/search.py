"""Mention search on 1,000,000 mentions, SQLite and PostgreSQL: the index against a plain
LIKE '%q%' scan, side by side, and what keeping the index costs the ingest.

The database is bench/seed/'s (the reports bench's generator: a month, 20,000 events, a
few giant ones), kept in var/bench/search.db and in the schema `bench_search` of
127.0.0.1:5432/test, and indexed once after seeding (monitor/search/index.backfill; the
seed has 997 texts and a few thousand titles, so their words are cut once each and
reused: the real cutting rate is measured apart, on 20,000 mentions). Both are kept for
the next run, and made again when the generator or the index changes (or --reseed).

Measured, each search in a fresh session, through monitor.search.find.search (the page's
own work: the hits, their count up to 10,000, snippets and highlights): QUERIES (2–4
characters: common, middling, rare and absent words of the data) newest first, by
relevance, and newest first with filters (one source kind, negative only, one week);
ROUNDS rounds, median and p95 of each; the same page by LIKE '%q%' on the title and the
text with the same filters, order and count. Recall: the index's hits over LIKE's (the
index finds words, LIKE any substring: 市民 inside 城市民生 is LIKE's alone). Ingest:
INGEST fresh distinct mentions stored by the real ingest path (batches of 200) into an
empty database with the index and into one without it, mentions/s. --trigram (PostgreSQL)
also times a pg_trgm GIN index on the same LIKE queries.
Target: a search answers in well under 1 s at 1M mentions.
Usage: python bench/search.py [--only sqlite|postgresql] [--rounds N] [--reseed]
       [--scale F] [--trigram]   (both databases, 5 rounds; --scale 0.05 for 50,000)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, or_, select, text  # noqa: E402

from bench.seed import Scale, marker, seed  # noqa: E402
from bench.seed.plan import WORDS  # noqa: E402
from bench.seed.targets import (  # noqa: E402
    LABELS,
    PG,
    add_arguments,
    app_for,
    databases,
)
from monitor.config.loader import AppConfig  # noqa: E402
from monitor.ingest import Ingest  # noqa: E402
from monitor.search import index  # noqa: E402
from monitor.search.filters import from_params  # noqa: E402
from monitor.search.find import COUNT_CAP, _conditions, search  # noqa: E402
from monitor.search.segment import document_words  # noqa: E402
from monitor.storage.db import Database  # noqa: E402
from monitor.storage.migrate import upgrade  # noqa: E402
from monitor.storage.models import Mention  # noqa: E402

SCHEMA = "bench_search"
SQLITE_FILE = ROOT / "var" / "bench" / "search.db"
INDEX_VERSION = 3  # bump when monitor/search/index.py writes something else
INDEX_MARKER = "bench_search_index"
# common (in the seed's texts), middling (its issue and place names), rare, absent
QUERIES = ["积水", "投诉", "物业", "供暖", "网约车", "医保报销", "博物馆", "隧道", "塌陷", "城管"]
FILTERS = {"kind": "weibo", "sentiment": "negative", "since": "2026-11-10", "until": "2026-11-16"}
MODES = {
    "newest": {},
    "relevance": {"order": "relevance"},
    "newest+filters": FILTERS,
}
TARGET = 1.0
NEGATIVE_AT = 0.5
INGEST = 2000


def _url(name: str, schema: str = SCHEMA, file: Path = SQLITE_FILE) -> str:
    return f"sqlite:///{file}" if name == "sqlite" else f"{PG}?options=-csearch_path%3D{schema}"


def _fresh(name: str, schema: str = SCHEMA, file: Path = SQLITE_FILE, keep: bool = True) -> None:
    """An empty SQLite file or PostgreSQL schema (none at all with keep=False)."""
    if name == "sqlite":
        file.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{file}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(PG)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if keep:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def _index_marker(db: Database) -> str | None:
    try:
        with db.engine.connect() as c:
            return c.execute(text(f"SELECT marker FROM {INDEX_MARKER}")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not indexed
        return None


@cache
def _cut(text_: str) -> tuple[str, ...]:
    return tuple(document_words(text_))


def prepare(name: str, scale: Scale, reseed: bool, app_for: Callable[[str], AppConfig]) -> tuple:
    app = app_for(_url(name))
    db = Database(app.database_url)
    wanted = f"index v{INDEX_VERSION} {scale.marker}"
    if marker(db) == scale.marker and not reseed:
        if _index_marker(db) == wanted:
            return db, app, "kept from an earlier run (--reseed makes it again)"
    else:
        db.dispose()
        _fresh(name)
        print(f"{LABELS[name]}: seeding {scale.mentions:,} mentions, {scale.events:,} events")
        t = time.perf_counter()
        seed(db, app, scale)
        print(f"  seeded in {time.perf_counter() - t:.0f} s")
        db = Database(app.database_url)
    t = time.perf_counter()
    with db.engine.begin() as c:
        index.drop(c)  # as the migration makes it now (it may have changed since the seed)
        index.create(c)
        done = index.backfill(c, segment=lambda s: list(_cut(s)), batch=5000)
        c.execute(text(f"DROP TABLE IF EXISTS {INDEX_MARKER}"))
        c.execute(text(f"CREATE TABLE {INDEX_MARKER} (marker TEXT NOT NULL)"))
        c.execute(text(f"INSERT INTO {INDEX_MARKER} VALUES (:m)"), {"m": wanted})
    if name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f"VACUUM ANALYZE {index.PG_TABLE}"))
            # A table just bulk-loaded has no visibility map yet, so PostgreSQL reads every
            # row behind an index; in service autovacuum's insert threshold sets it (PG 13+).
            c.execute(text("VACUUM ANALYZE mentions"))
    took = time.perf_counter() - t
    return db, app, f"indexed {done:,} mentions in {took:.0f} s (words cut once per distinct text)"


def cutting_rate(db: Database, n: int = 20_000) -> float:
    """Mentions/s of the real segmentation (no reuse), on the first n mentions."""
    with db.engine.connect() as c:
        rows = c.execute(
            text("SELECT title, text FROM mentions ORDER BY id LIMIT :n"), {"n": n}
        ).all()
    t = time.perf_counter()
    for title, body in rows:
        document_words(title)
        document_words(body)
    return len(rows) / (time.perf_counter() - t)


def _like_page(s: Any, params: dict[str, str]) -> tuple[list[int], int]:
    """The same page as search() by LIKE '%q%' on the title and the text: ids and count."""
    f = from_params(params)
    q = f.query.terms[0].text
    conds = _conditions(s, f, NEGATIVE_AT, None)[len(f.query.terms) :]
    query = select(Mention.id).where(
        or_(Mention.title.like(f"%{q}%"), Mention.text.like(f"%{q}%")), *conds
    )
    ids = list(s.scalars(query.order_by(Mention.id.desc()).limit(f.per_page)))  # as ours
    counted = query.limit(COUNT_CAP + 1).subquery()
    return ids, s.scalar(select(func.count()).select_from(counted)) or 0


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def measure(db: Database, rounds: int, trigram: bool) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    hits: dict[tuple[str, str], int] = {}
    for _ in range(rounds):
        for mode, extra in MODES.items():
            for q in QUERIES:
                params = {"q": q, **extra}
                with db.session() as s:
                    t = time.perf_counter()
                    found = search(s, from_params(params), NEGATIVE_AT)
                    times.setdefault(f"index {mode}", []).append(time.perf_counter() - t)
                hits[(mode, q)] = found.total
                if mode == "relevance":
                    continue  # LIKE has no relevance
                with db.session() as s:
                    t = time.perf_counter()
                    _like_page(s, params)
                    times.setdefault(f"LIKE  {mode}", []).append(time.perf_counter() - t)
    for mode in ("newest", "newest+filters"):
        shown = ", ".join(
            f"{q} {'>' if hits[(mode, q)] > COUNT_CAP - 1 else ''}{hits[(mode, q)]:,}"
            for q in QUERIES
        )
        print(f"  hits ({mode}, counted to {COUNT_CAP:,}): {shown}")
    if trigram and db.engine.dialect.name == "postgresql":
        times.update(trigram_times(db, rounds))
    return times


def recall(db: Database) -> None:
    """Every hit of the index is a LIKE hit (each term is checked as a substring); how many
    of LIKE's hits the index finds, counted in full, once."""
    parts = []
    sqlite = db.engine.dialect.name == "sqlite"
    for q in QUERIES:
        with db.session() as s:
            like = s.scalar(
                select(func.count()).where(
                    or_(Mention.title.like(f"%{q}%"), Mention.text.like(f"%{q}%"))
                )
            )
            f = from_params({"q": q})
            words = [w for t in f.query.terms for w in t.words]
            if sqlite:
                cand = text(f"SELECT rowid FROM {index.FTS} WHERE {index.FTS} MATCH :m")
                m = index.fts_query(words)
            else:
                cand = text(
                    f"SELECT mention_id FROM {index.PG_TABLE} WHERE doc @@ CAST(:m AS tsquery)"
                )
                m = index.tsquery(words)
            ours = s.scalar(
                select(func.count()).where(
                    Mention.id.in_(cand.columns(Mention.id)), *_conditions(s, f, NEGATIVE_AT, None)
                ),
                {"m": m},
            )
        parts.append(f"{q} {ours:,}/{like:,}" + ("" if ours == like else f" ({ours / like:.1%})"))
    print("  recall (index hits / LIKE hits): " + ", ".join(parts))


def trigram_times(db: Database, rounds: int) -> dict[str, list[float]]:
    """LIKE '%q%' served by a pg_trgm GIN index on title || text (built, timed, dropped)."""
    with db.engine.begin() as c:
        c.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        t = time.perf_counter()
        c.execute(
            text(
                "CREATE INDEX bench_trgm ON mentions USING gin "
                "((title || ' ' || text) gin_trgm_ops)"
            )
        )
        print(f"  pg_trgm index built in {time.perf_counter() - t:.0f} s")
        c.execute(text("ANALYZE mentions"))
    times: dict[str, list[float]] = {"trgm  newest": []}
    try:
        for _ in range(rounds):
            for q in QUERIES:
                with db.engine.connect() as c:
                    t = time.perf_counter()
                    c.execute(
                        text(
                            "SELECT id FROM mentions WHERE (title || ' ' || text) LIKE :p "
                            "ORDER BY coalesce(published_at, fetched_at) DESC, id DESC LIMIT 20"
                        ),
                        {"p": f"%{q}%"},
                    ).all()
                    c.execute(
                        text(
                            "SELECT count(*) FROM (SELECT 1 FROM mentions WHERE "
                            "(title || ' ' || text) LIKE :p LIMIT :n) x"
                        ),
                        {"p": f"%{q}%", "n": COUNT_CAP + 1},
                    ).scalar()
                    times["trgm  newest"].append(time.perf_counter() - t)
    finally:
        with db.engine.begin() as c:
            c.execute(text("DROP INDEX bench_trgm"))
    return times


def ingest_rates(name: str, app_for: Callable[[str], AppConfig]) -> dict[str, float]:
    """Mentions/s stored by the real ingest path, with the index kept and without one
    (items alike each time, into a fresh database each run)."""
    rng = random.Random(7)
    vocab = WORDS.split() + [f"{a}{b}" for a in "东西南北中" for b in "桥站园街港湾"]
    rates: dict[str, float] = {}
    for kept in (True, False, True, False):  # alternated, the best of two: the cores are shared
        schema, file = f"{SCHEMA}_ingest", SQLITE_FILE.with_name("search-ingest.db")
        _fresh(name, schema, file)
        app = app_for(_url(name, schema, file))
        db = Database(app.database_url)
        upgrade(db)
        if not kept:
            with db.engine.begin() as c:
                index.drop(c)
            db.dispose()
            db = Database(app.database_url)  # an engine that never saw the index
        now = datetime(2026, 12, 1, tzinfo=UTC)
        items = [
            {
                "source": "yunchuan-news",
                "kind": "news",
                "url": f"https://news.example.cn/bench/{kept}/{i}",
                "fetched_at": now,
                "title": "".join(rng.choices(vocab, k=5)),
                "text": "，".join(rng.choices(vocab, k=rng.randint(20, 60))) + "。",
                "published": (now - timedelta(minutes=i)).isoformat(),
            }
            for i in range(INGEST)
        ]
        sink = Ingest(app, db, now=lambda now=now: now, batch=200)
        t = time.perf_counter()
        for it in items:
            sink(it)
        sink.close()
        what = "with index" if kept else "without index"
        rates[what] = max(rates.get(what, 0.0), INGEST / (time.perf_counter() - t))
        db.dispose()
        _fresh(name, schema, file, keep=False)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--trigram", action="store_true", help="also time pg_trgm")
    args = parser.parse_args()
    scale = Scale() if args.scale == 1 else Scale.of(args.scale)
    names = databases(args.only)
    summary = []
    for name in names:
        db, _app, how = prepare(name, scale, args.reseed, app_for)
        label = LABELS[name]
        print(f"{label}: {scale.mentions:,} mentions; {how}")
        rate = cutting_rate(db)
        print(
            f"  segmentation (jieba, no reuse): {rate:,.0f} mentions/s; a backfill of "
            f"{scale.mentions:,} would take {scale.mentions / rate / 60:.0f} min"
        )
        times = measure(db, args.rounds, args.trigram)
        recall(db)
        db.dispose()
        print(f"  {'':<22}{'median':>9}{'p95':>9}{'max':>9}   ({args.rounds} rounds)")
        for what, xs in times.items():
            med, top = statistics.median(xs), p95(xs)
            print(f"  {what:<22}{med * 1000:>7.0f}ms{top * 1000:>7.0f}ms{max(xs) * 1000:>7.0f}ms")
        for mode in ("newest", "newest+filters"):
            ours, like = times[f"index {mode}"], times[f"LIKE  {mode}"]
            ratio = statistics.median(like) / statistics.median(ours)
            print(f"  LIKE / index, {mode}: median ×{ratio:.1f}, p95 ×{p95(like) / p95(ours):.1f}")
        worst = max(p95(xs) for what, xs in times.items() if what.startswith("index"))
        verdict = "meets" if worst < TARGET else "MISSES"
        summary.append(f"{label}: worst index p95 {worst * 1000:.0f} ms, {verdict} < {TARGET} s")
        rates = ingest_rates(name, app_for)
        print(
            "  ingest (real path, batches of 200, empty database): "
            + ", ".join(f"{k} {v:,.0f} mentions/s" for k, v in rates.items())
            + f"; the index costs {1 - rates['with index'] / rates['without index']:.0%}"
        )
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
