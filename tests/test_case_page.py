"""The event page as the case file: a whole case carried through the console's forms by the
right roles in turn, each form shown only to those the service would let act, refusals in
the service's Chinese with the typed text kept, and the evidence shown inert."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from monitor.accounts.users import ROLES
from monitor.storage.db import Database
from monitor.web import create_app
from tests.helpers.case import APP, PRIVATE, RAW, T0, seed_case
from tests.helpers.forms import actions, find, post_anyway, signed_in, submit

# (method, path, roles allowed) of the case page's routes; read by tests/test_web.py.
EVERYONE = set(ROLES)
ROUTES = [
    ("POST", "/events/{late}/opinions", {"handler", "office", "leader", "admin"}),
    ("POST", "/events/{late}/judgment", {"duty_officer", "office", "handler", "admin"}),
    ("POST", "/events/{late}/judgment/decision", {"leader", "admin"}),
    ("POST", "/events/{late}/drafts", {"handler", "office", "duty_officer", "admin"}),
    (
        "POST",
        "/events/{late}/drafts/{draft_id}/edit",
        {"handler", "office", "duty_officer", "admin"},
    ),
    ("POST", "/events/{late}/drafts/{draft_id}/review", EVERYONE),
    ("POST", "/events/{late}/drafts/{draft_id}/redactions", {"confidentiality", "admin"}),
    ("POST", "/events/{late}/drafts/{draft_id}/publish", EVERYONE),
    ("POST", "/events/{late}/actions", {"handler", "office", "leader", "admin"}),
    ("POST", "/events/{late}/drafts/{draft_id}/commitments", {"handler", "office", "admin"}),
    ("POST", "/events/{late}/commitments/{commitment_id}/fulfil", {"handler", "office", "admin"}),
    ("POST", "/events/{late}/reassign", {"duty_officer", "office", "leader", "admin"}),
    ("GET", "/events/{late}/mentions/{mention}/evidence", EVERYONE),
    ("GET", "/events/{late}/mentions/{mention}/evidence.txt", EVERYONE),
]
ROUTE_PATHS = {p for _, p, _ in ROUTES}


@pytest.fixture
def case(database: Database) -> SimpleNamespace:
    clock = SimpleNamespace(now=T0)
    seeded = seed_case(database)
    app = create_app(APP, database, now=lambda: clock.now)
    clients = {who: signed_in(app, database, uid, T0) for who, uid in seeded.users.items()}
    return SimpleNamespace(
        db=database, clock=clock, event=seeded.event, mention=seeded.mention, clients=clients
    )


def page(case: SimpleNamespace, who: str) -> str:
    r = case.clients[who].get(f"/events/{case.event}")
    assert r.status_code == 200, r.text
    return r.text


def post(case: SimpleNamespace, who: str, action: str, **data: object):
    return submit(case.clients[who], f"/events/{case.event}", action, data)


def ok(case: SimpleNamespace, who: str, action: str, flash: str, **data: object) -> str:
    r = post(case, who, action, **data)
    assert r.status_code == 200, r.text
    assert flash in r.text, re.findall(r'class="(?:flash|error)"[^>]*>[^<]*', r.text)
    return r.text


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_case_carried_through_the_console_by_each_role_in_turn(case) -> None:
    ev = f"/events/{case.event}"
    move = f"{ev}/transition"
    ok(case, "duty_officer", move, "已转为“会商”", to="consulting", reason="需会商")

    ok(case, "handler", f"{ev}/opinions", "会商意见已记录", department="emergency", text="已排水")
    html = page(case, "office")
    assert "已排水" in html and f"{ev}/judgment" not in actions(html)  # still 会商
    ok(case, "office", move, "已转为“研判”", to="judged", reason="会商完毕")

    # The judgment: the leader may not write it, the duty officer may not approve it.
    assert f"{ev}/judgment" not in actions(page(case, "leader"))
    r = post(
        case,
        "duty_officer",
        f"{ev}/judgment",
        nature="突发事件，公众关注隧道安全",
        disposal_class="unaware",
        proposal="5 小时内发布权威信息",
        grade="I",
    )
    assert r.status_code == 400
    assert "调整风险等级（II → I）须写明理由。" in r.text
    assert "突发事件，公众关注隧道安全" in r.text and "5 小时内发布权威信息" in r.text
    ok(
        case,
        "duty_officer",
        f"{ev}/judgment",
        "已提交，待领导审批",
        nature="突发事件，公众关注隧道安全",
        disposal_class="unaware",
        proposal="5 小时内发布权威信息",
        grade="II",
    )
    html = page(case, "duty_officer")
    assert f"{ev}/judgment/decision" not in actions(html) and "批准</button>" not in html
    assert "待领导审批" in html
    leader = page(case, "leader")
    assert "待您办理" in leader and "审批研判意见" in leader
    ok(case, "leader", f"{ev}/judgment/decision", "已批准", decision="approve")
    ok(case, "duty_officer", move, "已转为“处置/回应”", to="responding", reason="开始处置")

    # Draft → three levels, with a redaction shown as a marked diff.
    body = f"隧道积水已排除，交通恢复。{PRIVATE}<script>alert('draft')</script>"
    ok(case, "handler", f"{ev}/drafts", "已起草", kind="release", text=body)
    draft = 1
    d = f"{ev}/drafts/{draft}"
    assert f"{d}/review" not in actions(page(case, "confidentiality"))  # level 1 first
    ok(
        case,
        "handler",
        f"{d}/review",
        "拟稿人自审：已通过",
        level="drafter",
        decision="approve",
        note="主动公开",
    )
    censor = page(case, "confidentiality")
    assert {f"{d}/review", f"{d}/redactions"} <= actions(censor)
    assert f"{ev}/drafts" not in actions(censor) and f"{d}/publish" not in actions(censor)
    r = post(case, "confidentiality", f"{d}/redactions", remove="张三的身份证号", reason="个人隐私")
    assert r.status_code == 400 and "要删除的内容在稿件中找不到。" in r.text
    assert "张三的身份证号" in r.text and 'value="个人隐私"' in r.text
    html = ok(
        case, "confidentiality", f"{d}/redactions", "删改已留痕", remove=PRIVATE, reason="个人隐私"
    )
    assert f"<del>{PRIVATE}</del><ins>■■</ins>" in html
    assert "&lt;script&gt;alert(&#39;draft&#39;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html
    assert f"{d}/review" not in actions(html)  # the review restarted at level 1
    ok(
        case,
        "handler",
        f"{d}/review",
        "下一步：保密员审查",
        level="drafter",
        decision="approve",
        note="主动公开",
    )
    ok(
        case,
        "confidentiality",
        f"{d}/review",
        "下一步：领导审批",
        level="confidentiality",
        decision="approve",
    )
    leader = page(case, "leader")
    assert 'name="publisher"' in leader and "测试办公室（办公室，office）" in leader
    r = post(case, "leader", f"{d}/review", level="leader", decision="approve", note="同意")
    assert r.status_code == 400 and "领导审批须指定发布人（publisher）。" in r.text
    assert ">同意</textarea>" in r.text
    ok(
        case,
        "leader",
        f"{d}/review",
        "三级审查完成，由 office 发布",
        level="leader",
        decision="approve",
        publisher="office",
    )

    # Only the named publisher is offered the button; anyone else is refused by the service.
    assert f"{d}/publish" not in actions(page(case, "handler"))
    r = post_anyway(case.clients["handler"], ev, f"{d}/publish", {"fulfils": "1"})
    assert r.status_code == 409 and "领导指定的发布人是 office，应由其发布。" in r.text
    office = page(case, "office")
    publish_form = find(office, f"{d}/publish")
    assert publish_form
    assert "将满足时限：发布权威信息" in text_of(office) and "发布权威信息澄清事实" in office
    case.clock.now = T0 + timedelta(hours=4)
    html = ok(case, "office", f"{d}/publish", "已发布。满足时限：发布权威信息", fulfils="1")
    clocks = text_of(
        html[html.index('id="due"') : html.index("</section>", html.index('id="due"'))]
    )
    assert re.search(r"发布权威信息.*已完成（按时）", clocks, re.S)
    assert "2026-11-20 14:00：发布权威信息（office，记录" in clocks

    # The press conference, then the commitment made in the release and its fulfilment.
    ok(
        case,
        "handler",
        f"{ev}/actions",
        "已记录：召开新闻发布会。满足时限：召开新闻发布会",
        kind="presser",
        note="11月20日16时 市政府新闻发布厅",
    )
    ok(
        case,
        "office",
        f"{d}/commitments",
        "已登记入承诺台账",
        text="一周内公布排查结果",
        due_at="2026-11-27T18:00",
    )
    assert "待兑现" in page(case, "office")
    r = post(case, "duty_officer", move, to="evaluating", reason="回应已发布")
    assert r.status_code == 200
    r = post(case, "duty_officer", move, to="closed", reason="办结")
    assert r.status_code == 409 and "还有未完成的事项，不能办结：承诺“一周内公布排查结果”" in r.text
    ok(case, "duty_officer", move, "已转为“处置/回应”", to="responding", reason="继续兑现承诺")
    ok(
        case,
        "handler",
        f"{ev}/drafts",
        "已起草",
        kind="release",
        text="排查结果：隧道排水泵已更换。",
    )
    d2 = f"{ev}/drafts/2"
    ok(
        case,
        "handler",
        f"{d2}/review",
        "已通过",
        level="drafter",
        decision="approve",
        note="主动公开",
    )
    ok(
        case,
        "confidentiality",
        f"{d2}/review",
        "已通过",
        level="confidentiality",
        decision="approve",
    )
    ok(
        case,
        "leader",
        f"{d2}/review",
        "由 office 发布",
        level="leader",
        decision="approve",
        publisher="office",
    )
    case.clock.now = T0 + timedelta(days=3)
    ok(case, "office", f"{d2}/publish", "已发布")
    ok(case, "office", f"{ev}/commitments/1/fulfil", "承诺 #1 已销号", draft_id="2")
    ok(case, "duty_officer", move, "已转为“评估”", to="evaluating", reason="承诺已兑现")
    html = ok(case, "duty_officer", move, "已转为“办结”", to="closed", reason="办结")

    # The closed file: everything on record, nothing left to act on.
    plain = text_of(html)
    assert "办结" in plain and "已兑现" in plain
    assert f"<del>{PRIVATE}</del><ins>■■</ins>" in html  # the redaction stays viewable
    assert "拟稿人自审" in plain and "保密员审查" in plain and "领导审批" in plain
    audit = plain[plain.index("操作留痕") :]
    for entry in (
        "会商意见",
        "研判意见",
        "批准研判意见",
        "保密删除",
        "审查",
        "处置行动",
        "登记承诺",
        "承诺销号",
        "变更状态",
    ):
        assert entry in audit, entry
    for who in ("duty_officer", "handler", "office", "leader", "confidentiality"):
        # Sentiment corrections stay open (they train the model, not the case), and so does
        # entering a commitment found later in a published response (the service allows it).
        left = {
            a for a in actions(page(case, who)) if not a.endswith(("/sentiment", "/commitments"))
        }
        left -= {"/logout", f"{ev}/report"}
        assert left == set(), (who, left)


def test_each_form_is_offered_only_to_roles_the_service_accepts(case) -> None:
    ev = f"/events/{case.event}"
    r = case.clients["stranger"].get(ev)
    assert r.status_code == 403 and "不由您所在的处室负责或会商" in r.text
    assert "<form" not in r.text.split("<main>")[1]
    ok(case, "duty_officer", f"{ev}/transition", "已转为“研判”", to="judged", reason="研判")
    offered = {
        who: actions(page(case, who))
        for who in ("duty_officer", "handler", "office", "leader", "confidentiality", "admin")
    }
    for who in ("duty_officer", "handler", "office", "admin"):
        assert f"{ev}/judgment" in offered[who], who
    for who in ("leader", "confidentiality"):
        assert f"{ev}/judgment" not in offered[who], who
    for who in ("handler", "office", "leader", "admin"):
        assert f"{ev}/opinions" in offered[who], who
    assert f"{ev}/opinions" not in offered["duty_officer"]
    assert f"{ev}/drafts" in offered["duty_officer"] and f"{ev}/drafts" not in offered["leader"]
    assert not any("/judgment/decision" in a for o in offered.values() for a in o)  # none yet
    assert offered["confidentiality"] <= {"/logout"}
    handler = page(case, "handler")
    assert '<option value="emergency">' in handler  # a handler writes for its own department


def test_a_returned_judgment_is_rewritten_and_the_refusal_keeps_the_note(case) -> None:
    ev = f"/events/{case.event}"
    ok(case, "duty_officer", f"{ev}/transition", "已转为“研判”", to="judged", reason="研判")
    ok(
        case,
        "handler",
        f"{ev}/judgment",
        "待领导审批",
        nature="误读",
        disposal_class="wrong_view",
        proposal="发布引导信息",
    )
    r = post(case, "leader", f"{ev}/judgment/decision", decision="return")
    assert r.status_code == 400 and "退回研判意见须写明理由。" in r.text
    html = ok(
        case, "leader", f"{ev}/judgment/decision", "已退回", decision="return", note="性质判断不准"
    )
    assert "已退回" in html and "性质判断不准" in html
    assert f"{ev}/judgment/decision" not in actions(html)


def test_the_case_file_draws_the_spread_and_keeps_scraped_text_inert(case) -> None:
    html = page(case, "leader")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert 'data-stage="首发"' in html and 'data-stage="媒体跟进"' in html
    assert 'class="bar" data-series="信息量（条）"' in html
    assert "负面 2 条（66.7%）" in html
    assert "网友观点0：隧道积水严重" in html  # a representative view
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "网友0&lt;script&gt;" in html  # the first publisher, in the SVG and its caption
    assert "&lt;script&gt;window.__xss" in html
    assert "发布权威信息" in html.split('id="due"')[1].split("</section>")[0]
    assert f'href="/events/{case.event}/mentions/{case.mention}/evidence">存证</a>' in html
    sha = re.search(r'<code class="hash">([0-9a-f]{64})</code>', html)
    assert sha, "the evidence's SHA-256 is listed"


def test_evidence_is_shown_as_text_after_the_post_is_gone(case) -> None:
    base = f"/events/{case.event}/mentions/{case.mention}"
    r = case.clients["duty_officer"].get(f"{base}/evidence")
    assert r.status_code == 200
    assert "&lt;script&gt;window.__xss" in r.text and "<script>" not in r.text
    assert "&lt;iframe src=//evil.example&gt;" in r.text and "<iframe" not in r.text
    assert "校验一致" in r.text and "2026-11-20 10:00:00" in r.text
    raw = case.clients["duty_officer"].get(f"{base}/evidence.txt")
    assert raw.status_code == 200 and raw.content == RAW.encode()
    assert raw.headers["content-type"].startswith("text/plain")
    assert "sandbox" in raw.headers["content-security-policy"]
    assert raw.headers["x-content-type-options"] == "nosniff"
    missing = case.clients["duty_officer"].get(
        f"/events/{case.event}/mentions/{case.mention + 1}/evidence"
    )
    assert missing.status_code == 404 and "没有存证" in missing.text
    assert case.clients["stranger"].get(f"{base}/evidence").status_code == 403
    assert case.clients["stranger"].get(f"{base}/evidence.txt").status_code == 403


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_every_case_route_checks_login_and_role(case, method, path, allowed) -> None:
    url = path.format(late=case.event, mention=case.mention, draft_id=999, commitment_id=999)
    stranger = TestClient(case.clients["admin"].app)
    r = stranger.request(method, url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for role in ROLES:
        client = case.clients[role]
        if method == "POST":  # with the session's CSRF token, so the role check is what answers
            r = post_anyway(client, f"/events/{case.event}", url, {})
        else:
            r = client.get(url)
        if role in allowed:
            assert "无权访问" not in r.text, (role, r.status_code)
            assert r.status_code in (200, 303, 400, 404, 409), (role, r.status_code)
        else:
            assert r.status_code == 403 and "无权访问" in r.text, (role, r.status_code)
