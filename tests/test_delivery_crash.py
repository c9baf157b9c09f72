"""No alert lost or sent twice when the service dies mid-delivery (kill -9), then restarts."""

from __future__ import annotations

import io
import signal
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.clock import utcnow
from monitor.config.types import Secret
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.notify.slack import SlackChannel
from monitor.notify.webhook import WebhookChannel
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert
from tests.helpers.cli import prepare
from tests.helpers.fake_http import fake_http
from tests.helpers.fake_slack import fake_slack

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def payload(title: str) -> dict:
    return {
        "event_id": 1,
        "title": title,
        "grade": "II",
        "grade_label": "重大（II级）",
        "kind": "new_event",
        "kind_label": "新舆情事件",
        "reasons": "突发事件（暴雨）",
        "department": "市应急管理局",
        "owner": None,
        "first_source": "新浪微博",
        "discovered_at": "2026-11-21 10:00",
        "mention_count": 3,
        "deadlines": [],
        "url": "http://127.0.0.1:8000/events/1",
    }


def queue(db: Database, channel: str, n: int, at: datetime, status: str = "pending") -> None:
    with db.session() as s:
        for i in range(1, n + 1):
            s.add(
                Alert(
                    key=f"new:{i}:{channel}",
                    channel=channel,
                    kind="new_event",
                    payload=payload(f"事件{i}"),
                    status=status,
                    next_attempt_at=at,
                    created_at=at,
                )
            )


def test_an_interrupted_slack_send_found_delivered_is_not_repeated(database: Database) -> None:
    queue(database, "slack", 1, NOW - timedelta(minutes=20), status="sending")
    with fake_slack() as slack:
        slack.messages.append(
            {
                "ts": f"{(NOW - timedelta(minutes=20)).timestamp():.6f}",
                "metadata": {"event_type": "yuqing_alert", "event_payload": {"key": "new:1:slack"}},
            }
        )
        ch = {"slack": SlackChannel("slack", Secret("xoxb-test", "T"), "C0DUTY", slack.base_url)}
        report = deliver_due(database, ch, NOW)
        assert (report.reconciled, report.sent, len(slack.messages)) == (1, 1, 1)


def test_an_interrupted_slack_send_not_found_is_sent_once(database: Database) -> None:
    queue(database, "slack", 1, NOW - timedelta(minutes=20), status="sending")
    with fake_slack() as slack:
        ch = {"slack": SlackChannel("slack", Secret("xoxb-test", "T"), "C0DUTY", slack.base_url)}
        assert deliver_due(database, ch, NOW).sent == 1
        assert slack.alert_keys() == ["new:1:slack"]
        assert "可能" not in slack.messages[0]["text"]  # known not delivered: no warning


def test_an_interrupted_send_that_cannot_be_checked_is_resent_saying_so(
    database: Database,
) -> None:
    queue(database, "console", 1, NOW - timedelta(minutes=20), status="sending")
    out = io.StringIO()
    assert deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW).sent == 1
    assert "可能与已收到的消息重复" in out.getvalue()


def test_an_interrupted_webhook_send_is_resent_with_its_idempotency_key(
    database: Database,
) -> None:
    queue(database, "hook", 1, NOW - timedelta(minutes=20), status="sending")
    with fake_http([(200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        assert deliver_due(database, hook, NOW).sent == 1
        assert srv.requests[0].headers["Idempotency-Key"] == "new:1:hook"
        assert "可能" not in srv.requests[0].json()["text"]


def test_a_send_in_progress_elsewhere_is_left_alone(database: Database) -> None:
    queue(database, "console", 1, NOW - timedelta(minutes=1), status="sending")
    out = io.StringIO()
    assert deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW).sent == 0


SERVICE = """\
web: {{host: 127.0.0.1, port: {port}, public_url: "http://127.0.0.1:{port}"}}
sample_site: {{enabled: false}}
analysis: {{interval: 60s}}
dispatch: {{interval: 1s}}
"""
CHANNELS = """\
channels:
  - name: duty-slack
    type: slack
    token_env: YUQING_TEST_SLACK_TOKEN
    channel: C0DUTY
    base_url: "{base_url}"
routes:
  - channel: duty-slack
"""


def _statuses(db: Database) -> list[str]:
    with db.session() as s:
        # the five alerts under test (the service may add its own notices, e.g. the calendar)
        ours = select(Alert).where(Alert.kind == "new_event").order_by(Alert.id)
        return [a.status for a in s.scalars(ours)]


def test_kill_9_mid_delivery_then_restart_delivers_each_alert_exactly_once(tmp_path) -> None:
    with fake_slack() as slack:
        setup = prepare(tmp_path)
        (setup.config / "service.yaml").write_text(SERVICE.format(port=setup.web_port))
        (setup.config / "sources.yaml").write_text("sources: []\n")
        (setup.config / "channels.yaml").write_text(CHANNELS.format(base_url=slack.base_url))
        setup.env["YUQING_TEST_SLACK_TOKEN"] = slack.token
        setup.ok("init")
        db = Database(setup.env["DATABASE_URL"])
        upgrade(db)
        queue(db, "duty-slack", 5, utcnow())
        slack.hold_seconds = {3: 5.0}  # Slack takes message 3, then is slow to answer

        first = setup.start("run", log=tmp_path / "first.log")
        deadline = time.monotonic() + 60

        def ours() -> list[str]:
            return [k for k in slack.alert_keys() if k and k.startswith("new:")]

        while len(ours()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(ours()) == 3, (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)  # dies before it learns message 3 went out
        first.wait(timeout=10)
        assert _statuses(db)[:3] == ["sent", "sent", "sending"]

        second = setup.start("run", log=tmp_path / "second.log")
        deadline = time.monotonic() + 60
        while set(_statuses(db)) != {"sent"} and time.monotonic() < deadline:
            time.sleep(0.2)
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)
        assert _statuses(db) == ["sent"] * 5, (tmp_path / "second.log").read_text()
        assert sorted(ours()) == [f"new:{i}:duty-slack" for i in range(1, 6)]
        db.dispose()
