"""Statutory clocks: hour clocks to the minute, working days on the official calendar."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from monitor.cases.deadlines import DeadlineBook
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.service.context import Context
from tests.helpers.configs import CONFIG, config_case
from workflow.calendar import WorkCalendar
from workflow.clocks import BEIJING as BJ
from workflow.clocks import ClockRule, ClockSpec, due_time, select_clocks

CAL = WorkCalendar()


def bj(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=BJ)


def wd(n: int) -> ClockSpec:
    return ClockSpec(f"{n}wd", "t", working_days=n)


@pytest.mark.parametrize(
    ("hours", "start", "due"),
    [
        (5, "2026-11-21 22:30", "2026-11-22 03:30"),  # across midnight
        (24, "2026-12-31 23:59", "2027-01-01 23:59"),  # across the year
        (48, "2026-02-16 08:00", "2026-02-18 08:00"),  # holidays do not stop hour clocks
    ],
)
def test_hour_clocks_are_exact(hours, start, due) -> None:
    result = due_time(ClockSpec("h", "t", hours=hours), bj(start), CAL)
    assert result.due_at == bj(due)
    assert not result.fallback


@pytest.mark.parametrize(
    ("n", "start", "due", "why"),
    [
        (5, "2026-11-16 09:00", "2026-11-24 00:00", "Mon: Tue..Fri, Mon = 5"),
        (5, "2026-11-20 17:30", "2026-11-28 00:00", "Fri: weekend skipped"),
        (3, "2026-11-21 10:00", "2026-11-26 00:00", "received on Saturday"),
        # National Day 2026: 1–7 Oct off; Sat 10 Oct is an adjusted working day.
        (5, "2026-09-30 10:00", "2026-10-14 00:00", "Oct 8, 9, 10(Sat), 12, 13"),
        (3, "2026-10-07 10:00", "2026-10-11 00:00", "Oct 8, 9, 10(Sat)"),
        # Spring Festival 2026: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are working days.
        (3, "2026-02-13 16:00", "2026-02-26 00:00", "Feb 14(Sat), 24, 25"),
        (5, "2026-02-23 10:00", "2026-03-01 00:00", "Feb 24, 25, 26, 27, 28(Sat)"),
        # Received on 中秋 (25 Sep, a holiday): Sep 28–30, Oct 8–10, 12–16, 19–22.
        (15, "2026-09-25 10:00", "2026-10-23 00:00", "complaint handling over National Day"),
        (1, "2026-11-20 23:59", "2026-11-24 00:00", "day of receipt never counts"),
    ],
)
def test_working_day_clocks_on_the_official_calendar(n, start, due, why) -> None:
    result = due_time(wd(n), bj(start), CAL)
    assert result.due_at == bj(due), why
    assert not result.fallback


def test_2027_without_official_data_falls_back_and_says_so() -> None:
    # Thu 31 Dec 2026 is official; 2027 is not known to the package.
    result = due_time(wd(3), bj("2026-12-30 10:00"), CAL)
    # Dec 31 (official), Jan 1 is 元旦 (fixed-date statutory holiday), Jan 4, Jan 5
    assert result.due_at == bj("2027-01-06 00:00")
    assert result.fallback


def test_2027_admin_listed_holidays_and_workdays_are_used() -> None:
    cal = WorkCalendar(
        extra_holidays=[date(2027, 2, d) for d in range(5, 13)] + [date(2027, 1, 4)],
        extra_workdays=[date(2027, 1, 2)],  # an adjusted working Saturday
    )
    result = due_time(wd(2), bj("2026-12-31 09:00"), cal)
    assert result.due_at == bj("2027-01-06 00:00")  # Jan 2(Sat, workday), Jan 5
    assert result.fallback
    spring = due_time(wd(1), bj("2027-02-04 09:00"), cal)
    assert spring.due_at == bj("2027-02-16 00:00")  # Feb 5–12 listed off, 13–14 weekend


def test_the_calendar_never_crashes_for_far_years() -> None:
    result = due_time(wd(5), bj("2031-06-01 09:00"), CAL)
    assert result.fallback
    assert result.due_at == bj("2031-06-07 00:00")


def test_fallback_warning_names_the_missing_year() -> None:
    book = DeadlineBook(load_config(CONFIG, environ={}).settings)
    assert "2027" in (book.fallback_warning(bj("2026-12-01 10:00")) or "")
    assert book.fallback_warning(bj("2026-03-01 10:00")) is None


def test_fallback_warning_names_the_config_folder_in_use(tmp_path) -> None:
    folder = tmp_path / "agency"
    shutil.copytree(CONFIG, folder, ignore=shutil.ignore_patterns("examples"))
    warning = Context.load(folder).book.fallback_warning(bj("2026-12-01 10:00")) or ""
    assert f"采用 {folder / 'deadlines.yaml'} 中 calendar.extra_holidays" in warning
    assert "config/deadlines.yaml" not in warning


RULES = (
    ClockRule("major", ("info-5h", "presser-24h"), min_grade="II", categories=("emergency",)),
    ClockRule("message", ("reply-5wd",), source_kinds=("board", "manual")),
    ClockRule("other", ("response-48h",), negative_only=True, unless=("major",)),
)


@pytest.mark.parametrize(
    ("grade", "cats", "kind", "negative", "clocks"),
    [
        ("II", {"emergency"}, "weibo", True, ["info-5h", "presser-24h"]),
        ("I", {"emergency"}, "news", False, ["info-5h", "presser-24h"]),
        ("III", {"emergency"}, "weibo", True, ["response-48h"]),
        ("II", {"image"}, "weibo", True, ["response-48h"]),
        ("III", {"image"}, "board", True, ["reply-5wd", "response-48h"]),
        ("IV", set(), "feed", False, []),
    ],
)
def test_clock_selection(grade, cats, kind, negative, clocks) -> None:
    assert [c for c, _ in select_clocks(RULES, grade, cats, {kind}, negative)] == clocks


def test_a_citizen_message_keeps_its_reply_clock_when_the_event_becomes_an_emergency() -> None:
    kinds = {"weibo", "board", "news"}
    clocks = [c for c, _ in select_clocks(RULES, "II", {"emergency"}, kinds, True)]
    assert clocks == ["info-5h", "presser-24h", "reply-5wd"]


def _book(tmp_path, case: str) -> DeadlineBook:  # noqa: ANN001
    return DeadlineBook(load_config(config_case(tmp_path, case), environ={}).settings)


def test_new_year_2027_with_and_without_the_days_an_admin_listed(tmp_path) -> None:
    plain = DeadlineBook(load_config(CONFIG, environ={}).settings)
    listed = _book(tmp_path, "calendar_2027")
    start = bj("2026-12-31 15:00")  # Thursday, the last official day
    # weekends and the fixed 元旦 only: Jan 4, 5, 6
    assert plain.due("complaint-notice-3wd", start).due_at == bj("2027-01-07 00:00")
    # Jan 4 listed off; Sat Jan 9 listed as a working day: Jan 5, 6, 7, 8, 9
    due = listed.due("reply-5wd", start)
    assert due.due_at == bj("2027-01-10 00:00") and due.fallback
    assert plain.due("reply-5wd", start).due_at == bj("2027-01-09 00:00")  # Jan 4–8


def test_calendar_dates_in_config_are_checked(tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_case(tmp_path / "a", "bad_calendar_date"), environ={})
    assert "deadlines.yaml" in str(err.value) and "extra_holidays" in str(err.value)
    assert "YYYY-MM-DD" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(config_case(tmp_path / "b", "calendar_overlap"), environ={})
    assert "2027-01-09" in str(err.value) and "既是节假日又是调休工作日" in str(err.value)


@pytest.mark.parametrize(
    ("clock", "start", "due"),
    [
        ("info-5h", "2026-11-21 21:00", "2026-11-22T02:00:00+08:00"),  # across midnight
        ("presser-24h", "2026-09-30 23:00", "2026-10-01T23:00:00+08:00"),  # into the holiday
        ("response-48h", "2026-02-15 12:00", "2026-02-17T12:00:00+08:00"),  # Spring Festival
        ("reply-5wd", "2026-10-09 16:00", "2026-10-16T00:00:00+08:00"),  # Sat 10 Oct works
        (
            "complaint-transfer-5wd",
            "2026-02-12 09:00",
            "2026-02-27T00:00:00+08:00",
        ),  # 13, 14(Sat), 24–26
        ("interpretation-3wd", "2026-11-20 18:00", "2026-11-26T00:00:00+08:00"),
        ("complaint-handle-15wd", "2026-09-25 10:00", "2026-10-23T00:00:00+08:00"),
    ],
)
def test_every_configured_clock_by_name(clock, start, due) -> None:
    book = DeadlineBook(load_config(CONFIG, environ={}).settings)
    result = book.due(clock, bj(start))
    assert result.due_at.astimezone(BJ).isoformat() == due
    assert not result.fallback
