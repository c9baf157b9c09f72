"""The console and API: who may do what (every route), handler scoping, transitions, healthz,
escaping, source health and sentiment corrections."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import ROLES, create_user, rotate_token, user_for_token
from monitor.errors import YuqingError
from monitor.storage.db import Database
from monitor.storage.models import User
from monitor.storage.scoring import SentimentLabel
from monitor.web import create_app
from tests.helpers.console import (
    APP,
    BROKEN_REASON,
    MENTION_XSS,
    NOW,
    PASSWORD,
    XSS,
    bearer,
    csrf_token,
    login,
    seed,
)
from tests.test_case_page import ROUTE_PATHS as CASE_ROUTE_PATHS
from tests.test_console_queues import ROUTE_PATHS as QUEUE_ROUTE_PATHS
from tests.test_reports_web import ROUTE_PATHS as REPORTS_ROUTE_PATHS
from tests.test_scoring_api import ROUTE_PATHS as SCORING_ROUTE_PATHS
from tests.test_search import ROUTE_PATHS as SEARCH_ROUTE_PATHS
from tests.test_workflow_api import ROUTE_PATHS as WORKFLOW_ROUTE_PATHS

EVERYONE = set(ROLES)
MOVERS = {"duty_officer", "office", "leader", "handler", "admin"}
NEW_PASSWORD = "换一个新的密码-2026"
LABELLERS = {"duty_officer", "office", "leader", "admin"}
WATCHERS = {"duty_officer", "office", "leader", "admin"}  # source health
# (method, path, body kind, roles allowed). The transitions asked for are illegal from
# 收集, so an allowed role gets 409 and nothing changes between rows.
ROUTES = [
    ("GET", "/api/events", None, EVERYONE),
    ("GET", "/api/events/{late}", None, EVERYONE),
    ("POST", "/api/events/{late}/transition", "json", MOVERS),
    ("POST", "/api/events/{late}/acknowledge", None, MOVERS),
    ("GET", "/api/mentions", None, EVERYONE),
    ("GET", "/api/alerts", None, {"duty_officer", "office", "admin"}),
    ("GET", "/", None, EVERYONE),
    ("GET", "/events/{late}", None, EVERYONE),
    ("POST", "/events/{late}/transition", "form", MOVERS),
    ("POST", "/events/{late}/acknowledge", "form", MOVERS),
    ("POST", "/events/{late}/mentions/{mention}/sentiment", "form", LABELLERS),
    ("GET", "/sources", None, WATCHERS),
    ("GET", "/api/sources", None, WATCHERS),
    ("POST", "/logout", None, EVERYONE),
    ("GET", "/account/password", None, EVERYONE),
    ("POST", "/account/password", "password", EVERYONE),
    ("GET", "/docs", None, EVERYONE),
    ("GET", "/openapi.json", None, EVERYONE),
]
# Reachable without a login, on purpose: /slack/... is Slack's interactivity callback, which
# Slack signs (checked there) and which cannot carry a console login.
PUBLIC = {"/healthz", "/login", "/static/style.css"}
PUBLIC_PREFIXES = ("/static/", "/slack/")
# Roles of these are tested where the feature is (tests/test_intake.py).
INTAKE_ROUTE_PATHS = {"/api/intake", "/api/intake/{mention_id}/reporter"}


def call(web: SimpleNamespace, method: str, path: str, body: str | None, headers: dict):
    kw: dict = {"headers": headers, "follow_redirects": False}
    if body == "json":
        kw["json"] = {"to": "closed", "reason": "测试"}
    elif body == "form":
        kw["data"] = {"to": "closed", "reason": "测试", "label": "irrelevant"}
    elif body == "password":
        kw["data"] = {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    return web.client.request(method, path.format(late=web.late, mention=web.mention), **kw)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES)
def test_every_route_checks_login_and_role(web, method, path, body, allowed) -> None:
    r = call(web, method, path, body, {})
    if path.startswith("/api") or path == "/openapi.json":
        assert r.status_code == 401 and "未登录" in r.json()["error"]
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for role in ROLES:
        r = call(web, method, path, body, bearer(web, role))
        if role in allowed:
            assert r.status_code in (200, 303, 409), (role, r.status_code, r.text)
        else:
            assert r.status_code == 403, role
            assert "无权访问" in (r.json()["error"] if path.startswith("/api") else r.text)


def endpoints(app: FastAPI) -> list[tuple[str, str, object]]:
    """(method, path, route) of every endpoint, the included routers' ones too.

    Since FastAPI 0.16x, `app.routes` holds one opaque entry per `include_router` call;
    `iter_route_contexts` walks into them and gives each route with its prefixed path.
    """
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(walk(app.router.routes)) if walk else list(app.routes)
    found = []
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or {"*"}):
            if method != "HEAD":
                found.append((method, getattr(route, "path", "?"), route))
    return found


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def required_roles(route: object) -> set[str]:
    """The roles of the route's `require(...)`; empty when it has none."""
    if not isinstance(getattr(route, "original_route", route), APIRoute):
        return set()
    deps = route.dependant.dependencies  # type: ignore[attr-defined]
    return {r for d in deps for r in (getattr(d.call, "roles", None) or ())}


