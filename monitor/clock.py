"""The one place that reads the wall clock; everything else takes `now` as a parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware datetime in UTC; a naive value is taken to be UTC (as SQLite returns them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def beijing(value: datetime) -> datetime:
    return as_utc(value).astimezone(BEIJING)


def fmt_beijing(value: datetime | None, with_seconds: bool = False) -> str:
    if value is None:
        return "—"
    return beijing(value).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def fmt_remaining(due: datetime, now: datetime) -> str:
    """'剩余 4小时12分' or '已超时 1小时3分' — the countdown officers read."""
    delta = as_utc(due) - as_utc(now)
    late = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = (f"{days}天" if days else "") + (f"{hours}小时" if hours or days else "") + f"{mins}分"
    return ("已超时 " if late else "剩余 ") + parts
