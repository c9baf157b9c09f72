"""Engine and sessions for SQLite (WAL, the default) or PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError
from monitor.search.index import keep_current as keep_search_current
from monitor.storage.counts import keep_event_counts
from monitor.storage.lookups import keep_in_step


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "数据库地址无效：应为 sqlite:///路径 或 postgresql+psycopg://用户@主机/库名"
            "（见 service.yaml 的 database.url_env 指定的环境变量）。"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, pool_pre_ping=True)
    event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # psycopg prepares a statement run five times, and PostgreSQL then plans it once for
    # any value. Events differ in size by four orders of magnitude, so a plan made for the
    # average event reads all 50,000 mentions of an emergency to show its newest 100
    # (60 ms instead of 1 ms, bench/console.py): plan every execution for its values.
    cur = dbapi_connection.cursor()
    cur.execute("SET plan_cache_mode = force_custom_plan")
    cur.close()
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    # WAL lets the crawler processes write while the service reads.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Database:
    """One engine and its session factory; `with db.session() as s:` commits or rolls back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._factory, "after_flush", keep_in_step)
        event.listen(self._factory, "after_flush", keep_event_counts)
        event.listen(self._factory, "after_flush", keep_search_current)

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for logs and messages."""
        return make_url(self.url).render_as_string(hide_password=True)
