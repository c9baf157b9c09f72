"""The whole pipeline on the bundled sample site, on SQLite and on the real PostgreSQL.

Crawl (a real `yuqing crawl --all` child process) → normalise → dedup → store → score →
group into events → open cases with statutory clocks → alerts → digest → console/healthz.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from monitor.clock import beijing, utcnow
from monitor.config import load_config
from monitor.context import Context
from monitor.digest.daily import write_daily
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.samplesite import serve
from monitor.storage.models import Alert, Event, Mention
from monitor.views import departments, event_summary, list_events
from monitor.web.app import create_app
from tests.helpers.configs import REPO, copy_config


def yuqing(config, env, *args: str) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture
def sample_run(database_url, tmp_path):  # noqa: ANN001, ANN201
    site, _ = serve("127.0.0.1", 0)
    try:
        config = copy_config(tmp_path, sample_port=site.server_address[1])
        env = os.environ | {"DATABASE_URL": database_url}
        yuqing(config, env, "init")
        crawl = yuqing(config, env, "crawl", "--all")
        ctx = Context(load_config(config, environ=env))
        yield ctx, config, env, crawl.stdout
        ctx.db.dispose()
    finally:
        site.shutdown()


def summaries(db, now) -> list[dict]:  # noqa: ANN001
    """The events as the console and `yuqing events` show them."""
    with db.session() as s:
        _, rows = list_events(s, limit=1000)
        depts = departments(s)
        return [event_summary(e, d, depts, now) for e, d in rows]


def by_title(events: list[dict], fragment: str) -> dict:
    found = [e for e in events if fragment in e["title"]]
    assert found, f"no event titled like {fragment!r} in {[e['title'] for e in events]}"
    return found[0]


def test_sample_story_is_collected_graded_routed_and_timed(sample_run) -> None:  # noqa: ANN001
    ctx, config, env, out = sample_run
    assert "新入库" in out and "新事件" in out
    now = utcnow()
    events = summaries(ctx.db, now)
    with ctx.db.session() as s:
        mentions = s.scalar(select(func.count(Mention.id)))
        assert mentions >= 15
        assert s.scalar(select(func.count(Mention.id)).where(Mention.analysed_at.is_(None))) == 0
        detail = {e.id: e for e in s.scalars(select(Event))}
        for e in detail.values():
            _ = e.deadlines, e.department

    # The rainstorm: a major emergency with the 5 h and 24 h clocks from discovery.
    rain = (
        by_title(events, "暴雨")
        if any("暴雨" in e["title"] for e in events)
        else by_title(events, "降雨")
    )
    ev = detail[rain["id"]]
    assert ev.grade in ("I", "II")
    assert ev.department.code == "emergency"
    clocks = {d.clock: d for d in ev.deadlines if not d.superseded}
    # ... and the reply still owed to the citizen who reported the flooded tunnel on the board
    assert set(clocks) == {"info-5h", "presser-24h", "reply-5wd"}
    assert "board" in ev.kinds and ev.origin_kind == "weibo"
    assert clocks["info-5h"].due_at == ev.discovered_at + timedelta(hours=5)
    assert clocks["presser-24h"].due_at == ev.discovered_at + timedelta(hours=24)
    assert "突发事件" in rain["reasons"]

    # The overcharging complaint: one event across board, Weibo and the news portal.
    fee = detail[by_title(events, "乱收费")["id"]]
    assert fee.grade in ("II", "III")
    assert fee.source_count >= 3 and fee.mention_count >= 4
    assert fee.origin_kind == "board"  # first published on the message board
    assert fee.department.code == "culture-tourism"
    assert "market-regulation" in fee.co_departments
    assert {d.clock for d in fee.deadlines if not d.superseded} == {"reply-5wd", "response-48h"}
    reply = next(d for d in fee.deadlines if d.clock == "reply-5wd")
    assert beijing(reply.due_at).hour == 0  # 24:00 of a working day

    # The museum rumour: false information, routed with public security consulting.
    rumour = detail[by_title(events, "博物馆")["id"]]
    assert "false_info" in rumour.categories
    assert "public-security" in rumour.co_departments or rumour.department.code == (
        "public-security"
    )

    # Routine positive news opens no clock and stays 一般.
    growth = detail[by_title(events, "同比增长")["id"]]
    assert growth.grade == "IV" and growth.deadlines == []
    assert by_title(events, "同比增长")["next_deadline"] is None

    # Alerts: queued in the outbox for III and above, delivered to the console channel.
    out = io.StringIO()
    report = deliver_due(ctx.db, {"console": ConsoleChannel("console", out)}, now)
    assert report.sent >= 3
    text = out.getvalue()
    assert "发布权威信息" in text and "召开新闻发布会" in text
    assert "研判依据：" in text and "责任部门：市应急管理局" in text
    with ctx.db.session() as s:
        assert s.scalar(select(func.count(Alert.id)).where(Alert.status != "sent")) == 0

    # The daily digest names the events and their clocks.
    path = write_daily(ctx.db, ctx.app, beijing(now).date(), now)
    html = path.read_text(encoding="utf-8")
    assert "舆情日报" in html and fee.title in html and "发布权威信息" in html

    # The console's health check counts what a user sees.
    client = TestClient(create_app(ctx.app, ctx.db))
    health = client.get("/healthz").json()
    assert health["mentions"] == mentions and health["events"] == len(events)
    assert health["pending_alerts"] == 0


def test_a_second_crawl_ingests_nothing_again(sample_run) -> None:  # noqa: ANN001
    ctx, config, env, _ = sample_run
    with ctx.db.session() as s:
        before = s.scalar(select(func.count(Mention.id)))
        events = s.scalar(select(func.count(Event.id)))
    again = yuqing(config, env, "crawl", "--all")
    assert "新入库 0 条" in again.stdout
    with ctx.db.session() as s:
        assert s.scalar(select(func.count(Mention.id))) == before
        assert s.scalar(select(func.count(Event.id))) == events


def test_events_command_lists_deadlines(sample_run) -> None:  # noqa: ANN001
    _, config, env, _ = sample_run
    out = yuqing(config, env, "events").stdout
    assert "发布权威信息" in out and "依据：" in out and "市应急管理局" in out
