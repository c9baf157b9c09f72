"""The workflow JSON API: an event carried through every state, roles checked, errors in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from monitor import cases
from monitor.accounts.users import ROLES, create_user
from monitor.cases.deadlines import DeadlineBook
from monitor.config import load_config
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Event
from monitor.web import create_app
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
BOOK = DeadlineBook(APP.settings)
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 Beijing

# (method, path, roles allowed) for every workflow endpoint; read by tests/test_web.py's
# "no route is left without a role check".
ROUTES = [
    ("GET", "/api/events/{event_id}/case", set(ROLES)),
    ("POST", "/api/events/{event_id}/opinions", {"handler", "office", "leader", "admin"}),
    ("POST", "/api/events/{event_id}/judgment", {"duty_officer", "office", "handler", "admin"}),
    ("POST", "/api/events/{event_id}/judgment/decision", {"leader", "admin"}),
    ("POST", "/api/events/{event_id}/drafts", {"handler", "office", "duty_officer", "admin"}),
    ("PUT", "/api/drafts/{draft_id}", {"handler", "office", "duty_officer", "admin"}),
    ("POST", "/api/drafts/{draft_id}/review", set(ROLES)),
    ("POST", "/api/drafts/{draft_id}/redactions", {"confidentiality", "admin"}),
    ("POST", "/api/drafts/{draft_id}/publish", set(ROLES)),
    ("POST", "/api/events/{event_id}/actions", {"handler", "office", "leader", "admin"}),
    ("POST", "/api/drafts/{draft_id}/commitments", {"handler", "office", "admin"}),
    ("POST", "/api/commitments/{commitment_id}/fulfil", {"handler", "office", "admin"}),
    ("GET", "/api/commitments", set(ROLES)),
    ("POST", "/api/route", set(ROLES)),
    ("POST", "/api/events/{event_id}/reassign", {"duty_officer", "office", "leader", "admin"}),
]
ROUTE_PATHS = {p.replace("{event_id}", "{late}") for _, p, _ in ROUTES}


@pytest.fixture
def api(tmp_path) -> SimpleNamespace:  # noqa: ANN001
    db = Database(f"sqlite:///{tmp_path}/t.db")
    upgrade(db)
    clock = SimpleNamespace(now=T0)
    with db.session() as s:
        cases.sync_departments(s, APP.settings)
        tokens = {}
        for role in ROLES:
            code = "emergency" if role == "handler" else None
            _, tokens[role] = create_user(s, role, role, role, code, T0)
        e = Event(
            title="暴雨致隧道积水",
            grade="II",
            categories=["emergency"],
            topics=["城市内涝"],
            kinds=["weibo"],
            origin_kind="weibo",
            first_source="微博",
            first_url="https://weibo.example/1",
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
            mention_count=2,
            negative_count=2,
        )
        s.add(e)
        s.flush()
        cases.open_case(s, e, APP.settings, BOOK, e.title, T0)
        event_id = e.id
    client = TestClient(create_app(APP, db, now=lambda: clock.now))
    yield SimpleNamespace(db=db, client=client, tokens=tokens, event=event_id, clock=clock)
    db.dispose()


def call(api: SimpleNamespace, role: str | None, method: str, path: str, body: dict | None = None):
    headers = {"Authorization": f"Bearer {api.tokens[role]}"} if role else {}
    kw: dict = {"headers": headers}
    if body is not None:
        kw["json"] = body
    return api.client.request(method, path.format(event_id=api.event), **kw)


def ok(api: SimpleNamespace, role: str, method: str, path: str, body: dict | None = None) -> dict:
    r = call(api, role, method, path, body)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_every_workflow_endpoint_checks_login_and_role(api, method, path, allowed) -> None:
    path = path.replace("{draft_id}", "999").replace("{commitment_id}", "999")
    body = {} if method != "GET" else None
    r = call(api, None, method, path, body)
    assert r.status_code == 401 and "未登录" in r.json()["error"]
    for role in ROLES:
        r = call(api, role, method, path, body)
        if role in allowed:
            assert r.status_code in (200, 400, 404), (role, r.status_code, r.text)
        else:
            assert r.status_code == 403 and "无权访问" in r.json()["error"], role


def test_an_event_is_carried_through_every_state_by_the_api(api) -> None:
    move = "/api/events/{event_id}/transition"
    ok(api, "duty_officer", "POST", move, {"to": "consulting", "reason": "需会商"})
    ok(
        api,
        "handler",
        "POST",
        "/api/events/{event_id}/opinions",
        {"department": "emergency", "text": "已排水"},
    )
    ok(api, "office", "POST", move, {"to": "judged", "reason": "会商完毕"})
    view = ok(
        api,
        "handler",
        "POST",
        "/api/events/{event_id}/judgment",
        {"nature": "突发事件", "disposal_class": "unaware", "proposal": "发布权威信息"},
    )
    assert view["judgments"][0]["status"] == "draft"
    r = call(api, "handler", "POST", move, {"to": "responding", "reason": "处置"})
    assert r.status_code == 409 and "领导审批" in r.json()["error"]
    ok(api, "leader", "POST", "/api/events/{event_id}/judgment/decision", {"approve": True})
    ok(api, "handler", "POST", move, {"to": "responding", "reason": "处置"})
    view = ok(
        api,
        "handler",
        "POST",
        "/api/events/{event_id}/drafts",
        {"kind": "release", "text": "积水已排除。联系人张三 13800000000。"},
    )
    draft = view["drafts"][0]["id"]
    review = f"/api/drafts/{draft}/review"
    ok(api, "handler", "POST", review, {"level": "drafter", "approve": True, "note": "主动公开"})
    ok(
        api,
        "confidentiality",
        "POST",
        f"/api/drafts/{draft}/redactions",
        {"remove": "联系人张三 13800000000。", "reason": "个人隐私"},
    )
    view = ok(api, "confidentiality", "GET", "/api/events/{event_id}/case")
    d = view["drafts"][0]
    assert d["text"] == "积水已排除。■■" and d["review"]["next"] == "drafter"
    assert d["redactions"][0]["reason"] == "个人隐私"
    r = call(api, "confidentiality", "POST", review, {"level": "confidentiality", "approve": True})
    assert r.status_code == 409 and "拟稿人自审" in r.json()["error"]
    ok(api, "handler", "POST", review, {"level": "drafter", "approve": True, "note": "主动公开"})
    ok(api, "confidentiality", "POST", review, {"level": "confidentiality", "approve": True})
    ok(api, "leader", "POST", review, {"level": "leader", "approve": True, "publisher": "office"})
    r = call(api, "handler", "POST", f"/api/drafts/{draft}/publish", {})
    assert r.status_code == 409 and "发布人是 office" in r.json()["error"]
    api.clock.now = T0 + timedelta(hours=4)
    view = ok(api, "office", "POST", f"/api/drafts/{draft}/publish", {"fulfils": [1]})
    clocks = {d["clock"]: d["status_label"] for d in view["deadlines"]}
    assert clocks == {"info-5h": "已完成（按时）", "presser-24h": "进行中"}
    api.clock.now = T0 + timedelta(hours=30)
    view = ok(
        api,
        "office",
        "POST",
        "/api/events/{event_id}/actions",
        {"kind": "presser", "note": "新闻发布会"},
    )
    clocks = {d["clock"]: d["status_label"] for d in view["deadlines"]}
    assert clocks["presser-24h"] == "已完成（超时）"  # the miss stays on record
    ok(
        api,
        "handler",
        "POST",
        f"/api/drafts/{draft}/commitments",
        {"text": "一周内公布排水改造方案", "due_at": "2026-11-28T18:00:00+08:00"},
    )
    ok(api, "office", "POST", move, {"to": "evaluating", "reason": "回应完毕"})
    r = call(api, "office", "POST", move, {"to": "closed", "reason": "办结"})
    assert r.status_code == 409 and "一周内公布排水改造方案" in r.json()["error"]
    view = ok(
        api,
        "handler",
        "POST",
        "/api/events/{event_id}/drafts",
        {"kind": "release", "text": "排水改造方案如下。"},
    )
    d2 = view["drafts"][1]["id"]
    for role, body in (
        ("handler", {"level": "drafter", "approve": True, "note": "主动公开"}),
        ("confidentiality", {"level": "confidentiality", "approve": True}),
        ("leader", {"level": "leader", "approve": True, "publisher": "office"}),
    ):
        ok(api, role, "POST", f"/api/drafts/{d2}/review", body)
    ok(api, "office", "POST", f"/api/drafts/{d2}/publish", {})
    ok(api, "office", "POST", "/api/commitments/1/fulfil", {"draft_id": d2})
    ledger = ok(api, "office", "GET", "/api/commitments")
    assert ledger["items"][0]["status"] == "已兑现"
    ok(api, "office", "POST", move, {"to": "closed", "reason": "办结"})
    assert ok(api, "office", "GET", "/api/events/{event_id}/case")["state"] == "closed"


def test_route_explains_where_a_text_goes(api) -> None:
    r = ok(api, "duty_officer", "POST", "/api/route", {"text": "暴雨致隧道内涝，车辆被困"})
    assert r["lead"]["code"] == "emergency" and r["reasons"]
    r = ok(api, "duty_officer", "POST", "/api/route", {"text": "今天天气不错"})
    assert r["lead"]["code"] == "office"
    r = call(api, "duty_officer", "POST", "/api/route", {"text": "x", "grade": "V"})
    assert r.status_code == 400 and "风险等级" in r.json()["error"]
    r = call(api, "duty_officer", "POST", "/api/route", {"txt": "x"})
    assert r.status_code == 400 and "text" in r.json()["error"]
    r = ok(api, "duty_officer", "POST", "/api/route", {"text": "排队太久", "title": "暴雨被困"})
    assert r["lead"]["code"] == "emergency" and r["score"] > 0
    r = call(api, "duty_officer", "POST", "/api/route", {"text": "x", "kind": "blog"})
    assert r.status_code == 400 and "来源类型" in r.json()["error"]


def test_reassign_moves_the_lead_and_is_kept(api) -> None:
    path = f"/api/events/{api.event}/reassign"
    r = call(api, "handler", "POST", path, {"department": "public-security", "reason": "x"})
    assert r.status_code == 403
    r = call(api, "office", "POST", path, {"department": "nope", "reason": "不归应急"})
    assert r.status_code == 404 and "部门 'nope' 不存在" in r.json()["error"]
    view = ok(api, "office", "POST", path, {"department": "public-security", "reason": "涉谣言"})
    assert view["department"] == "public-security"
    r = call(api, "office", "POST", path, {"department": "public-security", "reason": "再改"})
    assert r.status_code == 409 and "已由市公安局主办" in r.json()["error"]


def test_side_exits_through_the_api(api) -> None:
    move = "/api/events/{event_id}/transition"
    r = call(api, "duty_officer", "POST", move, {"to": "merged", "reason": "重复"})
    assert r.status_code == 409 and "into" in r.json()["error"]
    r = call(api, "duty_officer", "POST", move, {"to": "merged", "reason": "重复", "into": 999})
    assert r.status_code == 404 and "999" in r.json()["error"]
    r = call(api, "confidentiality", "POST", move, {"to": "dismissed", "reason": "无价值"})
    assert r.status_code == 403
    ok(api, "duty_officer", "POST", move, {"to": "dismissed", "reason": "无回应价值"})
    ok(api, "office", "POST", move, {"to": "collected", "reason": "重新收集"})
    with api.db.session() as s:
        other = Event(
            title="另一事件",
            origin_kind="feed",
            first_source="x",
            first_url="https://x.example/",
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(other)
        s.flush()
        other_id = other.id
    view = ok(api, "office", "POST", move, {"to": "merged", "reason": "重复", "into": other_id})
    assert view["state"] == "merged"
