"""Normalise, dedup and store on SQLite and on the real PostgreSQL; migrations and their check."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from monitor.config import load_config
from monitor.errors import NotMigrated
from monitor.ingest import Ingest
from monitor.pipeline.normalise import canonical_url, clean_text, normalise
from monitor.storage.db import Database
from monitor.storage.migrate import HEAD, head_revisions, require_migrated, upgrade
from monitor.storage.models import Evidence, Mention, Source
from tests.helpers.configs import CONFIG
from tests.helpers.databases import postgres_schema_url

APP = load_config(CONFIG, environ={})
FETCHED = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def item(**kw) -> dict:  # noqa: ANN003
    base = {
        "source": "province-daily-rss",
        "kind": "feed",
        "url": "https://news.example.cn/a/1.html?utm_source=wx&id=7",
        "final_url": "https://news.example.cn/a/1.html?id=7",
        "fetched_at": FETCHED,
        "raw": "<html>原文</html>".encode(),
        "title": "  青峰山景区\u200b停车场乱收费  ",
        "text": "游客反映\r\n\r\n\r\n停车费 50 元　不给票",
        "published_raw": "2026年11月21日 09:30",
    }
    return base | kw


def test_canonical_url_drops_tracking_and_unifies_mobile() -> None:
    assert canonical_url("http://M.Example.cn/a/1.html?utm_source=x&b=2&a=1#top") == (
        "https://example.cn/a/1.html?a=1&b=2"
    )
    assert canonical_url("https://m.weibo.cn/detail/123") == "https://m.weibo.cn/detail/123"
    assert canonical_url("https://www.example.cn/a/1.html") == canonical_url(
        "http://wap.example.cn/a/1.html"
    )


def test_clean_text_folds_whitespace_and_invisible_characters() -> None:
    assert clean_text(" a\u200bb\u3000 c\r\n\r\n\r\nd ") == "ab c\n\nd"


def test_normalise_parses_beijing_time_to_utc() -> None:
    n = normalise(item())
    assert n.published_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert n.title == "青峰山景区停车场乱收费"
    assert n.canonical_url == "https://news.example.cn/a/1.html?id=7"


def test_a_publish_time_after_the_fetch_is_clamped() -> None:
    n = normalise(item(published_raw="2026年11月22日 09:30"))
    assert n.published_at == FETCHED


def test_store_keeps_one_copy_and_the_evidence(database: Database) -> None:
    sink = Ingest(APP, database, now=lambda: FETCHED)
    sink(item())
    sink(item(url="https://news.example.cn/a/1.html?id=7&spm=abc"))  # same article
    sink(item(url="https://news.example.cn/a/2.html", title="转载：青峰山景区停车场乱收费"))
    assert sink.counts["province-daily-rss"].stored == 2
    assert sink.counts["province-daily-rss"].duplicates == 1
    with database.session() as s:
        assert s.scalar(select(func.count(Mention.id))) == 2
        ev = s.scalars(select(Evidence).order_by(Evidence.id)).first()
        assert gzip.decompress(ev.body_gz) == "<html>原文</html>".encode()
        assert ev.sha256 == hashlib.sha256("<html>原文</html>".encode()).hexdigest()
        assert ev.final_url == "https://news.example.cn/a/1.html?id=7"
        m = s.scalars(select(Mention).order_by(Mention.id)).first()
        assert m.fetched_at == FETCHED and m.fetched_at.tzinfo is not None
        assert m.analysed_at is None  # waiting for the analysis stage
        src = s.scalar(select(Source).where(Source.name == "province-daily-rss"))
        assert src.items_total == 2 and src.tier == "provincial"


def test_an_item_without_content_is_rejected_with_a_reason(database: Database) -> None:
    sink = Ingest(APP, database, now=lambda: FETCHED)
    sink(item(title="", text="   "))
    sink({"source": "province-daily-rss", "url": "https://x.cn/"})  # no fetched_at
    rejected = sink.counts["province-daily-rss"].rejected
    assert len(rejected) == 2
    assert "没有正文" in rejected[0]


def test_unmigrated_database_is_refused_with_the_fix(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(NotMigrated, match="yuqing init"):
        require_migrated(db)
    upgrade(db)
    require_migrated(db)  # now fine
    upgrade(db)  # and idempotent


def test_the_checked_head_is_the_newest_migration() -> None:
    # require_migrated compares with HEAD instead of loading every migration script:
    # a new migration must move HEAD, or every command would refuse the new schema.
    assert head_revisions() == {HEAD}


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("0007", f"版本为 0007，低于程序需要的 {HEAD}。请先运行 `yuqing init`"),
        ("9001", f"版本为 9001，与程序需要的 {HEAD} 不符"),
    ],
)
def test_a_schema_behind_or_ahead_of_the_code_is_refused(
    database: Database, version: str, says: str
) -> None:
    require_migrated(database)
    with database.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    with pytest.raises(NotMigrated) as refused:
        require_migrated(database)
    assert says in str(refused.value)


def test_postgresql_plans_every_statement_for_its_values() -> None:
    """An emergency's 50,000 mentions and an ordinary event's five share one prepared
    statement; a plan made for the average would read the whole emergency for one page."""
    with postgres_schema_url() as url:
        db = Database(url)
        with db.engine.connect() as a, db.engine.connect() as b:  # two pooled connections
            for conn in (a, b):
                assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
                conn.rollback()
        db.engine.dispose()  # and new ones after the pool is emptied
        with db.session() as s:
            assert s.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        db.dispose()
