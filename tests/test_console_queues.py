"""The role queues on `/`, their header counts and filters, the intake form (来信来电), the
commitments ledger (承诺台账) and the reporter's audited page, as each role sees them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import ROLES
from monitor.cases.deadlines import DeadlineBook
from monitor.pipeline.analyse import analyse_pending
from monitor.reports.daily import build_daily
from monitor.reports.formats import render
from monitor.reports.special import build_special
from monitor.scoring.scorer import Scorer
from monitor.storage.collection import Reporter
from monitor.storage.models import AuditLog, Department, Event, Mention
from monitor.storage.workflow import Commitment
from monitor.web import create_app
from tests.helpers.console import APP, NOW, XSS, bearer, seed
from tests.helpers.queues import DRAFT_XSS, post_form, seed_workflow

EVERYONE = set(ROLES)
CLERKS = {"duty_officer", "office", "admin"}
KEEPERS = {"confidentiality", "leader", "admin"}
LEDGER = {"handler", "office", "admin"}
# (method, path, roles allowed) of this module's console routes; tests/test_web.py reads
# ROUTE_PATHS for its "no route is left without a role check".
ROUTES = [
    ("GET", "/intake/new", CLERKS),
    ("POST", "/intake", CLERKS),
    ("GET", "/intake/{mention_id}/reporter", KEEPERS),
    ("GET", "/commitments", EVERYONE),
    ("POST", "/commitments/{commitment_id}/fulfil", LEDGER),
]
ROUTE_PATHS = {p for _, p, _ in ROUTES}
NAME, PHONE = "王秀英", "13912345678"
CALL = {
    "channel": "phone",
    "received_at": "2026-11-21T09:30",
    "title": "反映青峰山景区观光车乱收费",
    "text": "来电反映青峰山景区观光车单程收费八十元，比公示价格高出一倍。" + XSS,
    "department": "market-regulation",
    "reporter_name": NAME,
    "reporter_phone": PHONE,
    "reporter_employer": "",
    "reporter_address": "",
    "confidentiality_requested": "1",
}


@pytest.fixture
def wf(web):
    web.wf = seed_workflow(web.db, web)
    return web


def rows(html: str, attr: str) -> list[int]:
    """The ids of the queue's rows (data-event / data-draft / …), in page order."""
    return [int(x) for x in re.findall(rf'data-{attr}="(\d+)"', html)]


