"""Report build times on a month of data: the 舆情日报 of a busy day and the month's 考核,
on 1,000,000 mentions and 20,000 events, in SQLite and in PostgreSQL.

Targets on this 2-core machine: digest < 10 s, assessment < 30 s. The database is generated
from a fixed seed by bench/seed/ (30 days of November 2026, five events of 50,000
mentions each, a long tail, the case records of every event) and kept: SQLite in
var/bench/reports.db, PostgreSQL in the schema `bench_reports` of 127.0.0.1:5432/test,
each marked with the generator's version, seeded again only when that changes or with
--reseed (which takes a few minutes for each).

Measured, each build in a fresh session: the digest dated 2026-11-20 (the 24 h to 08:00,
the busiest window of the month) and the assessment of 2026-11, both made on 12-01 at
09:00 Beijing time (when the monthly job runs: source health reads the last day of data,
as it does in the morning digest). ROUNDS of each, every one printed, the median compared
with the target; where a target is missed (or with --profile), one more build under
cProfile shows where the time goes, with the slowest SQL statements. Rendering (html, md,
docx) is timed once per document, on the documents of the first database: the first call
of each format loads its renderer, so it is shown apart from the median of the others.
The summaries of both databases' documents are compared: they are built from the same rows.
Usage: python bench/reports.py [--only sqlite|postgresql] [--rounds N] [--reseed]
       [--profile] [--scale F]   (both databases, 3 rounds; --scale 0.05 for a quick try)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.seed import Scale, marker, seed  # noqa: E402
from bench.seed.targets import (  # noqa: E402
    LABELS,
    PG,
    add_arguments,
    app_for,
    databases,
)
from monitor.config.loader import AppConfig  # noqa: E402
from monitor.reports.assessment import build_assessment  # noqa: E402
from monitor.reports.daily import build_daily  # noqa: E402
from monitor.reports.document import Document, Section, Table  # noqa: E402
from monitor.reports.formats import render  # noqa: E402
from monitor.reports.periods import parse_period  # noqa: E402
from monitor.storage.db import Database  # noqa: E402

SCHEMA = "bench_reports"
SQLITE_FILE = ROOT / "var" / "bench" / "reports.db"
DAY = date(2026, 11, 20)
PERIOD = "2026-11"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing, when the monthly job runs
TARGETS = {"digest": 10.0, "assessment": 30.0}
FORMATS = ["html", "md", "docx"]


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seed: str = ""
        self.runs: dict[str, list[float]] = {"digest": [], "assessment": []}
        self.docs: dict[str, Document] = {}

    def median(self, what: str) -> float:
        return statistics.median(self.runs[what])


def prepare(name: str, scale: Scale, reseed: bool, app_for: Callable[[str], AppConfig]) -> tuple:
    """(database, app, what happened to its seed): kept when its marker matches, else a
    fresh file or schema, migrated and seeded."""
    if name == "sqlite":
        url = f"sqlite:///{SQLITE_FILE}"
    else:
        url = f"{PG}?options=-csearch_path%3D{SCHEMA}"
    app = app_for(url)
    db = Database(app.database_url)
    found = marker(db)
    if found == scale.marker and not reseed:
        return db, app, "kept from an earlier run (--reseed makes it again)"
    db.dispose()
    if name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_engine(PG)
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        admin.dispose()
    print(f"{LABELS[name]}: seeding {scale.mentions:,} mentions, {scale.events:,} events")
    t = time.perf_counter()
    counts = seed(db, app, scale)
    took = time.perf_counter() - t
    rest = ", ".join(f"{n:,} {table}" for table, n in counts.items() if table != "mentions")
    print(f"  {rest}")
    return db, app, f"seeded in {took:.0f} s"


def builders(app: AppConfig) -> dict[str, Callable[[Session], Document]]:
    period = parse_period(PERIOD)
    return {
        "digest": lambda s: build_daily(s, app, DAY, NOW),
        "assessment": lambda s: build_assessment(s, app, period, NOW),
    }


def measure(db: Database, app: AppConfig, res: Result, rounds: int) -> None:
    for what, build in builders(app).items():
        for i in range(rounds):
            with db.session() as s:
                t = time.perf_counter()
                res.docs[what] = build(s)
                took = time.perf_counter() - t
            res.runs[what].append(took)
            print(f"  {what:<10} round {i + 1}: {took:6.2f} s")
        print(f"  {what:<10} median  : {res.median(what):6.2f} s   {res.docs[what].summary}")


def profile(db: Database, app: AppConfig, what: str) -> None:
    """One build under cProfile: the top 10 cumulative entries of the project's code (and
    the top 10 overall), and the slowest SQL statements with their share."""
    statements: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append((time.perf_counter() - started.pop(), statement))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    prof = cProfile.Profile()
    try:
        with db.session() as s:
            t = time.perf_counter()
            prof.runcall(builders(app)[what], s)
            took = time.perf_counter() - t
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    entries = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    rows = sorted(entries.items(), key=lambda kv: -kv[1][3])
    ours = [kv for kv in rows if _ours(kv[0][0])]
    own = sorted(entries.items(), key=lambda kv: -kv[1][2])
    print(f"  profile of one {what} build ({took:.2f} s under cProfile):")
    for title, chosen in (("top 10 cumulative, project code", ours), ("top 10 own time", own)):
        print(f"    {title:<36}  cum s   own s    calls")
        for (file, line, func), (_cc, calls, own_s, cum, _) in chosen[:10]:
            where = f"{file.removeprefix(str(ROOT) + '/')}:{line}"
            print(f"      {func[:28]:<28} {cum:8.2f} {own_s:7.2f} {calls:8}  {where[-60:]}")
    sql = sum(s for s, _ in statements)
    print(f"    SQL: {len(statements)} statements, {sql:.2f} s in the database driver")
    for secs, stmt in sorted(statements, reverse=True)[:5]:
        print(f"      {secs:6.2f} s  {' '.join(stmt.split())[:150]}")


def _ours(file: str) -> bool:
    """Code of this project (not its virtualenv, not this bench)."""
    inside = file.startswith(str(ROOT) + "/")
    return inside and not file.startswith((str(ROOT / ".venv"), str(ROOT / "bench")))


def render_times(docs: dict[str, Document], rounds: int) -> list[tuple[str, str, list[float]]]:
    """(document, format, seconds of each call): the digest 1 + `rounds` times (the first
    call loads the renderer), then the assessment once (its tables have no row limit)."""
    out = []
    for what, doc in docs.items():
        print(f"  render {what}: {table_rows(doc.sections):,} table rows")
        for fmt in FORMATS:
            times = []
            for _ in range(1 + rounds if what == "digest" else 1):
                t = time.perf_counter()
                r = render(doc, [fmt])
                times.append(time.perf_counter() - t)
                if r.problems:
                    print(f"  render {what} {fmt}: {'; '.join(r.problems)}")
            out.append((what, fmt, times))
            print(
                f"  render {what:<10} {fmt:<4}: {_render_text(times)}"
                f" ({len(r.files.get(fmt, b'')):,} bytes)"
            )
    return out


def table_rows(sections: list[Section]) -> int:
    """Rows in all the document's tables: what the render time grows with."""
    rows = sum(len(b.rows) for sec in sections for b in sec.blocks if isinstance(b, Table))
    return rows + sum(table_rows(sec.sections) for sec in sections)


