"""The console in a real browser: headless Chromium against the console served by uvicorn.

What an officer does and sees: log in with a password (and change it) or a token link,
read the events nearest deadline first, acknowledge an escalation, correct a mention's
sentiment, find the broken source, and never run a script that came in with scraped text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.web import create_app
from tests.helpers.browser import LiveConsole, chromium_or_skip
from tests.helpers.console import APP, BROKEN_REASON, MENTION_XSS, NOW, PASSWORD, XSS, seed


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('browser')}/console.db")
    upgrade(db)
    ns = seed(db)
    with LiveConsole(create_app(APP, db, now=lambda: NOW)) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        ns.url, ns.browser = live.url, browser
        yield ns
        browser.close()
    db.dispose()


@pytest.fixture
def visit(console: SimpleNamespace) -> Iterator[Any]:
    """visit(role) -> a fresh page logged in by that role's token link; dialogs recorded."""
    contexts = []

    def login(role: str) -> Any:
        context = console.browser.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(f"{console.url}/login?token={console.tokens[role]}")
        return page

    yield login
    for context in contexts:
        context.close()


def test_token_link_logs_in_and_events_come_nearest_deadline_first(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("duty_officer")
    expect(page).to_have_url(f"{console.url}/")
    expect(page.locator("header .who")).to_contain_text("测试值班员（值班员）")
    titles = page.locator("table.list tbody td.title > a")
    expect(titles).to_have_text([XSS, "景区门票涨价", "城区内涝"])
    deadlines = page.locator("table.list tbody tr td:last-child")
    expect(deadlines.first).to_contain_text("已超时 1小时0分")
    titles.nth(1).click()
    expect(page).to_have_url(f"{console.url}/events/{console.co}")
    expect(page.locator("h1")).to_contain_text("I级 特别重大 景区门票涨价")


def test_duty_officer_acknowledges_an_escalation(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("duty_officer")
    page.goto(f"{console.url}/events/{console.co}")
    section = page.locator("section.escalation")
    expect(section).to_contain_text("升级中：第 1/2 级（责任处室）：新发现特别重大事件")
    section.get_by_role("button", name="确认（我来处理）").click()
    expect(page.locator(".flash")).to_have_text("已确认升级通知。")
    expect(section).to_contain_text("已由 duty_officer 于 2026-11-21 12:00 确认，不再重复提醒")
    expect(section.get_by_role("button")).to_have_count(0)


def test_a_sentiment_correction_is_kept_across_reloads(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("office")
    page.goto(f"{console.url}/events/{console.late}")
    row = page.locator(f"tr#m{console.mention}")
    expect(row.locator(".labelled")).to_have_count(0)
    row.get_by_role("button", name="非负面", exact=True).click()
    expect(page.locator(".flash")).to_contain_text(f"已将信息 {console.mention} 标注为“非负面”")
    page.reload()
    row = page.locator(f"tr#m{console.mention}")
    expect(row.locator(".labelled")).to_have_text(
        "人工标注：非负面（测试办公室，2026-11-21 12:00）"
    )
    expect(row.get_by_role("button", name="非负面", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".flash")).to_have_count(0)  # the notice is shown once


def test_the_broken_source_is_listed_first_with_its_reason(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("leader")
    page.get_by_role("link", name="信息源").click()
    expect(page).to_have_url(f"{console.url}/sources")
    first = page.locator("table.sources tbody tr").first
    expect(first).to_contain_text("云川新闻网")
    expect(first.locator(".health")).to_have_text("异常")
    expect(first).to_contain_text(BROKEN_REASON)
    expect(page.locator("table.sources tbody tr").last).to_contain_text("正常")


def test_scraped_script_is_shown_as_text_and_never_runs(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("duty_officer")
    page.goto(f"{console.url}/events/{console.late}")
    expect(page.locator("h1")).to_contain_text(XSS)
    title = page.locator(f"tr#m{console.mention} td.title")
    expect(title).to_contain_text(MENTION_XSS)
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.goto(f"{console.url}/")
    expect(page.locator("table.list tbody td.title > a").first).to_have_text(XSS)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []  # XSS is alert(1): no dialog ever opened


def test_a_role_without_access_sees_the_refusal_in_chinese(console, visit) -> None:
    from playwright.sync_api import expect

    page = visit("handler")
    expect(page.get_by_role("link", name="信息源")).to_have_count(0)
    response = page.goto(f"{console.url}/sources")
    assert response is not None and response.status == 403
    expect(page.locator(".message")).to_have_text(
        "无权访问：您的角色是责任处室，此操作仅限值班员、办公室、领导。"
    )
    assert not re.search(r"Traceback|Internal Server Error", page.content())


def test_an_officer_logs_in_with_a_password_and_changes_it(console) -> None:
    from playwright.sync_api import expect

    context = console.browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{console.url}/sources")  # sent to the login page, and back afterwards
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fsources$"))
        page.get_by_label("用户名").fill("confidentiality")
        page.get_by_label("密码").fill("不是这个密码-000")
        page.get_by_role("button", name="登录").click()
        expect(page.locator(".error")).to_have_text("用户名或密码错误。")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator("header .who")).to_contain_text("测试保密员（保密员）")
        page.get_by_role("link", name="修改密码").click()
        expect(page.locator(".rules")).to_have_text("密码至少 10 个字符，且不能与用户名相同。")
        page.get_by_label("当前密码").fill(PASSWORD)
        page.get_by_label("新密码", exact=True).fill("浏览器里改的新密码-1")
        page.get_by_label("再次输入新密码").fill("浏览器里改的新密码-1")
        page.get_by_role("button", name="修改密码").click()
        expect(page.locator(".flash")).to_contain_text("密码已修改")
        page.get_by_role("button", name="退出").click()
        expect(page).to_have_url(f"{console.url}/login")
        page.get_by_label("用户名").fill("confidentiality")
        page.get_by_label("密码").fill("浏览器里改的新密码-1")
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{console.url}/")
        expect(page.locator("header .who")).to_contain_text("测试保密员")
    finally:
        context.close()