def counts(html: str) -> str:
    """The header's counts as text: '待审批研判 1 待审批稿件 1 …'."""
    block = re.search(r'<span id="header-counts"[^>]*>(.*?)</span>', html, re.S)
    assert block, "no header counts"
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(1)).split())


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_every_console_route_here_checks_login_and_role(wf, method, path, allowed) -> None:
    url = path.format(mention_id=wf.mention, commitment_id=wf.wf.overdue)
    r = wf.client.request(method, url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for role in ROLES:
        r = wf.client.request(method, url, headers=bearer(wf, role), follow_redirects=False)
        if role in allowed:
            # 400: an empty form; 404: the seeded mention has no reporter
            assert r.status_code in (200, 303, 400, 404), (role, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code)
            assert "无权访问" in r.text


def test_duty_officer_queue_is_every_open_event_nearest_deadline_first(wf) -> None:
    html = wf.client.get("/", headers=bearer(wf, "duty_officer")).text
    assert rows(html, "event") == [wf.late, wf.co, wf.other]
    assert counts(html) == "未办结事件 3"
    assert "最后更新 <time" in html and ">12:00</time>（北京时间）" in html
    assert 'data-refresh-seconds="30"' in html
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with wf.db.session() as s:
        s.get(Event, wf.other).state = "closed"
    html = wf.client.get("/", headers=bearer(wf, "duty_officer")).text
    assert rows(html, "event") == [wf.late, wf.co] and counts(html) == "未办结事件 2"


def test_handler_queue_is_its_own_department_only(wf) -> None:
    html = wf.client.get("/", headers=bearer(wf, "handler")).text
    assert rows(html, "event") == [wf.late, wf.co]  # lead, and co-department of 景区门票涨价
    assert "城区内涝" not in html and counts(html) == "本处室未办结 2"
    assert "本处室事件（市文化和旅游局）" in html
    # asking for another department's events by filter shows nothing of theirs
    html = wf.client.get("/?department=emergency", headers=bearer(wf, "handler")).text
    assert rows(html, "event") == [] and "城区内涝" not in html
    r = wf.client.get("/?queue=review", headers=bearer(wf, "handler"))
    assert r.status_code == 403 and "无权访问：您的角色是责任处室" in r.text


def test_confidentiality_queue_has_exactly_the_drafts_at_level_two(wf) -> None:
    html = wf.client.get("/", headers=bearer(wf, "confidentiality")).text
    assert rows(html, "draft") == [wf.wf.at_review]  # not fresh, edited, at_leader, published
    assert counts(html) == "待保密审查 1"
    assert "已通过：拟稿人自审" in html and f'href="/events/{wf.late}#draft-{wf.wf.at_review}"'
    assert DRAFT_XSS not in html
    # the events queue is one tab away, and filters apply to the drafts too
    assert rows(
        wf.client.get("/?queue=events", headers=bearer(wf, "confidentiality")).text, "event"
    )
    html = wf.client.get("/?queue=review&grade=III", headers=bearer(wf, "confidentiality")).text
    assert rows(html, "draft") == [] and "没有等待保密审查的稿件。" in html
    assert counts(html) == "待保密审查 1"  # the header counts the whole queue


def test_leader_queue_has_judgments_drafts_at_its_level_and_escalations(wf) -> None:
    html = wf.client.get("/", headers=bearer(wf, "leader")).text
    assert rows(html, "judgment") == [wf.wf.judgment]
    assert rows(html, "draft") == [wf.wf.at_leader]
    assert rows(html, "escalation") == [1]
    assert "新发现特别重大事件" in html and "第 1/2 级（责任处室）" in html
    assert counts(html) == "待审批研判 1 待审批稿件 1 升级中 1"
    r = wf.client.get("/?queue=review", headers=bearer(wf, "leader"))
    assert r.status_code == 403


def test_filters_are_kept_in_the_url_and_shown_selected(wf) -> None:
    h = bearer(wf, "duty_officer")
    html = wf.client.get("/?grade=I", headers=h).text
    assert rows(html, "event") == [wf.co] and '<option value="I" selected>' in html
    assert rows(wf.client.get("/?department=emergency", headers=h).text, "event") == [wf.other]
    html = wf.client.get("/?q=%E5%86%85%E6%B6%9D", headers=h).text  # 内涝
    assert rows(html, "event") == [wf.other] and 'name="q" value="内涝"' in html
    assert 'href="/?q=%E5%86%85%E6%B6%9D"' in html  # 立即刷新 keeps the filters
    assert rows(wf.client.get("/?kind=manual", headers=h).text, "event") == []
    assert rows(wf.client.get("/?state=all&kind=feed", headers=h).text, "event")
    html = wf.client.get('/?q="><script>x</script>', headers=h).text
    assert "<script>x</script>" not in html
    r = wf.client.get("/?grade=V", headers=h)
    assert r.status_code == 400 and "I、II、III、IV" in r.text
    r = wf.client.get("/?queue=nope", headers=h)
    assert r.status_code == 400 and "events" in r.text


def test_the_queue_page_runs_only_its_own_script(wf) -> None:
    r = wf.client.get("/", headers=bearer(wf, "duty_officer"))
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/queue.js" defer>']
    js = wf.client.get("/static/queue.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "data-refresh-seconds" in js.text and "fetch(" in js.text


def test_header_counts_show_on_other_pages_too(wf) -> None:
    html = wf.client.get("/commitments", headers=bearer(wf, "leader")).text
    assert counts(html) == "待审批研判 1 待审批稿件 1 升级中 1"


def test_queues_and_ledger_on_every_database(database) -> None:
    ns = seed(database)
    ns.db = database
    ns.wf = seed_workflow(database, ns)
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    h = {"Authorization": f"Bearer {ns.tokens['handler']}"}
    html = client.get("/", headers=h).text
    assert rows(html, "event") == [ns.late, ns.co] and counts(html) == "本处室未办结 2"
    html = client.get("/?q=%25", headers=h).text  # a literal %, not a wildcard
    assert rows(html, "event") == []
    html = client.get("/", headers={"Authorization": f"Bearer {ns.tokens['confidentiality']}"})
    assert rows(html.text, "draft") == [ns.wf.at_review]
    html = client.get("/", headers={"Authorization": f"Bearer {ns.tokens['leader']}"}).text
    assert counts(html) == "待审批研判 1 待审批稿件 1 升级中 1"
    ledger = client.get("/commitments", headers=h).text
    assert rows(ledger, "commitment") == [ns.wf.overdue, ns.wf.soon, ns.wf.kept]


# --- the commitments ledger -------------------------------------------------------------


def test_ledger_lists_overdue_first_then_nearest_due_in_beijing_time(wf) -> None:
    html = wf.client.get("/commitments", headers=bearer(wf, "office")).text
    assert rows(html, "commitment") == [wf.wf.overdue, wf.wf.soon, wf.wf.later, wf.wf.kept]
    assert "2026-11-21 10:00" in html and "已逾期" in html  # due 02:00 UTC
    assert "已超时 2小时0分" in html and "共 4 项，其中未兑现 3 项、已逾期 1 项" in html
    assert "三日内公布调查结果&lt;b&gt;加粗&lt;/b&gt;" in html and "<b>加粗" not in html
    assert "已兑现" in html and f"以稿件 #{wf.wf.result} 兑现" in html
    html = wf.client.get("/commitments?status=open", headers=bearer(wf, "office")).text
    assert rows(html, "commitment") == [wf.wf.overdue, wf.wf.soon, wf.wf.later]
    # the handler sees its department's (lead or co-department) only
    html = wf.client.get("/commitments", headers=bearer(wf, "handler")).text
    assert rows(html, "commitment") == [wf.wf.overdue, wf.wf.soon, wf.wf.kept]
    assert "一周内公布排水方案" not in html
    # who may not fulfil sees no fulfil form
    html = wf.client.get("/commitments", headers=bearer(wf, "leader")).text
    assert "/fulfil" not in html and rows(html, "commitment")


def test_fulfilling_a_commitment_from_the_ledger(wf) -> None:
    c, action = wf.client, f"/commitments/{wf.wf.overdue}/fulfil"
    c.get(f"/login?token={wf.tokens['handler']}")
    page = c.get("/commitments").text
    assert f'action="{action}"' in page and f'<option value="{wf.wf.result}">' in page
    r = post_form(c, "/commitments", action, {"draft_id": str(wf.wf.made)})
    assert r.status_code == 400
    assert "兑现稿件须是同一事件在作出承诺之后另行发布的稿件。" in r.text  # as the API says
    r = post_form(c, "/commitments", action, {"draft_id": "x"})
    assert r.status_code == 400 and "请选择兑现情况的已发布稿件。" in r.text
    r = post_form(c, "/commitments", action, {"draft_id": str(wf.wf.result)})
    assert r.status_code == 303 and r.headers["location"] == "/commitments"
    page = c.get("/commitments").text
    assert "承诺“三日内公布调查结果&lt;b&gt;加粗&lt;/b&gt;”已销号" in page
    assert "逾期兑现" in page  # fulfilled after its due time: kept for the assessment
    with wf.db.session() as s:
        done = s.get(Commitment, wf.wf.overdue)
        assert done.fulfilment_draft_id == wf.wf.result and done.breached_at == NOW
        assert s.scalar(select(AuditLog).where(AuditLog.action == "commitment_fulfilled"))


def test_fulfil_refusals_are_the_apis_sentences(wf) -> None:
    action = f"/commitments/{wf.wf.kept}/fulfil"
    body = {"draft_id": str(wf.wf.result)}
    r = wf.client.post(action, data=body, headers=bearer(wf, "leader"))
    api = wf.client.post(
        f"/api{action}", json={"draft_id": wf.wf.result}, headers=bearer(wf, "leader")
    )
    assert r.status_code == 403 == api.status_code
    assert api.json()["error"] in r.text and "此操作仅限责任处室、办公室" in r.text
    r = wf.client.post(action, data=body, headers=bearer(wf, "office"))
    api = wf.client.post(
        f"/api{action}", json={"draft_id": wf.wf.result}, headers=bearer(wf, "office")
    )
    assert r.status_code == 409 == api.status_code
    assert f"承诺 {wf.wf.kept} 已于此前销号。" in r.text and api.json()["error"] in r.text
    # a handler may not fulfil another department's commitment
    r = wf.client.post(
        f"/commitments/{wf.wf.later}/fulfil", data=body, headers=bearer(wf, "handler")
    )
    assert r.status_code == 403 and "处室" in r.text
    r = wf.client.post(
        f"/commitments/{wf.wf.soon}/fulfil",
        data=body,
        headers={**bearer(wf, "office"), "Origin": "https://evil.example"},
    )
    assert r.status_code in (200, 400, 409)  # bearer: no cookie, so no cross-site concern
    r = wf.client.post("/commitments/999/fulfil", data=body, headers=bearer(wf, "office"))
    assert r.status_code == 404 and "承诺 999 不存在。" in r.text


# --- manual intake (来信来电) and the reporter's identity --------------------------------


def _login(web, role: str) -> TestClient:
    c = TestClient(web.client.app)
    c.get(f"/login?token={web.tokens[role]}")
    return c


def test_intake_form_shows_errors_in_chinese_and_keeps_what_was_typed(web) -> None:
    c = _login(web, "duty_officer")
    page = c.get("/intake/new").text
    assert 'action="/intake"' in page and 'value="2026-11-21T12:00"' in page  # Beijing now
    bad = {**CALL, "channel": "fax", "received_at": "2026-11-21T13:30", "text": " "}
    bad["reporter_name"] = "王" * 201
    r = post_form(c, "/intake/new", "/intake", bad)
    assert r.status_code == 400
    assert 'id="err-channel">请选择渠道（来电、来信、信箱或来访）。' in r.text
    assert 'id="err-received_at">收到时间不能晚于现在。' in r.text
    assert 'id="err-text">请填写来信来电的内容。' in r.text
    assert 'id="err-reporter_name">姓名不能超过 200 字。' in r.text
    assert 'value="2026-11-21T13:30"' in r.text and 'value="反映青峰山景区观光车乱收费"' in r.text
    assert f'value="{PHONE}"' in r.text and "checked" in r.text  # nothing typed is lost
    r = post_form(c, "/intake/new", "/intake", {**CALL, "received_at": "21/11/2026"})
    assert 'id="err-received_at">收到时间格式应为 YYYY-MM-DD HH:MM' in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in r.text and XSS not in r.text
    r = post_form(c, "/intake/new", "/intake", {**CALL, "department": "nowhere"})
    assert 'id="err-department">请从列表中选择责任处室' in r.text
    with web.db.session() as s:
        assert s.scalar(select(Mention).where(Mention.kind == "manual")) is None


def test_intake_form_records_routes_and_protects_the_reporter(web) -> None:
    c = _login(web, "office")
    r = post_form(c, "/intake/new", "/intake", CALL)
    assert r.status_code == 303 and r.headers["location"] == "/intake/new"
    page = c.get("/intake/new").text
    (mention_id,) = map(int, re.findall(r"已登记：信息 #(\d+)（来电）", page))
    assert "举报人信息已单独保密保存，仅保密员和领导可查看" in page and NAME not in page
    analyse_pending(web.db, APP, Scorer(APP.settings), DeadlineBook(APP.settings), NOW)
    with web.db.session() as s:
        m = s.get(Mention, mention_id)
        assert m.published_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)  # 09:30 Beijing
        assert m.extra["department"] == "market-regulation"
        assert m.extra["confidentiality_requested"] is True
        event = s.get(Event, m.event_id)
        dept = s.get(Department, event.department_id)
        assert dept.code == "market-regulation"
        assert (
            "人工登记时指定由市市场监督管理局主办" in event.routing_reasons[-1]
            or dept.name in (event.routing_reasons[-1])
        )
        reporter = s.scalar(select(Reporter).where(Reporter.mention_id == mention_id))
        assert (reporter.name, reporter.phone, reporter.entered_by) == (NAME, PHONE, "office")
        assert NAME not in f"{m.title}{m.text}{m.author}{m.extra}"
        event_id = m.event_id
    # the identity appears nowhere but its own page
    for role in ("leader", "duty_officer", "confidentiality"):
        h = bearer(web, role)
        for url in (
            f"/events/{event_id}",
            "/",
            "/?queue=events",
            "/api/mentions",
            f"/api/events/{event_id}",
            "/search?q=%E8%A7%82%E5%85%89%E8%BD%A6",  # 观光车 (search, when it is there)
            "/api/search?q=%E8%A7%82%E5%85%89%E8%BD%A6",
            "/commitments",
        ):
            r = web.client.get(url, headers=h)
            assert r.status_code in (200, 404), (url, r.status_code)
            assert NAME not in r.text and PHONE not in r.text, (role, url)
    with web.db.session() as s:
        for doc in (build_special(s, APP, event_id, NOW), build_daily(s, APP, NOW.date(), NOW)):
            for body in render(doc, ["md", "html"]).files.values():
                text = body.decode() if isinstance(body, bytes) else str(body)
                assert NAME not in text and PHONE not in text


def test_the_reporter_page_is_for_keepers_only_and_every_view_is_audited(web) -> None:
    c = _login(web, "duty_officer")
    post_form(c, "/intake/new", "/intake", CALL)
    with web.db.session() as s:
        mention_id = s.scalar(select(Mention.id).where(Mention.kind == "manual"))
    url = f"/intake/{mention_id}/reporter"
    for role in ROLES:
        r = web.client.get(url, headers=bearer(web, role))
        if role in KEEPERS:
            assert r.status_code == 200, role
            assert NAME in r.text and PHONE in r.text and "保密提示" in r.text
            assert "不得透露给被举报、被投诉的单位和人员" in r.text
            assert "本次查看已记入审计记录" in r.text and "明确要求对其身份保密" in r.text
            assert r.headers["cache-control"] == "no-store"
        else:
            assert r.status_code == 403 and NAME not in r.text, role
            assert "无权访问" in r.text
    r = web.client.get(url, headers=bearer(web, "leader"))  # a second view, a second row
    with web.db.session() as s:
        reads = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "read_reporter", AuditLog.object_id == str(mention_id)
            )
        ).all()
    assert sorted(a.actor for a in reads) == ["admin", "confidentiality", "leader", "leader"]
    assert all(a.at == NOW and a.detail == {"found": True} for a in reads)
    r = web.client.get(f"/intake/{web.mention}/reporter", headers=bearer(web, "leader"))
    assert r.status_code == 404 and "不是人工登记的来信来电" in r.text


def test_intake_and_reporter_on_every_database(database) -> None:
    ns = seed(database)
    ns.db = database
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    ns.client = client
    r = post_form(client, "/intake/new", "/intake", CALL, headers=bearer(ns, "office"))
    assert r.status_code == 303
    with database.session() as s:
        mention_id = s.scalar(select(Mention.id).where(Mention.kind == "manual"))
    r = client.get(f"/intake/{mention_id}/reporter", headers=bearer(ns, "confidentiality"))
    assert r.status_code == 200 and NAME in r.text
    with database.session() as s:
        assert s.scalar(select(AuditLog.actor).where(AuditLog.action == "read_reporter")) == (
            "confidentiality"
        )
