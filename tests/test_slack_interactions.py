"""The Slack 确认 button: escalation messages carry it when interactivity is configured;
Slack's signed click acknowledges as the linked user and the message says who and when;
everything else is refused, changing nothing, and the signing secret is never shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.config import load_config
from monitor.config.loader import AppConfig
from monitor.notify import escalation
from monitor.notify.channels import build_channels
from monitor.notify.dispatcher import deliver_due
from monitor.storage.alerts import Escalation
from monitor.storage.db import Database
from monitor.storage.models import Alert, AuditLog, Department, Event
from monitor.web import create_app
from monitor.web.slack_actions import slack_signature
from tests.helpers.configs import config_case
from tests.helpers.fake_slack import FakeSlack, fake_slack

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
CLICKED = T0 + timedelta(minutes=3)  # 10:03 in Beijing
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ENV = {
    "YUQING_TEST_SLACK_TOKEN": "xoxb-test",
    "YUQING_TEST_SLACK_SIGNING_SECRET": SECRET,
}


@dataclass
class World:
    db: Database
    app: AppConfig
    slack: FakeSlack
    client: TestClient
    event: int

    def click(self, user: str, at: datetime = CLICKED, value: str | None = None, **kw):  # noqa: ANN003, ANN201
        body, headers = self.slack.click(
            SECRET, user, value or str(self.event), int(at.timestamp()), **kw
        )
        return self.post(body, headers)

    def post(self, body: bytes, headers: dict[str, str]):  # noqa: ANN201
        return self.client.post("/slack/interactions", content=body, headers=headers)

    def escalation(self) -> Escalation:
        with self.db.session() as s:
            return s.scalars(select(Escalation)).one()

    def answer(self) -> dict:
        assert len(self.slack.responses) == 1, self.slack.responses
        return self.slack.responses[0]


def _config(tmp_path, slack: FakeSlack, environ: dict[str, str]) -> AppConfig:  # noqa: ANN001
    config = config_case(tmp_path, "slack_interactive")
    path = config / "channels.yaml"
    path.write_text(path.read_text("utf-8").replace("FAKE_SLACK_API", slack.base_url), "utf-8")
    return load_config(config, environ=environ)


def _seed(db: Database) -> int:
    with db.session() as s:
        culture = Department(code="culture-tourism", name="市文化和旅游局")
        other = Department(code="emergency", name="市应急管理局")
        s.add_all([culture, other])
        s.flush()
        ev = Event(
            title="云川遭遇强降雨 <临江隧道> 积水",
            grade="II",
            origin_kind="weibo",
            first_source="新浪微博",
            first_url="https://m.weibo.cn/1",
            department_id=culture.id,
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(ev)
        s.flush()
        create_user(s, "xiaowang", "值班员小王", "duty_officer", now=T0, slack_user_id="U0DUTY")
        create_user(s, "baomi", "保密员", "confidentiality", now=T0, slack_user_id="U0SECRET")
        create_user(
            s, "yingji", "应急处室", "handler", "emergency", now=T0, slack_user_id="U0OTHER"
        )
        return ev.id


@pytest.fixture
def world(database: Database, tmp_path) -> Iterator[World]:  # noqa: ANN001
    with fake_slack() as slack:
        app = _config(tmp_path, slack, ENV)
        event = _seed(database)
        with database.session() as s:
            escalation.start(s, app.settings, s.get_one(Event, event), "新发现重大事件", T0)
        deliver_due(database, build_channels(app), T0)
        client = TestClient(create_app(app, database, now=lambda: CLICKED))
        yield World(database, app, slack, client, event)


def test_slack_documents_this_signature() -> None:
    # the worked example of Slack's "Verifying requests from Slack"
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert slack_signature(SECRET, "1531420618", body) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_escalation_messages_carry_the_button(world: World) -> None:
    (message,) = world.slack.messages
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    (button,) = actions[0]["elements"]
    assert button["action_id"] == "yuqing_ack" and button["value"] == str(world.event)
    assert button["text"]["text"] == "确认"
    assert "Slack 消息中的确认按钮" in str(message["blocks"])  # the note says where to click


def test_a_click_acknowledges_as_the_linked_user_and_updates_the_message(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    r = world.click("U0DUTY")
    assert r.status_code == 200
    esc = world.escalation()
    assert esc.acknowledged_by == "xiaowang" and esc.acknowledged_at == CLICKED
    answer = world.answer()
    assert answer["replace_original"] is True and "response_type" not in answer
    assert not [b for b in answer["blocks"] if b["type"] == "actions"]  # no button any more
    note = answer["blocks"][-1]["elements"][0]["text"]
    assert "已由 值班员小王（xiaowang）于 2026-11-21 10:03 确认" in note
    assert "&lt;临江隧道&gt;" in str(answer["blocks"])  # the original, still escaped
    with world.db.session() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "acknowledge")).one()
        assert audit.actor == "xiaowang"
        assert audit.detail["via"] == "slack" and audit.detail["slack_user"] == "U0DUTY"
    # acknowledged: no more repeats, no climbing
    assert escalation.step(world.db, world.app.settings, T0 + timedelta(minutes=45)) == 0
    assert SECRET not in caplog.text and "rEsPoNsE" not in caplog.text


def _unchanged(world: World) -> None:
    esc = world.escalation()
    assert esc.acknowledged_at is None and esc.acknowledged_by is None
    with world.db.session() as s:
        assert not s.scalars(select(AuditLog)).all()


@pytest.mark.parametrize(
    ("slack_user", "value", "says"),
    [
        ("U0NOBODY", None, "您的 Slack 账号（U0NOBODY）尚未关联 yuqing 用户"),
        ("U0SECRET", None, "无权确认升级通知：用户 baomi 的角色是保密员"),
        ("U0OTHER", None, "无权确认：该事件不由您所在的处室负责或会商"),
        ("U0DUTY", "999", "事件 '999' 不存在"),
        ("U0DUTY", "drop table", "事件 'drop table' 不存在"),
    ],
)
def test_user_level_problems_are_told_to_the_clicking_user_alone(
    world: World, slack_user: str, value: str | None, says: str
) -> None:
    assert world.click(slack_user, value=value).status_code == 200
    answer = world.answer()
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert says in answer["text"], answer["text"]
    _unchanged(world)


def test_an_acknowledged_escalation_is_not_acknowledged_again(world: World) -> None:
    world.click("U0DUTY")
    with world.db.session() as s:
        create_user(s, "laoli", "值班员老李", "duty_officer", now=T0, slack_user_id="U0LATE")
    world.slack.responses.clear()
    world.click("U0LATE", at=CLICKED + timedelta(seconds=5))
    answer = world.answer()
    assert answer["response_type"] == "ephemeral"
    assert "已由 xiaowang 于 2026-11-21 10:03 确认，无需重复确认" in answer["text"]
    assert world.escalation().acknowledged_by == "xiaowang"


def test_an_event_without_escalation_has_nothing_to_acknowledge(world: World) -> None:
    with world.db.session() as s:
        s.scalars(select(Escalation)).one().resolved_at = T0
    world.click("U0DUTY")
    assert "没有进行中的升级，无需确认" in world.answer()["text"]


def test_a_bad_signature_is_refused_with_401(world: World, caplog) -> None:  # noqa: ANN001
    body, headers = world.slack.click("not-the-secret", "U0DUTY", str(world.event), 0)
    headers["X-Slack-Request-Timestamp"] = str(int(CLICKED.timestamp()))
    r = world.post(body, headers)
    assert r.status_code == 401 and "签名不符" in r.json()["error"]
    # a body altered after signing
    body, headers = world.slack.click(SECRET, "U0DUTY", str(world.event), int(CLICKED.timestamp()))
    r = world.post(body.replace(b"U0DUTY", b"U0DUTZ"), headers)
    assert r.status_code == 401
    r = world.post(body, {k: v for k, v in headers.items() if k != "X-Slack-Signature"})
    assert r.status_code == 401 and "缺少 X-Slack-Signature" in r.json()["error"]
    # missing, digits that are not ASCII ("²" passes str.isdigit), not digits
    for stamp in (b"", "\u00b2".encode("latin-1"), b"17e8"):
        r = world.post(body, headers | {"X-Slack-Request-Timestamp": stamp})  # type: ignore[dict-item]
        assert r.status_code == 401 and "X-Slack-Request-Timestamp" in r.json()["error"]
    assert not world.slack.responses
    _unchanged(world)
    assert SECRET not in caplog.text and all(SECRET not in str(x) for x in (r.text, r.headers))


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_stale_or_future_timestamp_is_refused(world: World, offset: timedelta) -> None:
    r = world.click("U0DUTY", at=CLICKED + offset)
    assert r.status_code == 401 and "超过 5 分钟" in r.json()["error"]
    assert not world.slack.responses
    _unchanged(world)


def test_a_replayed_request_is_refused(world: World) -> None:
    body, headers = world.slack.click(
        SECRET, "U0NOBODY", str(world.event), int(CLICKED.timestamp())
    )
    assert world.post(body, headers).status_code == 200
    again = world.post(body, headers)
    assert again.status_code == 401 and "重放" in again.json()["error"]
    assert len(world.slack.responses) == 1
    # the same click captured and replayed later than five minutes: refused as stale
    later = TestClient(create_app(world.app, world.db, now=lambda: CLICKED + timedelta(minutes=6)))
    stale = later.post("/slack/interactions", content=body, headers=headers)
    assert stale.status_code == 401 and "超过 5 分钟" in stale.json()["error"]
    _unchanged(world)


def test_other_interactions_are_accepted_and_ignored(world: World) -> None:
    assert world.click("U0DUTY", action_id="someone_elses_button").status_code == 200
    assert not world.slack.responses
    _unchanged(world)


def test_without_a_signing_secret_there_is_no_button_and_no_endpoint(
    database: Database, tmp_path
) -> None:  # noqa: ANN001
    with fake_slack() as slack:
        config = config_case(tmp_path, "slack_interactive")
        path = config / "channels.yaml"
        text = path.read_text("utf-8").replace("FAKE_SLACK_API", slack.base_url)
        path.write_text(
            text.replace("    signing_secret_env:", "    # signing_secret_env:"), "utf-8"
        )
        app = load_config(config, environ={"YUQING_TEST_SLACK_TOKEN": "xoxb-test"})
        event = _seed(database)
        with database.session() as s:
            escalation.start(s, app.settings, s.get_one(Event, event), "新发现重大事件", T0)
        deliver_due(database, build_channels(app), T0)
        assert slack.messages and "actions" not in str(slack.messages[0]["blocks"])
        assert "确认按钮" not in str(slack.messages[0]["blocks"])
        body, headers = slack.click(SECRET, "U0DUTY", str(event), int(CLICKED.timestamp()))
        client = TestClient(create_app(app, database, now=lambda: CLICKED))
        assert client.post("/slack/interactions", content=body, headers=headers).status_code == 404
        with database.session() as s:
            assert s.scalars(select(Escalation)).one().acknowledged_at is None
            assert s.scalars(select(Alert)).first() is not None


def test_a_missing_signing_secret_variable_stops_start_up(tmp_path) -> None:  # noqa: ANN001
    from monitor.errors import ConfigError

    with fake_slack() as slack, pytest.raises(ConfigError) as err:
        _config(tmp_path, slack, {"YUQING_TEST_SLACK_TOKEN": "xoxb-test"})
    assert "signing_secret_env" in str(err.value)
    assert "YUQING_TEST_SLACK_SIGNING_SECRET" in str(err.value)


def test_the_cli_links_a_slack_account(tmp_path) -> None:  # noqa: ANN001
    from tests.helpers.cli import prepare

    setup = prepare(tmp_path)
    setup.ok("init")
    setup.ok(
        "user", "add", "xiaowang", "--role", "duty_officer", "--slack-id", "u0duty", "--no-password"
    )
    bad = setup.run("user", "add", "laoli", "--role", "leader", "--slack-id", "@laoli")
    assert bad.returncode != 0 and "不是 Slack 用户 ID" in bad.stderr
    setup.ok("user", "add", "laoli", "--role", "leader", "--no-password")
    taken = setup.run("user", "slack", "laoli", "U0DUTY")
    assert taken.returncode != 0 and "已关联到用户“xiaowang”" in taken.stderr
    assert "已关联 Slack 成员 U0LEAD" in setup.ok("user", "slack", "laoli", "U0LEAD").stdout
    assert "已取消 Slack 关联" in setup.ok("user", "slack", "laoli", "--remove").stdout
