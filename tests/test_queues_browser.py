"""The duty officer's queue in a real browser refreshing itself: a new event appears while
the page stays where it was scrolled to, with its filters and what is being typed; and a
session left idle ends although the page keeps refreshing, which the page then says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Deadline, Department, Event
from monitor.web import create_app
from tests.helpers.browser import LiveConsole, chromium_or_skip
from tests.helpers.console import APP, NOW, seed

EXTRA = 25  # enough rows for the page to scroll in a small window


def add_event(db: Database, title: str, due_in: timedelta, grade: str = "II") -> int:
    with db.session() as s:
        dept = s.scalar(select(Department.id).where(Department.code == "culture-tourism"))
        e = Event(
            title=title,
            grade=grade,
            department_id=dept,
            origin_kind="feed",
            first_source="省报 RSS",
            first_url="https://news.example.cn/2.html",
            discovered_at=NOW - timedelta(hours=1),
            last_mention_at=NOW,
            created_at=NOW,
            updated_at=NOW,
            mention_count=1,
        )
        s.add(e)
        s.flush()
        s.add(
            Deadline(
                event_id=e.id,
                clock="response_48h",
                title="48小时内回应",
                starts_at=e.discovered_at,
                due_at=NOW + due_in,
            )
        )
        return e.id


@pytest.fixture
def console(tmp_path) -> Iterator[SimpleNamespace]:  # noqa: ANN001
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    db = Database(f"sqlite:///{tmp_path}/queue.db")
    upgrade(db)
    ns = seed(db)
    for i in range(EXTRA):
        add_event(db, f"景区排队投诉 {i + 1}", timedelta(hours=2 + i))
    clock = SimpleNamespace(at=NOW)  # the server's now, moved by a test
    app = create_app(APP, db, now=lambda: clock.at)
    with LiveConsole(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        ns.url, ns.browser, ns.db, ns.clock = live.url, browser, db, clock
        yield ns
        browser.close()
    db.dispose()


def test_the_queue_refreshes_in_place_keeping_scroll_filters_and_typing(console) -> None:
    from playwright.sync_api import expect

    context = console.browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 420})
    page = context.new_page()
    page.clock.install()  # the page's timers run when the test says, not after 30 real seconds
    page.goto(f"{console.url}/login?token={console.tokens['duty_officer']}")
    page.goto(f"{console.url}/?grade=II")
    rows = page.locator("#queue table.list tbody tr")
    expect(rows).to_have_count(1 + EXTRA)  # late (II) and the extra ones; co is I, other III
    expect(page.locator("#queue .updated")).to_contain_text("最后更新 12:00")
    expect(page.locator("#header-counts")).to_have_text("未办结事件 28")
    assert page.locator("select[name=grade]").input_value() == "II"

    page.evaluate("window.scrollTo(0, 600)")
    typing = page.locator("input[name=q]")
    typing.focus()
    page.keyboard.type("景区排")  # being typed, not yet submitted
    page.evaluate("window.scrollTo(0, 600)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled == 600

    add_event(console.db, "新发现：景区缆车停运滞留游客", timedelta(hours=-2))
    page.clock.run_for(29_000)
    expect(page.locator("#queue")).not_to_contain_text("新发现：景区缆车停运滞留游客")
    page.clock.run_for(2_000)  # the 30 s refresh falls due
    new_row = page.locator("#queue table.list tbody tr", has_text="新发现：景区缆车停运滞留游客")
    expect(new_row).to_have_count(1)
    expect(rows).to_have_count(2 + EXTRA)
    expect(rows.first).to_contain_text("新发现：景区缆车停运滞留游客")  # overdue: first
    expect(page.locator("#header-counts")).to_have_text("未办结事件 29")

    assert page.evaluate("window.scrollY") == scrolled
    assert page.url == f"{console.url}/?grade=II"
    assert page.locator("select[name=grade]").input_value() == "II"
    assert typing.input_value() == "景区排"
    assert page.evaluate("document.activeElement && document.activeElement.name") == "q"
    expect(page.locator("#queue-status")).to_be_hidden()  # no refresh failure shown
    context.close()


def test_an_idle_console_is_signed_out_and_the_queue_says_so(console) -> None:
    from playwright.sync_api import expect

    context = console.browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.clock.install()
    page.goto(f"{console.url}/login?token={console.tokens['duty_officer']}")
    page.goto(f"{console.url}/")
    expect(page.locator("#header-counts")).to_have_text("未办结事件 28")
    for minutes in (10, 20, 29):  # the refreshes keep working but keep nothing open
        console.clock.at = NOW + timedelta(minutes=minutes)
        page.clock.run_for(30_500)
        expect(page.locator("#queue .updated")).to_contain_text(f"最后更新 12:{minutes}")
        expect(page.locator("#queue-status")).to_be_hidden()
    console.clock.at = NOW + timedelta(minutes=30)  # thirty minutes since the last click
    page.clock.run_for(30_500)
    expect(page.locator("#queue-status")).to_have_text(
        "登录已因长时间未操作而结束：请重新登录后继续。"
    )
    expect(page.locator("#queue table.list tbody tr").first).to_be_visible()  # still shown
    page.reload()
    assert "/login" in page.url
    context.close()
