"""Assessment periods as people write them: 2026-11, 2026-Q4, 2026, 2026-W48 (ISO week).

Every period is a half-open range of Beijing days, [first day 00:00, day after last 00:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.clock import beijing
from monitor.errors import YuqingError
from monitor.reports.common import Window, day_end


class BadPeriod(YuqingError):
    """A period the user wrote that is not one of the four forms."""


@dataclass(frozen=True)
class Period:
    text: str  # as given, normalised: 2026-11, 2026-Q4, 2026, 2026-W48
    label: str  # 2026年11月, 2026年第四季度, 2026年, 2026年第48周（11月23日至11月29日）
    first: date
    last: date

    @property
    def window(self) -> Window:
        return Window(day_end(self.first - timedelta(days=1)), day_end(self.last))


QUARTERS = "一二三四"
FORMS = "2026-11（月）、2026-Q4（季度）、2026（年）或 2026-W48（ISO 周）"


def parse_period(text: str) -> Period:
    t = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise BadPeriod(f"期间 {text!r} 的月份应为 1–12。")
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        return Period(f"{y}-{mo:02d}", f"{y}年{mo}月", date(y, mo, 1), nxt - timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", t):
        y, q = int(m[1]), int(m[2])
        first = date(y, 3 * q - 2, 1)
        nxt = date(y + (q == 4), (3 * q) % 12 + 1, 1)
        return Period(f"{y}-Q{q}", f"{y}年第{QUARTERS[q - 1]}季度", first, nxt - timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        return Period(f"{y}", f"{y}年", date(y, 1, 1), date(y, 12, 31))
    if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", t):
        y, w = int(m[1]), int(m[2])
        try:
            first = date.fromisocalendar(y, w, 1)
        except ValueError:
            raise BadPeriod(f"{y} 年没有第 {w} 周（ISO 周为 1–52 或 53）。") from None
        last = first + timedelta(days=6)
        label = f"{y}年第{w}周（{first.month}月{first.day}日至{last.month}月{last.day}日）"
        return Period(f"{y}-W{w:02d}", label, first, last)
    raise BadPeriod(f"无法识别期间 {text!r}：应为 {FORMS}。")


def previous_month(now: datetime) -> Period:
    """The month before the Beijing month of `now` (what the monthly job assesses)."""
    b = beijing(now).date().replace(day=1) - timedelta(days=1)
    return parse_period(f"{b.year}-{b.month:02d}")
