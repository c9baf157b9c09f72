"""The whole pipeline on the bundled sample site, on SQLite and on the real PostgreSQL.

Crawl (a real `yuqing crawl --all` child process) → normalise → dedup → store → score →
group into events → open cases with statutory clocks → alerts → digest → console/healthz.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from monitor.clock import beijing, utcnow
from monitor.config import load_config
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.reports.daily import build_daily, digest_day_for
from monitor.reports.store import make
from monitor.samplesite import serve
from monitor.service.context import Context
from monitor.storage.models import Alert, Event, Mention
from monitor.views import departments, event_summary, list_events
from monitor.web.app import create_app
from tests.helpers.cli import prepare


@pytest.fixture
def sample_run(database_url, tmp_path):  # noqa: ANN001, ANN201
    site, _ = serve("127.0.0.1", 0)
    try:
        setup = prepare(tmp_path, database_url, sample_port=site.server_address[1])
        setup.ok("init")
        crawl = setup.ok("crawl", "--all")
        ctx = Context(load_config(setup.config, environ=setup.env))
        yield ctx, setup, crawl.stdout
        ctx.db.dispose()
    finally:
        site.shutdown()


def summaries(db, now) -> list[dict]:  # noqa: ANN001
    """The events as the console and `yuqing events` show them."""
    with db.session() as s:
        _, rows = list_events(s, limit=1000)
        depts = departments(s)
        return [event_summary(e, d, depts, now) for e, d in rows]


def holding(ctx, events: list[dict], fragment: str) -> dict:  # noqa: ANN001
    """The event that holds the mention titled like `fragment` (grouping follows arrival
    order, so which headline names an event may vary; which mentions it holds does not)."""
    with ctx.db.session() as s:
        event_id = s.scalar(
            select(Mention.event_id).where(Mention.title.contains(fragment)).limit(1)
        )
    assert event_id, f"no mention titled like {fragment!r}"
    return next(e for e in events if e["id"] == event_id)


def test_sample_story_is_collected_graded_routed_and_timed(sample_run) -> None:  # noqa: ANN001
    ctx, setup, out = sample_run
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
    rain = holding(ctx, events, "云川遭遇强降雨")
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
    # its hot Weibo post's comments (two hotflow pages) are read: the grade's reasons name
    # their negative share, and the event's profile shows them and their views
    assert re.search(r"评论负面占比 \d+%（\d+ 条评论）", rain["reasons"]), rain["reasons"]
    profile = setup.ok("event", "profile", str(rain["id"])).stdout
    assert "网民评论：已读取" in profile and "评论观点：" in profile
    assert "江边老住户（赞 2,861）：临江路隧道年年下雨年年淹" in profile
    with ctx.db.session() as s:
        hot = s.scalars(select(Mention).where(Mention.url.endswith("/5039112233440005"))).one()
        assert hot.event_id == rain["id"] and hot.extra["comments_read"] == 23
        # the long complaint about 青峰山, read whole from statuses/extend
        long = s.scalars(select(Mention).where(Mention.url.endswith("/5039112233440003"))).one()
        assert long.extra["full_text"] is True and "全文" not in long.text
        assert long.text.endswith("别让青峰山的好风景被这样的管理毁了。#云川旅游#")

    # The overcharging complaint: one event across board, Weibo and the news portal.
    fee = detail[holding(ctx, events, "青峰山景区停车场乱收费")["id"]]
    assert fee.id == holding(ctx, events, "青峰山景区被指乱收费")["id"]
    assert fee.grade in ("II", "III")
    assert fee.source_count >= 3 and fee.mention_count >= 4
    assert fee.origin_kind == "board"  # first published on the message board
    assert fee.department.code == "culture-tourism"
    assert "market-regulation" in fee.co_departments
    assert {d.clock for d in fee.deadlines if not d.superseded} == {"reply-5wd", "response-48h"}
    reply = next(d for d in fee.deadlines if d.clock == "reply-5wd")
    assert beijing(reply.due_at).hour == 0  # 24:00 of a working day

    # The museum rumour: false information, answered within 48 h, police consulted.
    rumour = detail[holding(ctx, events, "永久闭馆")["id"]]
    assert "false_info" in rumour.categories
    assert rumour.grade in ("II", "III")  # a spreading rumour reaches the duty officers
    assert "public-security" in rumour.co_departments
    assert [d.clock for d in rumour.deadlines] == ["response-48h"]

    # Routine positive news opens no clock and stays 一般.
    growth = detail[holding(ctx, events, "同比增长")["id"]]
    assert growth.grade == "IV" and growth.deadlines == []
    assert holding(ctx, events, "同比增长")["next_deadline"] is None

    # Alerts: queued in the outbox for III and above, delivered to the console channel.
    out = io.StringIO()
    report = deliver_due(ctx.db, {"console": ConsoleChannel("console", out)}, now)
    assert report.sent >= 3
    text = out.getvalue()
    assert "发布权威信息" in text and "召开新闻发布会" in text
    assert "研判依据：" in text and "责任部门：市应急管理局" in text
    with ctx.db.session() as s:
        undelivered = select(func.count(Alert.id)).where(Alert.status.in_(("pending", "failed")))
        assert s.scalar(undelivered) == 0  # sent, or merged into a newer update of its event

    # The daily digest names the events and their clocks, in every format.
    day = digest_day_for(ctx.settings.service.digest.at, now)
    made = make(
        ctx.db,
        ctx.app,
        lambda s: build_daily(s, ctx.app, day, now),
        "daily:e2e",
        ["html", "md"],
        "test",
        now,
    )
    html = made.paths[0].read_text(encoding="utf-8")
    assert made.paths[0].suffix == ".html" and made.paths[1].suffix == ".md"
    assert "舆情日报" in html and fee.title in html and "发布权威信息" in html

    # The console's health check counts what a user sees.
    client = TestClient(create_app(ctx.app, ctx.db))
    health = client.get("/healthz").json()
    assert health["mentions"] == mentions and health["events"] == len(events)
    assert health["pending_alerts"] == 0


def test_a_second_crawl_ingests_nothing_again(sample_run) -> None:  # noqa: ANN001
    ctx, setup, _ = sample_run
    with ctx.db.session() as s:
        before = s.scalar(select(func.count(Mention.id)))
        events = s.scalar(select(func.count(Event.id)))
    again = setup.ok("crawl", "--all")
    assert "新入库 0 条" in again.stdout
    with ctx.db.session() as s:
        assert s.scalar(select(func.count(Mention.id))) == before
        assert s.scalar(select(func.count(Event.id))) == events


def test_events_command_lists_deadlines(sample_run) -> None:  # noqa: ANN001
    _, setup, _ = sample_run
    out = setup.ok("events").stdout
    assert "发布权威信息" in out and "依据：" in out and "市应急管理局" in out
