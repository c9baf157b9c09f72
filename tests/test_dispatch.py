"""The outbox is delivered in order, retried with backoff on outages, never lost or doubled."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.config.types import Secret
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.notify.slack import SlackChannel
from monitor.notify.webhook import WebhookChannel
from monitor.storage.db import Database
from monitor.storage.models import Alert
from tests.helpers.fake_http import fake_http

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
DUE = (NOW + timedelta(hours=5)).isoformat()


def payload(title: str = "青峰山景区<b>停车场</b>乱收费 & 宰客") -> dict:
    return {
        "event_id": 7,
        "title": title,
        "grade": "III",
        "grade_label": "较大（III级）",
        "kind": "new_event",
        "kind_label": "新舆情事件",
        "reasons": "负面倾向 0.93；政府形象（乱收费、宰客）；热度 61",
        "department": "市文化和旅游局",
        "owner": None,
        "first_source": "云川市政府留言板",
        "discovered_at": "2026-11-21 10:00",
        "mention_count": 4,
        "deadlines": [{"clock": "response-48h", "title": "回应社会关切", "due_at": DUE}],
        "url": "http://127.0.0.1:8000/events/7",
    }


def queue(db: Database, channel: str, n: int = 1) -> None:
    with db.session() as s:
        for i in range(n):
            s.add(
                Alert(
                    key=f"k{i}:{channel}",
                    channel=channel,
                    kind="new_event",
                    event_id=None,
                    payload=payload(),
                    next_attempt_at=NOW,
                    created_at=NOW,
                )
            )


def statuses(db: Database) -> list[tuple[str, int, str | None]]:
    with db.session() as s:
        return [
            (a.status, a.attempts, a.last_error)
            for a in s.scalars(select(Alert).order_by(Alert.id))
        ]


def test_console_alert_shows_grade_reasons_deadline_and_link(database: Database) -> None:
    queue(database, "console")
    out = io.StringIO()
    report = deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW)
    text = out.getvalue()
    assert report.sent == 1
    assert "【新舆情事件】较大（III级） #7" in text
    assert "研判依据：负面倾向 0.93；政府形象（乱收费、宰客）；热度 61" in text
    assert "回应社会关切：2026-11-21 15:00 前（剩余 5小时0分）" in text
    assert "http://127.0.0.1:8000/events/7" in text
    # delivered once: a second pass sends nothing more
    assert deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW).sent == 0
    assert statuses(database) == [("sent", 1, None)]


def test_webhook_outage_is_retried_with_backoff_then_delivered(database: Database) -> None:
    queue(database, "hook")
    with fake_http([(503, {}, {"error": "down"}), (200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url + "/secret-path", "HOOK"))}
        first = deliver_due(database, hook, NOW)
        assert first.retrying == 1
        status, attempts, error = statuses(database)[0]
        assert (status, attempts) == ("pending", 1)
        assert "503" in error and "secret-path" not in error  # the URL is a secret
        assert deliver_due(database, hook, NOW + timedelta(seconds=10)).sent == 0  # backing off
        assert deliver_due(database, hook, NOW + timedelta(seconds=31)).sent == 1
        assert len(srv.requests) == 2
        body = srv.requests[-1].json()
        assert body["title"] == payload()["title"] and "研判依据" in body["text"]


def test_a_4xx_from_a_webhook_is_not_retried(database: Database) -> None:
    queue(database, "hook")
    with fake_http([(404, {}, {"error": "no such hook"})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        assert deliver_due(database, hook, NOW).failed == 1
    assert statuses(database)[0][:2] == ("failed", 1)


def test_unreachable_webhook_is_retried(database: Database) -> None:
    queue(database, "hook")
    hook = {"hook": WebhookChannel("hook", Secret("http://127.0.0.1:9/none", "HOOK"), 2)}
    assert deliver_due(database, hook, NOW).retrying == 1


def test_alert_for_an_unconfigured_channel_fails_visibly(database: Database) -> None:
    queue(database, "gone")
    deliver_due(database, {}, NOW)
    assert statuses(database) == [("failed", 1, "渠道 gone 未配置")]


def test_slack_posts_escaped_block_kit_and_honours_retry_after(database: Database) -> None:
    queue(database, "slack")
    script = [
        (429, {"Retry-After": "7"}, {"ok": False, "error": "ratelimited"}),
        (200, {}, {"ok": True, "ts": "1.0", "channel": "C1"}),
    ]
    with fake_http(script) as srv:
        slack = {
            "slack": SlackChannel("slack", Secret("xoxb-test", "T"), "#duty", srv.url + "/api/")
        }
        assert deliver_due(database, slack, NOW).retrying == 1
        assert deliver_due(database, slack, NOW + timedelta(seconds=6)).sent == 0
        assert deliver_due(database, slack, NOW + timedelta(seconds=8)).sent == 1
        req = srv.requests[-1]
        assert req.path == "/api/chat.postMessage"
        assert req.headers["Authorization"] == "Bearer xoxb-test"
        sent = req.json()
        blocks = str(sent["blocks"])
        assert "&lt;b&gt;停车场&lt;/b&gt;乱收费 &amp; 宰客" in blocks  # scraped text escaped
        assert "<b>" not in blocks


def test_slack_ok_false_with_a_config_error_is_not_retried(database: Database) -> None:
    queue(database, "slack")
    with fake_http([(200, {}, {"ok": False, "error": "channel_not_found"})]) as srv:
        slack = {
            "slack": SlackChannel("slack", Secret("xoxb-test", "T"), "#nope", srv.url + "/api/")
        }
        assert deliver_due(database, slack, NOW).failed == 1
    status, _, error = statuses(database)[0]
    assert status == "failed" and "channel_not_found" in error and "xoxb" not in error


def _event(db: Database) -> int:
    from monitor.storage.models import Event

    with db.session() as s:
        ev = Event(
            title="青峰山景区乱收费",
            origin_kind="weibo",
            first_source="新浪微博",
            first_url="https://m.weibo.cn/detail/1",
            discovered_at=NOW,
            last_mention_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(ev)
        s.flush()
        return ev.id


def _queue_titled(
    db: Database,
    channel: str,
    titles: list[str],
    kind: str = "new_event",
    event_id: int | None = None,
) -> None:
    with db.session() as s:
        for t in titles:
            s.add(
                Alert(
                    key=f"{t}:{channel}",
                    channel=channel,
                    kind=kind,
                    event_id=event_id,
                    payload=payload(t) | {"kind": kind},
                    next_attempt_at=NOW,
                    created_at=NOW,
                )
            )


def test_after_an_outage_alerts_arrive_in_order_saying_how_late(database: Database) -> None:
    _queue_titled(database, "hook", ["第一条", "第二条", "第三条"])
    with fake_http([(503, {}, {"error": "down"}), (200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        first = deliver_due(database, hook, NOW)
        assert (first.sent, first.retrying, first.deferred) == (0, 1, 0)
        assert len(srv.requests) == 1  # the others wait behind the first: order is kept
        later = NOW + timedelta(hours=1)
        assert deliver_due(database, hook, later).sent == 3
        bodies = [r.json() for r in srv.requests[1:]]
    assert [b["title"] for b in bodies] == ["第一条", "第二条", "第三条"]
    assert all("晚 60 分钟" in b["text"] for b in bodies)


def test_rate_limit_holds_the_rest_for_the_next_minute(database: Database) -> None:
    _queue_titled(database, "hook", [f"第{i}条" for i in range(5)])
    with fake_http([(200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        report = deliver_due(database, hook, NOW, limits={"hook": 2})
        assert (report.sent, report.deferred) == (2, 1)
        assert deliver_due(database, hook, NOW + timedelta(seconds=30), {"hook": 2}).sent == 0
        assert deliver_due(database, hook, NOW + timedelta(seconds=61), {"hook": 2}).sent == 2
        assert len(srv.requests) == 4


def test_queued_updates_of_one_event_go_out_as_one_message(database: Database) -> None:
    event_id = _event(database)
    _queue_titled(database, "console", ["新事件"], "new_event", event_id)
    _queue_titled(database, "console", ["等级上升"], "grade_up", event_id)
    out = io.StringIO()
    report = deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW)
    assert (report.sent, report.merged) == (1, 1)
    assert "等级上升" in out.getvalue() and "新事件" not in out.getvalue()
    assert [s for s, _, _ in statuses(database)] == ["merged", "sent"]


def test_every_attempt_is_recorded(database: Database) -> None:
    from monitor.storage.alerts import AlertAttempt

    queue(database, "hook")
    with fake_http([(500, {}, {}), (200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        deliver_due(database, hook, NOW)
        deliver_due(database, hook, NOW + timedelta(minutes=1))
    with database.session() as s:
        attempts = [(a.ok, a.retry, a.error) for a in s.scalars(select(AlertAttempt))]
    assert attempts == [(False, True, "Webhook 返回 HTTP 500"), (True, False, None)]


def test_later_updates_of_an_event_go_into_its_slack_thread(database: Database) -> None:
    from tests.helpers.fake_slack import fake_slack

    event_id = _event(database)
    with fake_slack() as slack:
        ch = {"slack": SlackChannel("slack", Secret("xoxb-test", "T"), "C0DUTY", slack.base_url)}
        _queue_titled(database, "slack", ["新事件"], "new_event", event_id)
        deliver_due(database, ch, NOW)
        _queue_titled(database, "slack", ["等级上升"], "grade_up", event_id)
        _queue_titled(database, "slack", ["另一事件"], "new_event", None)
        deliver_due(database, ch, NOW + timedelta(minutes=5))
        first, update, other = slack.messages
    assert "thread_ts" not in first
    assert update["thread_ts"] == first["ts"] and update["reply_broadcast"] is True
    assert "thread_ts" not in other