def test_no_route_is_left_without_a_role_check(web) -> None:
    routes = endpoints(web.client.app)
    paths = {p for _, p, _ in routes}
    # The walk must see into included routers, or this test would prove nothing.
    assert {"/api/events", "/events/{event_id}", "/api/intake", "/sources"} <= paths, paths
    checked = (
        {p for _, p, _, _ in ROUTES}
        | WORKFLOW_ROUTE_PATHS
        | SCORING_ROUTE_PATHS
        | INTAKE_ROUTE_PATHS
        | REPORTS_ROUTE_PATHS
        | CASE_ROUTE_PATHS
        | QUEUE_ROUTE_PATHS
        | SEARCH_ROUTE_PATHS
    )
    for method, path, route in routes:
        if is_public(path):
            continue
        assert required_roles(route), f"{method} {path} has no require(...)"
        named = path.replace("{event_id}", "{late}").replace("{mention_id}", "{mention}")
        assert {named, path} & checked, f"{method} {path}: add its allowed roles to a test"


def test_every_route_refuses_strangers_and_other_roles(web) -> None:
    """Walks the app itself, so a route added later is checked without editing this test."""
    for method, path, route in endpoints(web.client.app):
        if is_public(path):
            continue
        url = re.sub(r"\{[a-z_]+\}", str(web.late), path)
        r = web.client.request(method, url, follow_redirects=False)
        if path.startswith("/api/") or path == "/openapi.json":
            assert r.status_code == 401 and "未登录" in r.json()["error"], (method, path)
        else:
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login"), (method, path)
        for role in set(ROLES) - required_roles(route) - {"admin"}:
            r = web.client.request(method, url, headers=bearer(web, role))
            assert r.status_code == 403, (method, path, role, r.status_code)
            assert "无权访问" in r.text and "Traceback" not in r.text, (method, path, role)


def test_handler_sees_only_own_and_co_department_events(web) -> None:
    h = bearer(web, "handler")
    ids = {e["id"] for e in web.client.get("/api/events", headers=h).json()["items"]}
    assert ids == {web.late, web.co}
    r = web.client.get(f"/api/events/{web.other}", headers=h)
    assert r.status_code == 403 and "处室" in r.json()["error"]
    assert "城区内涝" not in web.client.get("/", headers=h).text
    titles = {m["title"] for m in web.client.get("/api/mentions", headers=h).json()["items"]}
    assert "内涝帖子" not in titles and "帖子1" in titles
    all_ids = {
        e["id"]
        for e in web.client.get("/api/events", headers=bearer(web, "leader")).json()["items"]
    }
    assert web.other in all_ids


def test_event_list_is_sorted_by_deadline_and_shaped_for_clients(web) -> None:
    items = web.client.get("/api/events", headers=bearer(web, "duty_officer")).json()["items"]
    assert [e["id"] for e in items] == [web.late, web.co, web.other]
    first = items[0]
    assert first["discovered_at"] == "2026-11-21T07:00:00+08:00"
    assert first["grade_label"] == "重大" and first["state_label"] == "收集"
    assert first["reasons"] == "负面倾向 0.91"
    assert first["department"]["name"] == "市文化和旅游局"
    assert first["next_deadline"]["remaining"] == "已超时 1小时0分"
    assert first["next_deadline"]["due_at"] == "2026-11-21T11:00:00+08:00"
    r = web.client.get("/api/events?grade=V", headers=bearer(web, "duty_officer"))
    assert r.status_code == 400 and "I、II、III、IV" in r.json()["error"]


