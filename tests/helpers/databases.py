"""Test databases: a SQLite file, or a fresh schema on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_SERVER = os.environ.get("YUQING_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when the server answers, else why not (checked once per test run)."""
    if "reason" not in _pg_state:
        try:
            eng = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
            with eng.connect() as c:
                c.execute(text("select 1"))
            eng.dispose()
            _pg_state["reason"] = None
        except OperationalError as e:
            _pg_state["reason"] = str(e.orig).strip().splitlines()[0]
    return _pg_state["reason"]


def require_postgres() -> None:
    reason = postgres_unavailable()
    if reason is None:
        return
    msg = f"PostgreSQL at {PG_SERVER} is not reachable ({reason})"
    if os.environ.get("YUQING_REQUIRE_POSTGRES"):
        pytest.fail(msg + "; YUQING_REQUIRE_POSTGRES is set, so this is a failure, not a skip")
    pytest.skip(msg + "; start it to run the PostgreSQL half of the suite")


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards."""
    require_postgres()
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_SERVER)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