def _render_text(times: list[float]) -> str:
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"{statistics.median(times[1:]):.2f} s (first call {times[0]:.2f} s)"


def report(
    results: list[Result], renders: list[tuple[str, str, list[float]]], scale: Scale, rounds: int
) -> None:
    names = [LABELS[r.name] for r in results]
    print()
    print(f"reports on {scale.mentions:,} mentions, {scale.events:,} events, 30 days")
    print(f"  {'':<36}" + "".join(f"{n:<18}" for n in names) + "target")
    for what, label in (
        ("digest", f"digest {DAY}, median of {rounds}"),
        ("assessment", f"assessment {PERIOD}, median of {rounds}"),
    ):
        cells = []
        for r in results:
            m = r.median(what)
            cells.append(f"{m:6.2f} s  {'PASS' if m < TARGETS[what] else 'MISS'}")
        print(f"  {label:<36}" + "".join(f"{c:<18}" for c in cells) + f"< {TARGETS[what]:.0f} s")
    for r in results:
        print(f"  {'seed, ' + LABELS[r.name]:<36}{r.seed}")
    if renders:
        print("  render (per document, the same on both databases):")
        for what in TARGETS:
            parts = [f"{fmt} {_render_text(times)}" for w, fmt, times in renders if w == what]
            rows = table_rows(results[0].docs[what].sections)
            print(f"    {what:<10} ({rows:,} table rows) " + ", ".join(parts))
    if len(results) == 2:
        a, b = results
        same = all(a.docs[w].summary == b.docs[w].summary for w in TARGETS)
        print(f"  summaries of both databases' documents: {'the same' if same else 'DIFFER'}")
        if not same:
            for w in TARGETS:
                for r in results:
                    print(f"    {LABELS[r.name]}: {r.docs[w].summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile even what passes")
    args = parser.parse_args()
    scale = Scale() if args.scale == 1 else Scale.of(args.scale)
    names = databases(args.only)
    results: list[Result] = []
    renders: list[tuple[str, str, list[float]]] = []
    for name in names:
        res = Result(name)
        db, app, res.seed = prepare(name, scale, args.reseed, app_for)
        print(f"{LABELS[name]}: {res.seed}")
        measure(db, app, res, args.rounds)
        for what, target in TARGETS.items():
            if args.profile or res.median(what) >= target:
                profile(db, app, what)
        if not renders:
            renders = render_times(res.docs, args.rounds)
        db.dispose()
        results.append(res)
    report(results, renders, scale, args.rounds)


if __name__ == "__main__":
    main()
