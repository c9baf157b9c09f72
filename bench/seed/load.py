"""Bulk loading round the ORM: SQLite by executemany with each column's own bind
processor, PostgreSQL by COPY; the mentions' indexes dropped for the load and rebuilt."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Table

from bench.seed.plan import BATCH, MARKER_TABLE
from monitor.storage.db import Database


class Loader:
    """Bulk rows into one database over a single DB-API connection, foreign keys off."""

    def __init__(self, db: Database) -> None:
        self.dialect = db.engine.dialect
        self.sqlite = self.dialect.name == "sqlite"
        self.raw = db.engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.cur = self.conn.cursor()
        if self.sqlite:
            for pragma in (
                "foreign_keys=OFF",
                "synchronous=OFF",
                "journal_mode=WAL",
                "cache_size=-262144",
            ):
                self.cur.execute(f"PRAGMA {pragma}")
        else:
            self.cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if self.cur.fetchone()[0]:  # skips the foreign-key triggers
                self.cur.execute("SET session_replication_role = replica")
            self.cur.execute("SET synchronous_commit = off")
            self.cur.execute("SET maintenance_work_mem = '256MB'")

    def close(self) -> None:
        self.conn.commit()
        if self.sqlite:
            self.cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.raw.invalidate()  # the session settings above must not reach the service's pool

    def table(self, table: Table, rows: Iterable[dict[str, Any]], rebuild: bool = False) -> int:
        """Load rows (dicts of column values); with `rebuild`, its secondary indexes are
        dropped first and created again from their own DDL afterwards."""
        cols = [c.name for c in table.columns]
        names = ", ".join(f'"{c}"' for c in cols)
        indexes = self.indexes(table.name) if rebuild else []
        for name, _ in indexes:
            self.cur.execute(f'DROP INDEX "{name}"')
        convert = [self.converter(c) for c in table.columns]
        n, batch = 0, []
        if self.sqlite:
            sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(cols))})'
            for row in rows:
                batch.append(
                    [
                        v if v is None or f is None else f(v)
                        for f, v in zip(convert, map(row.__getitem__, cols), strict=True)
                    ]
                )
                if len(batch) == BATCH:
                    self.cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
                    if n % (20 * BATCH) == 0:
                        self.conn.commit()
            self.cur.executemany(sql, batch)
            n += len(batch)
        else:
            with self.cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
                for row in rows:
                    cp.write_row(
                        [
                            v if v is None or f is None else f(v)
                            for f, v in zip(convert, map(row.__getitem__, cols), strict=True)
                        ]
                    )
                    n += 1
            seq = f"pg_get_serial_sequence('\"{table.name}\"', 'id')"
            self.cur.execute(f'SELECT setval({seq}, (SELECT max(id) FROM "{table.name}"))')
        for _, ddl in indexes:
            self.cur.execute(ddl)
        self.conn.commit()
        return n

    def converter(self, col: Any) -> Any:
        """What turns a value into what the driver takes: SQLite, the column's own bind
        processor; PostgreSQL, JSON text (COPY takes the rest as they are). JSON is kept by
        the object's identity (the object with it, so the id stays its own): the mention
        rows share their lists and dicts."""
        if self.sqlite:
            f = col.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        else:
            f = (
                (lambda v: json.dumps(v, ensure_ascii=False))
                if isinstance(col.type, JSON)
                else None
            )
        if f is None or not isinstance(col.type, JSON):
            return f
        memo: dict[int, tuple[Any, Any]] = {}

        def once(v: Any) -> Any:
            hit = memo.get(id(v))
            if hit is None:
                hit = memo[id(v)] = (v, f(v))
            return hit[1]

        return once

    def indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE INDEX ...) of the table's indexes that back no constraint."""
        if self.sqlite:
            q = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            return [(n, ddl) for n, ddl in self.cur.execute(q, (table,)) if ddl]
        self.cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            (table, table),
        )
        return list(self.cur.fetchall())

    def mark(self, marker: str) -> None:
        self.cur.execute(f"CREATE TABLE {MARKER_TABLE} (marker TEXT NOT NULL)")
        self.cur.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES ({'?' if self.sqlite else '%s'})", (marker,)
        )
        if not self.sqlite:  # as autovacuum would, long before a month's data is in
            self.conn.commit()
            self.cur.execute("ANALYZE")
