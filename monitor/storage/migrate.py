"""Alembic migrations run from code: upgrade, and the start-up check for an unmigrated DB."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from monitor.errors import NotMigrated
from monitor.storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade(db: Database) -> None:
    command.upgrade(_alembic_config(db), "heads")


def head_revisions() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def require_migrated(db: Database) -> None:
    """Refuse to run on a database whose schema is missing or behind the code."""
    current = current_revisions(db)
    heads = head_revisions()
    if current == heads:
        return
    if not current:
        state = "尚未初始化"
    else:
        state = f"版本为 {'、'.join(sorted(current))}，低于程序需要的 {'、'.join(sorted(heads))}"
    raise NotMigrated(
        f"数据库 {db.display_url} {state}。请先运行 `yuqing init`（或 `make run`，它会自动执行）"
        "来创建或升级数据库结构。"
    )
