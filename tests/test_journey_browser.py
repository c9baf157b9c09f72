"""One event carried from the queue to a reviewed, published, on-time response in a real
browser, by the four roles in turn, each logged in with a password through the login form:
the duty officer takes it to 会商, the handler writes the 会商 opinion, the duty officer
the judgment, the leader approves it from the leader's queue; the handler drafts, the
confidentiality officer redacts, the leader returns the draft, the handler revises it, the
three levels pass it and the office publishes it within the 5-hour clock. No script that
came in with a scraped mention or a draft runs. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from monitor.accounts.passwords import set_password
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import User
from monitor.web import create_app
from tests.helpers.browser import LiveConsole, chromium_or_skip
from tests.helpers.case import APP, PRIVATE, T0, seed_case

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("YUQING_ARTIFACTS") or REPO / "var" / "test-artifacts")
PASSWORDS = {
    "duty_officer": "值班员的密码-2026",
    "handler": "责任处室密码-2026",
    "confidentiality": "保密员的密码-2026",
    "leader": "领导的密码-2026ab",
    "office": "办公室的密码-2026",
}
TITLE = re.compile("暴雨致隧道积水")
SCRIPT = "<script>window.__xss='journey'</script>"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('journey')}/console.db")
    upgrade(db)
    ns = seed_case(db)  # a grade II event in 收集, its clocks started at T0
    with db.session() as s:
        for user in s.scalars(select(User).where(User.role.in_(PASSWORDS))):
            if user.name in PASSWORDS:
                set_password(s, user, PASSWORDS[user.name], T0)
    clock = SimpleNamespace(now=T0 + timedelta(hours=1))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        LiveConsole(create_app(APP, db, now=lambda: clock.now)) as live,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        ns.url, ns.browser, ns.db = live.url, browser, db
        yield ns
        browser.close()
    db.dispose()


def log_in(console: SimpleNamespace, role: str) -> Any:
    """A fresh browser for `role`, logged in through the form; returns the page (the queue)."""
    context = console.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(f"{console.url}/")
    assert "/login" in page.url  # not logged in: to the login page, and back after
    page.locator("#name").fill(role)
    page.locator("#password").fill(PASSWORDS[role])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{console.url}/")
    return page


def open_event(page: Any) -> None:
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(re.compile(r"/events/\d+"))


def move(page: Any, to: str, reason: str) -> None:
    from playwright.sync_api import expect

    form = page.locator("form[action$='/transition']")
    form.locator("select[name=to]").select_option(label=to)
    form.locator("input[name=reason]").fill(reason)
    form.get_by_role("button", name="提交").click()
    expect(page.locator("table.facts tr", has_text="状态").first).to_contain_text(to)


def review(page: Any, level: str, decision: str, note: str = "", publisher: str = "") -> None:
    form = page.get_by_role("form", name=level)
    if note:
        form.locator("textarea[name=note]").fill(note)
    if publisher:
        form.locator("select[name=publisher]").select_option(publisher)
    form.get_by_role("button", name=decision).click()


def no_script_ran(page: Any) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []


def test_four_roles_carry_an_event_to_an_on_time_published_response(console) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    duty = log_in(console, "duty_officer")
    expect(duty.locator("table.queue, table.list").first).to_contain_text("暴雨致隧道积水")
    # the scraped title's <script> is text in the queue
    expect(duty.get_by_role("link", name=TITLE).first).to_contain_text("<script>")
    duty.screenshot(path=str(ARTIFACTS / "journey-1-duty-queue.png"), full_page=True)
    open_event(duty)
    move(duty, "会商", "涉及应急部门，需会商")

    handler = log_in(console, "handler")
    open_event(handler)
    opinion = handler.get_by_role("form", name="填写会商意见")
    opinion.locator("textarea[name=text]").fill("隧道积水已组织抽排，建议尽快发布权威信息。")
    opinion.get_by_role("button", name="提交会商意见").click()
    expect(handler.locator("#opinion")).to_contain_text("隧道积水已组织抽排")

    duty.reload()
    move(duty, "研判", "会商完毕")
    judgment = duty.get_by_role("form", name="填写研判意见")
    judgment.locator("textarea[name=nature]").fill("突发事件，网民关注救援进展，媒体已跟进")
    judgment.locator("select[name=disposal_class]").select_option("unaware")
    judgment.locator("textarea[name=proposal]").fill("5 小时内发布权威信息，说明积水和救援情况")
    judgment.get_by_role("button", name="提交研判意见").click()
    expect(duty.locator(".flash")).to_be_visible()

    leader = log_in(console, "leader")
    expect(leader.locator("#judgments")).to_contain_text("待审批的研判意见（1）")
    expect(leader.locator("table.queue-judgments")).to_contain_text("暴雨致隧道积水")
    leader.screenshot(path=str(ARTIFACTS / "journey-2-leader-queue.png"), full_page=True)
    open_event(leader)
    leader.get_by_role("form", name="审批研判意见").get_by_role("button", name="批准").click()
    expect(leader.locator(".flash")).to_be_visible()

    duty.reload()
    move(duty, "处置/回应", "研判已批准，开始处置")

    handler.reload()
    draft = handler.get_by_role("form", name="起草回应稿")
    draft.locator("textarea[name=text]").fill(f"临江路隧道积水已排除，交通恢复。{PRIVATE}{SCRIPT}")
    draft.get_by_role("button", name="保存草稿").click()
    expect(handler.locator("#d1 .draft-text")).to_contain_text(SCRIPT)  # as text
    review(handler, "拟稿人自审", "通过", "主动公开")

    censor = log_in(console, "confidentiality")
    expect(censor.locator("main")).to_contain_text("暴雨致隧道积水")  # the level-2 queue
    open_event(censor)
    redact = censor.get_by_role("form", name="删除涉密或隐私内容")
    redact.locator("textarea[name=remove]").fill(PRIVATE)
    redact.locator("input[name=reason]").fill("个人隐私")
    redact.get_by_role("button", name="删除并留痕").click()
    expect(censor.locator("#d1 .diff del")).to_have_text(PRIVATE)
    censor.screenshot(path=str(ARTIFACTS / "journey-3-redaction.png"), full_page=True)

    handler.reload()  # a redaction restarts the review
    review(handler, "拟稿人自审", "通过", "主动公开")
    censor.reload()
    review(censor, "保密员审查", "通过")

    leader.reload()
    review(leader, "领导审批", "退回修改", "请补充救援进展和绕行建议")
    expect(leader.locator("#d1")).to_contain_text("请补充救援进展和绕行建议")

    handler.reload()
    handler.locator("#d1 details.edit summary").click()
    edit = handler.get_by_role("form", name="修改稿件")
    edit.locator("textarea[name=text]").fill(
        f"临江路隧道积水已排除，被困车辆均已救出，交通恢复。请市民绕行滨江路。{SCRIPT}"
    )
    edit.get_by_role("button", name="保存为新版本").click()
    expect(handler.locator("#d1")).to_contain_text("被困车辆均已救出")
    review(handler, "拟稿人自审", "通过", "主动公开")
    censor.reload()
    review(censor, "保密员审查", "通过")
    leader.reload()
    review(leader, "领导审批", "通过", "同意发布", publisher="office")
    expect(leader.locator(".flash")).to_contain_text("由 office 发布")

    office = log_in(console, "office")
    open_event(office)
    publish = office.get_by_role("form", name="发布")
    expect(publish).to_contain_text("将满足时限：发布权威信息")
    publish.get_by_role("button", name="发布").click()
    expect(office.locator(".flash")).to_contain_text("已发布")
    expect(office.locator("#due tr", has_text="发布权威信息")).to_contain_text("已完成（按时）")
    expect(office.locator("#d1 .badge")).to_have_text("已发布")
    office.screenshot(path=str(ARTIFACTS / "journey-4-published.png"), full_page=True)
    for page in (duty, handler, censor, leader, office):
        no_script_ran(page)
    assert (ARTIFACTS / "journey-4-published.png").stat().st_size > 20_000
