"""Alembic migrations run from code: upgrade, and the start-up check for an unmigrated DB.

Every command checks the schema before it touches the database, and the service starts a
`yuqing crawl` process for each scheduled crawl, so the check reads Alembic's version
table itself: loading Alembic and every migration script to find the head took ~0.13 s
of each process's start. HEAD is the newest migration's revision; tests/test_storage.py
checks it against Alembic's own reading of migrations/versions/, so a new migration that
does not move it fails the suite.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from monitor.errors import NotMigrated
from monitor.storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0018"
VERSION_TABLE = "alembic_version"


def _alembic_config(db: Database):  # noqa: ANN202 - alembic is imported only here
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade(db: Database) -> None:
    from alembic import command

    command.upgrade(_alembic_config(db), "heads")


def head_revisions() -> set[str]:
    """The heads as Alembic reads them from the migration scripts (slow: loads them all)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return set()
        return set(conn.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def require_migrated(db: Database) -> None:
    """Refuse to run on a database whose schema is missing or not the code's."""
    current = current_revisions(db)
    if current == {HEAD}:
        return
    if not current:
        state = (
            "尚未初始化。请先运行 `yuqing init`（或 `make run`，它会自动执行）来创建数据库结构。"
        )
    elif all(rev.isdigit() and rev < HEAD for rev in current):
        state = (
            f"版本为 {'、'.join(sorted(current))}，低于程序需要的 {HEAD}。"
            "请先运行 `yuqing init`（或 `make run`，它会自动执行）来升级数据库结构。"
        )
    else:
        state = (
            f"版本为 {'、'.join(sorted(current))}，与程序需要的 {HEAD} 不符"
            "（数据库可能由更新版本的程序升级过）。请使用与数据库相符的程序版本。"
        )
    raise NotMigrated(f"数据库 {db.display_url} {state}")
