"""Statutory deadline clocks (回应时限) as pure functions of (start, calendar).

Hour clocks (reference/003_* 二.5: 5 h information, 24 h press conference; 001_* 三(四):
48 h response) fall due exactly N hours after discovery. Working-day clocks (网民留言
5 个工作日, 000_* 11; 投诉 3/15/5 个工作日, 004_* 政务公开投诉举报制度; 解读材料 3 个工作日)
are counted the usual way for administrative time limits: the day of receipt is not
counted, and the limit ends at 24:00 of the last working day (cf. 《行政许可法》第八十二条,
《民事诉讼法》第八十五条 on computing periods).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflow.calendar import WorkCalendar

BEIJING = ZoneInfo("Asia/Shanghai")
_MAX_SCAN_DAYS = 400


@dataclass(frozen=True)
class ClockSpec:
    name: str
    title: str
    hours: float | None = None
    working_days: int | None = None


@dataclass(frozen=True)
class Due:
    due_at: datetime  # aware
    fallback: bool  # a day in the count had no official calendar data


def due_time(spec: ClockSpec, start: datetime, calendar: WorkCalendar) -> Due:
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if spec.hours is not None:
        return Due(start + timedelta(hours=spec.hours), False)
    if spec.working_days is None:
        raise ValueError(f"clock {spec.name} has neither hours nor working_days")
    day = start.astimezone(BEIJING).date()
    counted = 0
    fallback = False
    for _ in range(_MAX_SCAN_DAYS):
        day += timedelta(days=1)
        workday, used_fallback = calendar.is_workday(day)
        fallback = fallback or used_fallback
        if workday:
            counted += 1
            if counted == spec.working_days:
                end = datetime.combine(day + timedelta(days=1), time(0), BEIJING)
                return Due(end, fallback)
    raise ValueError(f"no {spec.working_days} working days within {_MAX_SCAN_DAYS} days")


@dataclass(frozen=True)
class ClockRule:
    name: str
    clocks: tuple[str, ...]
    min_grade: str | None = None
    categories: tuple[str, ...] = ()
    source_kinds: tuple[str, ...] = ()
    negative_only: bool = False
    unless: tuple[str, ...] = ()


_RANK = {"IV": 1, "III": 2, "II": 3, "I": 4}


def select_clocks(
    rules: tuple[ClockRule, ...] | list[ClockRule],
    grade: str,
    categories: set[str] | frozenset[str],
    kinds: set[str] | frozenset[str],
    negative: bool,
) -> list[tuple[str, str]]:
    """[(clock name, rule name)] that an event with these facts must run, in rule order."""
    matched: set[str] = set()
    for rule in rules:
        if rule.min_grade and _RANK[grade] < _RANK[rule.min_grade]:
            continue
        if rule.categories and not categories.intersection(rule.categories):
            continue
        if rule.source_kinds and not kinds.intersection(rule.source_kinds):
            continue
        if rule.negative_only and not negative:
            continue
        matched.add(rule.name)
    out: list[tuple[str, str]] = []
    for rule in rules:
        if rule.name in matched and not matched.intersection(rule.unless):
            out.extend((c, rule.name) for c in rule.clocks if c not in [o[0] for o in out])
    return out
