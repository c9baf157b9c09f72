"""Notices about the service itself: a failing or silent source, the calendar falling back."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.cases.deadlines import DeadlineBook
from monitor.config import load_config
from monitor.notices import notify_calendar_fallback, notify_source_health
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.storage.db import Database
from monitor.storage.models import Alert, Mention, Source
from tests.helpers.configs import CONFIG, copy_config

APP = load_config(CONFIG, environ={})
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 12:00 Beijing


def _source(db: Database, name: str = "yunchuan-news", **kw) -> None:  # noqa: ANN003
    with db.session() as s:
        s.add(Source(name=name, kind="news", title="云川新闻网", tier="local", **kw))


def _console(db: Database) -> str:
    out = io.StringIO()
    deliver_due(db, {"console": ConsoleChannel("console", out)}, NOW)
    return out.getvalue()


def test_a_source_failing_for_hours_alerts_once_per_outage(database: Database) -> None:
    _source(
        database,
        runs=20,
        failed_runs=6,
        last_success_at=NOW - timedelta(hours=3),
        last_error="HTTP 403：站点拒绝访问（http://news.example/）",
        last_error_at=NOW - timedelta(minutes=5),
    )
    assert notify_source_health(database, APP.settings, NOW) == 1
    assert notify_source_health(database, APP.settings, NOW + timedelta(minutes=10)) == 0
    text = _console(database)
    assert "【信息源异常】信息源“云川新闻网”异常" in text
    assert "已 3 小时 未成功；最近的错误：HTTP 403：站点拒绝访问" in text
    assert "HTTP 403：站点拒绝访问" in text


def test_a_single_failure_between_successes_is_not_yet_an_alert(database: Database) -> None:
    _source(
        database,
        runs=20,
        failed_runs=1,
        last_success_at=NOW - timedelta(minutes=30),
        last_error="连接超时",
        last_error_at=NOW - timedelta(minutes=5),
    )
    assert notify_source_health(database, APP.settings, NOW) == 0


def test_a_source_that_answers_but_yields_nothing_is_reported_silent(database: Database) -> None:
    _source(database, runs=50, last_success_at=NOW - timedelta(minutes=10))
    with database.session() as s:
        src = s.scalars(select(Source)).one()
        s.add(
            Mention(
                source_id=src.id,
                kind="news",
                url="https://x.cn/1",
                canonical_url="https://x.cn/1",
                content_hash="h",
                title="旧闻",
                text="旧闻",
                fetched_at=NOW - timedelta(days=3),
            )
        )
    assert notify_source_health(database, APP.settings, NOW) == 1
    assert "信息源“云川新闻网”沉默" in _console(database)


def test_the_calendar_fallback_is_announced_once_a_year(database: Database) -> None:
    book = DeadlineBook(APP.settings)
    assert notify_calendar_fallback(database, APP.settings, book, NOW) == 1
    assert notify_calendar_fallback(database, APP.settings, book, NOW + timedelta(hours=12)) == 0
    assert "【工作日历缺少官方数据】2027 年工作日历缺少官方数据" in _console(database)
    march = datetime(2026, 3, 1, tzinfo=UTC)
    assert notify_calendar_fallback(database, APP.settings, book, march) == 0


def test_notices_go_to_the_routes_that_name_them(database: Database, tmp_path) -> None:
    config = copy_config(tmp_path)
    (config / "channels.yaml").write_text(
        "channels:\n"
        "  - {name: console, type: console}\n"
        "  - {name: ops, type: console}\n"
        "routes:\n"
        "  - {channel: console, min_grade: III}\n"
        "  - {channel: ops, kinds: [source_health]}\n",
        encoding="utf-8",
    )
    settings = load_config(config, environ={}).settings
    _source(
        database, runs=5, last_success_at=None, last_error="HTTP 404：页面不存在", last_error_at=NOW
    )
    assert notify_source_health(database, settings, NOW) == 1
    with database.session() as s:
        assert [a.channel for a in s.scalars(select(Alert))] == ["ops"]
    shutil.rmtree(config)