def test_transition_via_api_and_refusal_names_allowed_states(web) -> None:
    h = bearer(web, "duty_officer")
    url = f"/api/events/{web.late}/transition"
    r = web.client.post(url, json={"to": "judged", "reason": "已核实"}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "judged"
    assert r.json()["transitions"][-1]["actor"] == "duty_officer"
    r = web.client.post(url, json={"to": "closed", "reason": "直接办结"}, headers=h)
    assert r.status_code == 409
    assert "处置/回应（responding）" in r.json()["error"] and "当前可转到" in r.json()["error"]
    r = web.client.post(url, json={"to": "responding"}, headers=h)
    assert r.status_code == 400 and "reason" in r.json()["error"]
    r = web.client.post(
        f"/api/events/{web.other}/transition",
        json={"to": "judged", "reason": "x"},
        headers=bearer(web, "handler"),
    )
    assert r.status_code == 403


def test_healthz_counts_and_reports_a_broken_database(web, tmp_path) -> None:
    assert web.client.get("/healthz").json() == {
        "status": "ok",
        "mentions": 3,
        "events": 3,
        "open_events": 3,
        "pending_alerts": 1,
        "analysis_backlog": 3,  # the fixture's mentions were never analysed
        "database": "ok",
    }
    empty = Database(f"sqlite:///{tmp_path}/not-migrated.db")
    r = TestClient(create_app(APP, empty, now=lambda: NOW)).get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "error" and "数据库" in body["message"]
    assert "sqlite" not in r.text and "Traceback" not in r.text


def test_scraped_content_is_escaped_and_unsafe_links_are_not_links(web) -> None:
    h = bearer(web, "duty_officer")
    for page in ("/", f"/events/{web.late}"):
        html = web.client.get(page, headers=h).text
        assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = web.client.get(f"/events/{web.late}", headers=h).text
    assert 'href="javascript:' not in html.lower()
    assert "javascript:alert(2)" in html  # shown as text, for the record
    assert 'href="https://bbs.example.cn/t/9"' in html
    headers = web.client.get("/", headers=h).headers
    # the console's own files only (the queue's refresh, /static/queue.js); never inline
    assert "script-src 'self';" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    # No Referer leaves for scraped sites, yet the console's own form posts keep their Origin
    # ("no-referrer" makes browsers send Origin: null, refused as cross-site).
    assert headers["referrer-policy"] == "same-origin"
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_board_threads_posts_and_official_reply_show_on_the_event_page(web) -> None:
    html = web.client.get(f"/events/{web.other}", headers=bearer(web, "duty_officer")).text
    assert "帖子全文 3 楼（含官方答复）" in html and "已回复" in html
    assert "<strong>官方答复</strong> 市应急管理局 · 2026-11-21 11:00" in html  # Beijing time
    assert "市民张先生 · 2026-11-21 09:30" in html
    assert "市民张先生 · 昨天傍晚" in html  # a time the board showed but we could not read
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    api = web.client.get(f"/api/events/{web.other}", headers=bearer(web, "duty_officer")).json()
    (mention,) = api["mentions"]
    assert [p["official"] for p in mention["posts"]] == [False, False, True]
    assert mention["posts"][2]["at"].startswith("2026-11-21T11:00:00+08:00")


def test_countdown_marks_overdue_and_urgent_deadlines(web) -> None:
    html = web.client.get("/", headers=bearer(web, "duty_officer")).text
    assert '<div class="late">已超时 1小时0分</div>' in html
    assert '<div class="soon">剩余 30分</div>' in html
    assert '<div class="left">剩余 10小时0分</div>' in html
    assert "I级 特别重大" in html and 'class="badge g-II"' in html


def test_login_link_sets_a_session_cookie_and_logout_ends_it(web) -> None:
    c = web.client
    r = c.get(f"/login?token={web.tokens['duty_officer']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert web.tokens["duty_officer"] not in r.headers["set-cookie"]
    page = c.get("/")
    assert page.status_code == 200 and "测试值班员" in page.text and "景区门票涨价" in page.text
    assert c.get("/api/events").status_code == 200  # the API accepts the cookie too
    token = csrf_token(c, "/account/password")
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")
    r = c.get(f"/login?token={web.tokens['admin']}&next=//evil.example", follow_redirects=False)
    assert r.headers["location"] == "/"  # never an open redirect
    bad = c.get("/login?token=wrong")
    assert bad.status_code == 401 and "令牌无效" in bad.text
    # followed from another site, the link is refused: that would be a login CSRF
    r = c.get(f"/login?token={web.tokens['admin']}", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "只能直接在地址栏打开" in r.text


def test_form_transition_redirects_back_or_shows_the_refusal(web) -> None:
    c = web.client
    r = c.get(f"/events/{web.late}", follow_redirects=False)
    assert r.headers["location"] == f"/login?next=%2Fevents%2F{web.late}"
    token = login(c, "office", next=f"/events/{web.late}")
    r = c.get(f"/events/{web.late}")
    assert "变更状态" in r.text
    r = c.post(
        f"/events/{web.late}/transition",
        data={"to": "judged", "reason": "核实", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/events/{web.late}"
    page = c.get(r.headers["location"]).text
    assert "已转为“研判”" in page and "核实" in page
    r = c.post(
        f"/events/{web.late}/transition", data={"to": "closed", "reason": "结", "csrf_token": token}
    )
    assert r.status_code == 409 and "不能从“研判”直接转到“办结”" in r.text
    r = c.post(
        f"/events/{web.late}/transition",
        data={"to": "responding", "reason": "x", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "跨站" in r.text


def test_rotating_a_token_ends_sessions_and_tokens_are_stored_hashed(web) -> None:
    c = web.client
    c.get(f"/login?token={web.tokens['leader']}")
    assert c.get("/", follow_redirects=False).status_code == 200
    with web.db.session() as s:
        new = rotate_token(s, "leader")
        assert user_for_token(s, web.tokens["leader"]) is None
        assert user_for_token(s, new).name == "leader"
        hashes = list(s.scalars(select(User.token_hash)))
    assert new not in hashes and all(len(h) == 64 for h in hashes)
    assert c.get("/", follow_redirects=False).status_code == 303
    with web.db.session() as s, pytest.raises(YuqingError, match="duty_officer（值班员）"):
        create_user(s, "x", "某人", "superuser", now=NOW)


def test_calendar_fallback_banner_shows_on_pages_for_signed_in_users(web) -> None:
    app = create_app(APP, web.db, now=lambda: datetime(2099, 3, 1, tzinfo=UTC))
    client = TestClient(app)
    html = client.get("/", headers=bearer(web, "duty_officer")).text
    assert 'class="banner"' in html and "2099" in html
    assert 'class="banner"' not in client.get("/login").text


def test_scope_ordering_and_locking_queries_on_every_database(database) -> None:
    """The JSON co-department match and FOR UPDATE differ by dialect: run them on each."""
    ns = seed(database)
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    h = {"Authorization": f"Bearer {ns.tokens['handler']}"}
    items = client.get("/api/events", headers=h).json()["items"]
    assert [e["id"] for e in items] == [ns.late, ns.co]
    r = client.post(
        f"/api/events/{ns.co}/transition", json={"to": "judged", "reason": "会商"}, headers=h
    )
    assert r.status_code == 200 and r.json()["state"] == "judged"


def test_source_health_page_lists_problems_first_in_beijing_time(web) -> None:
    page = web.client.get("/sources", headers=bearer(web, "duty_officer")).text
    order = [page.index(t) for t in ("云川新闻网", "微博搜索", "云川市政府留言板", "省日报网")]
    assert order == sorted(order), "异常, then 沉默, then 未运行, then 正常"
    assert BROKEN_REASON in page and "2 个异常或沉默" in page
    assert "2026-11-21 07:00" in page and "2026-11-21 11:50" in page  # 02:00/03:50 UTC
    assert "40%" in page and "4/10 次" in page
    items = web.client.get("/api/sources", headers=bearer(web, "office")).json()["items"]
    assert [(i["name"], i["status"]) for i in items][:3] == [
        ("yunchuan-news", "异常"),
        ("weibo-search", "沉默"),
        ("gov-board", "未运行"),
    ]
    assert items[0]["reason"] == BROKEN_REASON and items[0]["error_rate"] == 0.4
    assert items[0]["last_success_at"] == "2026-11-21T07:00:00+08:00"
    ok = items[-1]
    assert (ok["name"], ok["status"], ok["items_24h"]) == ("province-daily-rss", "正常", 3)


def test_the_sources_link_is_shown_to_those_who_may_open_it(web) -> None:
    for role in ROLES:
        html = web.client.get("/", headers=bearer(web, role)).text
        assert ('href="/sources"' in html) == (role in WATCHERS), role
    r = web.client.get("/sources", headers=bearer(web, "handler"))
    assert r.status_code == 403
    assert "无权访问：您的角色是责任处室，此操作仅限值班员、办公室、领导。" in r.text


def test_an_officer_corrects_a_mentions_sentiment_on_the_event_page(web) -> None:
    c, url = web.client, f"/events/{web.late}/mentions/{web.mention}/sentiment"
    token = login(c, "duty_officer")
    page = c.get(f"/events/{web.late}").text
    assert f'action="{url}"' in page and "人工标注" not in page
    r = c.post(url, data={"label": "non_negative", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/events/{web.late}#m{web.mention}"
    page = c.get(f"/events/{web.late}").text
    assert f"已将信息 {web.mention} 标注为“非负面”" in page
    assert "人工标注：<strong>非负面</strong>（测试值班员，2026-11-21 12:00）" in page
    assert 'value="non_negative" class="current" aria-pressed="true"' in page
    assert MENTION_XSS not in page and "&lt;script&gt;window.__xss" in page
    # a later correction replaces the shown label; both are kept for the record
    c.post(url, data={"label": "irrelevant", "csrf_token": token})
    assert "人工标注：<strong>无关</strong>" in c.get(f"/events/{web.late}").text
    with web.db.session() as s:
        kept = s.scalars(select(SentimentLabel.label).order_by(SentimentLabel.id)).all()
    assert kept == ["non_negative", "irrelevant"]


def test_sentiment_corrections_refuse_bad_input_and_foreign_forms(web) -> None:
    c, url = web.client, f"/events/{web.late}/mentions/{web.mention}/sentiment"
    token = login(c, "office")
    r = c.post(url, data={"label": "angry", "csrf_token": token})
    assert r.status_code == 400 and "请选择负面、非负面、无关之一" in r.text
    r = c.post(
        f"/events/{web.other}/mentions/{web.mention}/sentiment",
        data={"label": "negative", "csrf_token": token},
    )
    assert r.status_code == 404 and f"信息 {web.mention} 不在事件 {web.other} 中" in r.text
    r = c.post(
        url,
        data={"label": "negative", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "跨站" in r.text
    with web.db.session() as s:
        assert s.scalar(select(SentimentLabel.id)) is None
    # those who may not label see the mentions without the buttons
    page = c.get(f"/events/{web.late}", headers=bearer(web, "confidentiality")).text
    assert "帖子1" in page and "更正倾向" not in page


def test_source_health_and_labels_on_every_database(database) -> None:
    ns = seed(database)
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    h = {"Authorization": f"Bearer {ns.tokens['leader']}"}
    items = client.get("/api/sources", headers=h).json()["items"]
    assert [i["status"] for i in items] == ["异常", "沉默", "未运行", "未运行", "未运行", "正常"]
    assert items[-1]["items_24h"] == 3
    url = f"/events/{ns.late}/mentions/{ns.mention}/sentiment"
    assert client.post(url, data={"label": "negative"}, headers=h).status_code == 200
    assert (
        "人工标注：<strong>负面</strong>（测试领导"
        in client.get(f"/events/{ns.late}", headers=h).text
    )
