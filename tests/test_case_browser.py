"""The case page in a real browser: a release drafted, reviewed at the three levels (with a
redaction shown as a marked diff) and published by the named publisher, all by clicking;
no script that came in with scraped text or a draft ever runs. Screenshots are kept in
var/test-artifacts/ (or the folder YUQING_ARTIFACTS names)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from monitor.accounts.sessions import open_session
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.web import create_app
from monitor.web.auth import COOKIE
from tests.helpers.browser import LiveConsole, chromium_or_skip
from tests.helpers.case import APP, PRIVATE, T0, seed_case, to_disposal

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("YUQING_ARTIFACTS") or REPO / "var" / "test-artifacts")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('case-browser')}/console.db")
    upgrade(db)
    ns = seed_case(db)
    to_disposal(db, ns.event, T0)
    clock = SimpleNamespace(now=T0 + timedelta(hours=1))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        LiveConsole(create_app(APP, db, now=lambda: clock.now)) as live,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        ns.url, ns.browser, ns.db, ns.clock = live.url, browser, db, clock
        yield ns
        browser.close()
    db.dispose()


@pytest.fixture
def as_role(console: SimpleNamespace) -> Iterator[Any]:
    """as_role(role) -> a page on the event, in a browser holding that user's session."""
    contexts = []

    def open_as(role: str) -> Any:
        with console.db.session() as s:
            sid, _ = open_session(
                s, console.users[role], console.clock.now, timedelta(days=2), timedelta(days=2)
            )
        context = console.browser.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.add_cookies([{"name": COOKIE, "value": sid, "url": console.url}])
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(f"{console.url}/events/{console.event}")
        return page

    yield open_as
    for context in contexts:
        context.close()


def no_script_ran(page: Any) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []


def test_a_release_is_reviewed_redacted_and_published_by_clicking(console, as_role) -> None:
    from playwright.sync_api import expect

    handler = as_role("handler")
    draft_form = handler.get_by_role("form", name="起草回应稿")
    draft_form.locator("textarea[name=text]").fill(
        f"隧道积水已排除，交通恢复。{PRIVATE}<script>window.__xss='draft'</script>"
    )
    draft_form.get_by_role("button", name="保存草稿").click()
    expect(handler.locator(".flash")).to_contain_text("稿件 #1 已起草")
    draft = handler.locator("#d1")
    expect(draft.locator(".draft-text")).to_contain_text("<script>window.__xss='draft'</script>")
    review = handler.get_by_role("form", name="拟稿人自审")
    review.locator("textarea[name=note]").fill("主动公开")
    review.get_by_role("button", name="通过").click()
    expect(handler.locator(".flash")).to_contain_text("下一步：保密员审查")
    no_script_ran(handler)

    censor = as_role("confidentiality")
    expect(censor.get_by_role("form", name="起草回应稿")).to_have_count(0)
    redact = censor.get_by_role("form", name="删除涉密或隐私内容")
    redact.locator("textarea[name=remove]").fill(PRIVATE)
    redact.locator("input[name=reason]").fill("个人隐私")
    redact.get_by_role("button", name="删除并留痕").click()
    expect(censor.locator(".flash")).to_contain_text("删改已留痕")
    diff = censor.locator("#d1 .diff")
    expect(diff.locator("del")).to_have_text(PRIVATE)
    expect(diff.locator("ins")).to_have_text("■■")
    diff.scroll_into_view_if_needed()
    censor.screenshot(path=str(ARTIFACTS / "case-redaction-diff.png"), full_page=True)
    # The review restarted: level 2 waits for the drafter again.
    expect(censor.get_by_role("form", name="保密员审查")).to_have_count(0)

    handler.reload()
    review = handler.get_by_role("form", name="拟稿人自审")
    review.locator("textarea[name=note]").fill("主动公开")
    review.get_by_role("button", name="通过").click()
    expect(handler.locator(".flash")).to_contain_text("下一步：保密员审查")

    censor.reload()
    censor.get_by_role("form", name="保密员审查").get_by_role("button", name="通过").click()
    expect(censor.locator(".flash")).to_contain_text("下一步：领导审批")

    leader = as_role("leader")
    expect(leader.locator("p.waiting")).to_contain_text("审查稿件 #1")
    approve = leader.get_by_role("form", name="领导审批")
    approve.locator("select[name=publisher]").select_option("office")
    approve.get_by_role("button", name="通过").click()
    expect(leader.locator(".flash")).to_contain_text("三级审查完成，由 office 发布")
    expect(leader.get_by_role("form", name="发布")).to_have_count(0)  # not the publisher

    office = as_role("office")
    publish = office.get_by_role("form", name="发布")
    expect(publish).to_contain_text("将满足时限：发布权威信息")
    expect(publish.locator("input[name=fulfils]")).to_be_checked()
    publish.get_by_role("button", name="发布").click()
    expect(office.locator(".flash")).to_contain_text("已发布。满足时限：发布权威信息")
    due = office.locator("#due tr", has_text="发布权威信息")
    expect(due).to_contain_text("已完成（按时）")
    expect(office.locator("#d1 .badge")).to_have_text("已发布")
    expect(office.locator("#commitments")).to_contain_text("完成")
    office.screenshot(path=str(ARTIFACTS / "case-published.png"), full_page=True)
    no_script_ran(office)
    assert (ARTIFACTS / "case-published.png").stat().st_size > 20_000


def test_an_event_is_reassigned_by_choosing_a_department_and_clicking(console, as_role) -> None:
    """Last in the module: it hands the shared case to another department."""
    from playwright.sync_api import expect

    expect(as_role("handler").get_by_role("form", name="改派事件")).to_have_count(0)
    duty = as_role("duty_officer")
    form = duty.get_by_role("form", name="改派事件")
    expect(form.locator("option", has_text="市应急管理局")).to_have_count(0)  # the current lead
    form.locator("select[name=department]").select_option(label="市文化和旅游局")
    form.locator("textarea[name=reason]").fill("景区经营归文旅<script>window.__xss='r'</script>")
    form.get_by_role("button", name="改派").click()
    expect(duty.locator(".flash")).to_contain_text("由市应急管理局改为市文化和旅游局主办")
    expect(duty.locator("table.facts td").nth(1)).to_have_text("市文化和旅游局")
    expect(duty.locator("#audit")).to_contain_text(
        "景区经营归文旅<script>window.__xss='r'</script>"
    )
    no_script_ran(duty)
