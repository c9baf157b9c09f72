"""Routing by role: every alert says whom it is meant for, on its outbox row, and a route with
`roles` receives only the alerts meant for one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.notify import escalation
from monitor.notify.outbox import channels_for, enqueue, enqueue_notice
from monitor.storage.db import Database
from monitor.storage.models import Alert, Department, Event
from tests.helpers.configs import config_case

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path):  # noqa: ANN001, ANN201
    return load_config(config_case(tmp_path, "routes_roles"), environ={}).settings


def _event(db: Database, grade: str, department: str = "culture-tourism") -> int:
    with db.session() as s:
        dept = Department(code=department, name="市文化和旅游局")
        s.add(dept)
        s.flush()
        ev = Event(
            title="青峰山景区停车场乱收费",
            grade=grade,
            origin_kind="board",
            first_source="云川市政府留言板",
            first_url="http://127.0.0.1/board/1",
            department_id=dept.id,
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(ev)
        s.flush()
        return ev.id


def _rows(db: Database) -> list[tuple[str, str, list[str]]]:
    with db.session() as s:
        return [
            (a.kind, a.channel, a.audience) for a in s.scalars(select(Alert).order_by(Alert.id))
        ]


def test_a_route_for_leaders_gets_only_what_is_meant_for_leaders(settings) -> None:
    def where(grade: str, dept: str, kind: str = "new_event") -> list[str]:
        return channels_for(settings, grade, dept, kind, [], T0)

    assert where("III", "culture-tourism") == ["duty", "culture-handlers"]
    assert where("II", "culture-tourism") == ["duty", "culture-handlers", "leaders"]
    assert where("III", "emergency") == ["duty"]  # not the culture handlers' department
    assert where("I", "emergency", "deadline_breach") == ["duty", "leaders"]
    assert where("IV", "culture-tourism", "deadline_reminder") == ["duty", "culture-handlers"]


def test_event_alerts_carry_their_audience_on_the_outbox_row(database: Database, settings) -> None:
    routine, major = _event(database, "III"), _event(database, "II", "emergency")
    with database.session() as s:
        enqueue(s, settings, "new_event", s.get_one(Event, routine), T0, key=f"new:{routine}")
        enqueue(s, settings, "new_event", s.get_one(Event, major), T0, key=f"new:{major}")
    rows = _rows(database)
    assert rows == [
        ("new_event", "duty", ["duty_officer", "handler"]),
        ("new_event", "culture-handlers", ["duty_officer", "handler"]),
        ("new_event", "duty", ["duty_officer", "handler", "leader"]),
        ("new_event", "leaders", ["duty_officer", "handler", "leader"]),
    ]


def test_service_notices_are_for_duty_officers_and_the_administrator(
    database: Database, settings
) -> None:
    with database.session() as s:
        enqueue_notice(s, settings, "source_health", "src:weibo", "微博 异常", "连续失败", T0)
    assert _rows(database) == [
        ("source_health", "duty", ["duty_officer", "admin"]),
        ("source_health", "admins", ["duty_officer", "admin"]),
    ]


def test_each_escalation_level_is_addressed_to_its_role(database: Database, settings) -> None:
    ev = _event(database, "II")
    with database.session() as s:
        escalation.start(s, settings, s.get_one(Event, ev), "新发现重大事件", T0)
    for minutes in (16, 61):
        escalation.step(database, settings, T0 + timedelta(minutes=minutes))
    assert [(c, a) for k, c, a in _rows(database) if k == "escalation"] == [
        ("culture-handlers", ["handler"]),
        ("duty", ["duty_officer"]),  # role given explicitly for a `who` of its own
        ("leaders", ["leader"]),  # 主要负责人 → leader
    ]


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        (
            "bad_route_role",
            ["channels.yaml", "routes[0].roles", "不认识的角色 'leaders'", "leader（领导）"],
        ),
        ("bad_level_role", ["channels.yaml", "escalation.levels[0]", "'值班长'", "role"]),
    ],
)
def test_role_names_in_the_config_are_checked(tmp_path, case: str, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_case(tmp_path, case), environ={})
    message = str(err.value)
    assert message.startswith("配置无效，服务未启动。") and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_the_cli_routes_an_intake_item_by_role_end_to_end(tmp_path) -> None:
    from tests.helpers.cli import prepare

    setup = prepare(tmp_path)
    case = config_case(tmp_path / "cfg", "routes_roles")
    (setup.config / "channels.yaml").write_text(
        (case / "channels.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    setup.ok("init")
    text = "市民来电：青峰山景区停车场乱收费，一次收费一百元，游客投诉无人处理，要求景区退费。"
    setup.ok("intake", "--channel", "phone", "--text", text, "--by", "值班员")
    setup.ok("analyse")
    listed = setup.ok("alerts", "list").stdout
    lines = [ln for ln in listed.splitlines() if "新舆情事件" in ln]
    assert lines, listed
    assert all("发给 值班员、责任处室" in ln for ln in lines), listed
    channels = {ln.split()[2] for ln in lines}
    # routed to the duty officers and to the department's handlers, not to the leaders
    assert channels == {"duty", "culture-handlers"}
    sent = setup.ok("alerts", "send").stdout
    assert "青峰山" in sent and f"已发送 {len(lines)} 条" in sent
