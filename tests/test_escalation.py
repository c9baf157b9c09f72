"""Escalation: major events reach leaders at once; unacknowledged, they climb and repeat;
acknowledging stops that, a breach restarts it, resolving ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.config import load_config
from monitor.errors import ConfigError, Forbidden
from monitor.notify import escalation
from monitor.storage.db import Database
from monitor.storage.models import Alert, Deadline, Event, User
from monitor.web import create_app
from tests.helpers.configs import config_case
from tests.helpers.console import csrf_token

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path):  # noqa: ANN001, ANN201
    return load_config(config_case(tmp_path, "escalation"), environ={}).settings


def _event(db: Database, state: str = "collected") -> int:
    with db.session() as s:
        ev = Event(
            title="云川遭遇强降雨 临江隧道积水",
            grade="II",
            state=state,
            origin_kind="weibo",
            first_source="新浪微博",
            first_url="https://m.weibo.cn/1",
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(ev)
        s.flush()
        s.add(
            Deadline(
                event_id=ev.id,
                clock="info-5h",
                title="发布权威信息",
                starts_at=T0,
                due_at=T0 + timedelta(hours=5),
            )
        )
        return ev.id


def _start(db: Database, settings, event_id: int, **kw) -> None:  # noqa: ANN001, ANN003
    with db.session() as s:
        escalation.start(s, settings, s.get_one(Event, event_id), "新发现重大事件", T0, **kw)


def _sent(db: Database) -> list[tuple[str, str]]:
    with db.session() as s:
        return [
            (a.channel, a.payload["escalation"])
            for a in s.scalars(select(Alert).where(Alert.kind == "escalation").order_by(Alert.id))
        ]


def _user(db: Database, role: str) -> User:
    with db.session() as s:
        user, _ = create_user(s, f"u-{role}", f"用户{role}", role, now=T0)
        return user


def test_climbs_the_levels_and_repeats_until_acknowledged(database: Database, settings) -> None:
    ev = _event(database)
    _start(database, settings, ev)
    for minutes in (10, 16, 31, 40, 61):
        escalation.step(database, settings, T0 + timedelta(minutes=minutes))
    sent = _sent(database)
    assert [c for c, _ in sent] == ["handlers", "handlers", "dept-leader", "principal"]
    assert sent[0][1].startswith("第 1/3 级（责任处室）：新发现重大事件；尚无人确认")
    assert sent[1][1].endswith("第 2 次提醒")
    assert sent[3][1].startswith("第 3/3 级（主要负责人）")


def test_acknowledging_stops_repeats_and_climbing_a_breach_restarts(
    database: Database, settings
) -> None:
    ev = _event(database)
    _start(database, settings, ev)
    with database.session() as s:
        escalation.acknowledge(s, ev, _user(database, "duty_officer"), T0 + timedelta(minutes=5))
    for minutes in (20, 31, 61, 120):
        escalation.step(database, settings, T0 + timedelta(minutes=minutes))
    assert [c for c, _ in _sent(database)] == ["handlers"]
    with database.session() as s:  # the clock is breached: leaders must hear again
        escalation.start(
            s,
            settings,
            s.get_one(Event, ev),
            "时限“发布权威信息”已超期",
            T0 + timedelta(hours=5),
            restart=True,
        )
    assert _sent(database)[-1][0] == "principal"  # where it had climbed to by then
    assert "已超期" in _sent(database)[-1][1]


def test_resolving_ends_the_escalation(database: Database, settings) -> None:
    ev = _event(database)
    _start(database, settings, ev)
    with database.session() as s:
        s.scalars(select(Deadline)).one().met_at = T0 + timedelta(minutes=20)
    assert escalation.step(database, settings, T0 + timedelta(minutes=61)) == 0
    assert [c for c, _ in _sent(database)] == ["handlers"]


def test_the_policy_in_force_at_the_start_is_kept(database: Database, settings) -> None:
    ev = _event(database)
    _start(database, settings, ev)
    # a later config with only the first level does not rewrite the escalation under way
    policy = settings.channels.escalation
    shorter = policy.model_copy(update={"levels": policy.levels[:1]})
    changed = settings.model_copy(
        update={"channels": settings.channels.model_copy(update={"escalation": shorter})}
    )
    escalation.step(database, changed, T0 + timedelta(minutes=61))
    assert _sent(database)[-1][0] == "principal"


def test_a_confidentiality_officer_cannot_acknowledge(database: Database, settings) -> None:
    ev = _event(database)
    _start(database, settings, ev)
    with database.session() as s, pytest.raises(Forbidden):
        escalation.acknowledge(s, ev, _user(database, "confidentiality"), T0)


def test_an_escalation_policy_must_start_at_zero_and_name_real_channels(tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_case(tmp_path, "bad_escalation"), environ={})
    assert "escalation" in str(err.value) and "after" in str(err.value)


def test_api_acknowledge(database: Database, settings, tmp_path) -> None:
    app_config = load_config(config_case(tmp_path / "api", "escalation"), environ={})
    ev = _event(database)
    _start(database, settings, ev)
    tokens = {}
    with database.session() as s:
        for role in ("duty_officer", "confidentiality"):
            _, tokens[role] = create_user(s, role, role, role, now=T0)
    client = TestClient(create_app(app_config, database, now=lambda: T0))

    def post(role: str, event_id: int):  # noqa: ANN202
        return client.post(
            f"/api/events/{event_id}/acknowledge",
            headers={"Authorization": f"Bearer {tokens[role]}"},
        )

    assert post("confidentiality", ev).status_code == 403
    ok = post("duty_officer", ev)
    assert ok.status_code == 200 and ok.json()["acknowledged_by"] == "duty_officer"
    other = _event(database)
    refused = post("duty_officer", other)
    assert refused.status_code == 409 and "没有进行中的升级" in refused.json()["error"]
    assert client.post(f"/api/events/{ev}/acknowledge").status_code == 401


def test_the_event_page_shows_the_escalation_and_acknowledges_it(
    database: Database, settings, tmp_path
) -> None:
    app_config = load_config(config_case(tmp_path / "page", "escalation"), environ={})
    ev = _event(database)
    _start(database, settings, ev)
    with database.session() as s:
        _, token = create_user(s, "xiaowang", "值班员小王", "duty_officer", now=T0)
    client = TestClient(create_app(app_config, database, now=lambda: T0 + timedelta(minutes=3)))
    client.get(f"/login?token={token}")
    page = client.get(f"/events/{ev}").text
    assert "升级中：第 1/3 级（责任处室）：新发现重大事件" in page
    assert "每 15 分钟重复提醒并逐级上报" in page and "确认（我来处理）" in page
    token = csrf_token(client, f"/events/{ev}")  # the form's own, tied to the session
    done = client.post(
        f"/events/{ev}/acknowledge", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    page = client.get(f"/events/{ev}").text
    assert "已由 xiaowang 于 2026-11-21 10:03 确认" in page and "确认（我来处理）" not in page


def test_cli_acknowledge_and_an_unknown_user(tmp_path) -> None:
    from tests.helpers.cli import prepare

    setup = prepare(tmp_path)
    case = config_case(tmp_path / "cfg", "escalation")
    (setup.config / "channels.yaml").write_text(
        (case / "channels.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    setup.ok("init")
    db = Database(setup.env["DATABASE_URL"])
    settings = load_config(setup.config, environ={}).settings
    ev = _event(db)
    _start(db, settings, ev)
    _user(db, "duty_officer")
    db.dispose()
    unknown = setup.run("alerts", "ack", str(ev), "--as", "nobody")
    assert unknown.returncode == 2 and "用户 'nobody' 不存在" in unknown.stderr
    done = setup.ok("alerts", "ack", str(ev), "--as", "u-duty_officer")
    assert f"已确认事件 #{ev} 的升级（第 1 级：责任处室）" in done.stdout
