"""The daily digest and the special report as a reader sees them in Chromium, served by the
console: the charts render (non-blank SVG with one bar per hour and the grade bars), scraped
markup stays text, and screenshots are kept as test artifacts (var/test-artifacts/, or the
folder YUQING_ARTIFACTS names) for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from monitor.accounts.users import create_user
from monitor.reports.daily import build_daily
from monitor.reports.special import build_special
from monitor.reports.store import make
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.web import create_app
from tests.helpers.browser import LiveConsole, chromium_or_skip
from tests.helpers.configs import REPO
from tests.helpers.report_cases import NOW, seed_cases
from tests.test_reports_web import app_config

ARTIFACTS = Path(os.environ.get("YUQING_ARTIFACTS") or REPO / "var" / "test-artifacts")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("reports-browser")
    db = Database(f"sqlite:///{tmp}/b.db")
    upgrade(db)
    cases = seed_cases(db)
    app = app_config(tmp)
    with db.session() as s:
        _, token = create_user(s, "office", "办公室小李", "office", None, NOW)
    daily = make(
        db, app, lambda s: build_daily(s, app, NOW.date(), NOW), "daily:b", ["html"], "t", NOW
    )
    special = make(
        db, app, lambda s: build_special(s, app, cases.e2, NOW), "special:b", ["html"], "t", NOW
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with LiveConsole(create_app(app, db, now=lambda: NOW)) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.goto(f"{live.url}/login?token={token}")
        yield SimpleNamespace(
            page=page, url=live.url, daily=daily.report_id, special=special.report_id
        )
        browser.close()
    db.dispose()


def test_the_digest_renders_its_charts_and_keeps_markup_as_text(served) -> None:  # noqa: ANN001
    page = served.page
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(f"{served.url}/reports/{served.daily}")
    assert page.locator("h1.masthead").inner_text().replace(" ", "") == "舆情日报"
    hourly = page.locator("figure svg").nth(0)
    bars = hourly.locator("rect.bar")
    assert bars.count() == 24
    heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(24)]
    assert sum(1 for h in heights if h > 0) == 5  # the hours with mentions
    box = hourly.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    grades = page.locator("figure svg").nth(1).locator("rect.bar")
    assert grades.count() == 8  # new and ongoing, for each of the four grades
    # the scraped <script> in a title is on the page as text and never ran
    assert page.get_by_text("景区宰客<script>alert(1)</script>").count() == 1
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.screenshot(path=str(ARTIFACTS / "report-daily.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "report-daily-print.png"), full_page=True)
    page.emulate_media(media="screen")
    assert (ARTIFACTS / "report-daily.png").stat().st_size > 20_000
    assert not [m for m in messages if "Refused" in m and "script" in m]


def test_the_special_report_draws_the_propagation_path(served) -> None:  # noqa: ANN001
    page = served.page
    page.goto(f"{served.url}/reports/{served.special}")
    steps = page.locator("svg.flow rect.step")
    assert [steps.nth(i).get_attribute("data-stage") for i in range(steps.count())] == [
        "首发",
        "媒体跟进",
    ]  # E2: a Weibo post, then the news portal
    assert page.locator("svg.flow").bounding_box()["width"] > 300
    page.screenshot(path=str(ARTIFACTS / "report-special.png"), full_page=True)
