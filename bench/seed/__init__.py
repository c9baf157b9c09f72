"""The reports bench's database: a month of mentions, events and case records, generated
from a fixed seed and bulk-loaded (plan.py: what; generate.py and case_records.py:
the rows; load.py: how they go in) into a migrated, empty SQLite or PostgreSQL database.

30 days, 2026-11-01 to 2026-12-01 UTC. 20,000 events: five with 50,000 mentions each (two
of them break on the morning of 11-19 Beijing time, so the digest of 11-20 has the busiest
window), the rest sharing the remaining mentions with a Pareto tail; 5 % of mentions belong
to no event. Mentions come more by day than by night (Beijing hours). Events carry grades,
workflow states by age, a department, 1–3 clocks (met on time, late, unmet, superseded),
transitions, judgments with disposal obligations, case actions with their drafts,
commitments and a few escalations. Working-day clocks are taken as 1.4 calendar days per
working day: close enough for load, not for the counting rules.

Loading goes round the ORM: SQLite gets executemany on the DB-API connection with each
column's own bind processor (dates are stored exactly as the service stores them),
PostgreSQL gets COPY. The secondary indexes of `mentions` are dropped for the load and
rebuilt from their own DDL after it; foreign keys are not checked while loading.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, text

from bench.seed.generate import Generator
from bench.seed.load import Loader
from bench.seed.plan import MARKER_TABLE, TABLES, Scale
from monitor import cases
from monitor.config.loader import AppConfig
from monitor.storage.db import Database
from monitor.storage.migrate import HEAD, current_revisions, upgrade
from monitor.storage.models import Department


def marker(db: Database) -> str | None:
    """The marker of a finished seed in this database, if it has one and the schema is HEAD."""
    try:
        if current_revisions(db) != {HEAD}:
            return None
        with db.engine.connect() as c:
            return c.execute(text(f"SELECT marker FROM {MARKER_TABLE}")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not seeded (or not finished)
        return None


def seed(db: Database, app: AppConfig, scale: Scale, say: Any = print) -> dict[str, int]:
    """Migrate the (empty) database, generate and load every row; returns rows per table."""
    upgrade(db)
    with db.session() as s:
        cases.sync_departments(s, app.settings)
        departments = list(s.scalars(select(Department.id).order_by(Department.id)))
    t = time.perf_counter()
    gen = Generator(app, departments, scale)
    plan = gen.generate()
    say(f"  generated in {time.perf_counter() - t:.1f} s; loading")
    counts: dict[str, int] = {}
    load = Loader(db)
    try:
        for name, model in TABLES.items():
            t = time.perf_counter()
            rows = gen.mention_rows() if name == "mentions" else plan.rows[name]
            counts[name] = load.table(model.__table__, rows, rebuild=name == "mentions")
            if name == "mentions":
                took = time.perf_counter() - t
                say(f"  {counts[name]:,} mentions loaded, indexes rebuilt, in {took:.1f} s")
        load.mark(scale.marker)
    finally:
        load.close()
    db.dispose()
    return counts
