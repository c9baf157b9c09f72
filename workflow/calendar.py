"""Working days on the official Chinese calendar (调休 included), with an admin fallback.

The State Council announces each year's holidays late in the year before; the
chinese-calendar package only knows the years it shipped with and raises for later
ones. For such a year we count weekends as rest days, plus the fixed-date statutory
holidays of 《全国年节及纪念日放假办法》 (2024 revision: 元旦 1 January, 劳动节 1–2 May,
国庆节 1–3 October), plus the holidays and adjusted working days an administrator lists
in config/deadlines.yaml, and report that the fallback was used. The lunar holidays
(春节, 清明, 端午, 中秋) and each year's 调休 are known only from the annual notice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import chinese_calendar  # type: ignore[import-untyped]

FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


def _official(d: date) -> bool:
    return bool(chinese_calendar.is_workday(d))


class WorkCalendar:
    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        official: Callable[[date], bool] = _official,
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self._official = official

    def is_workday(self, d: date) -> tuple[bool, bool]:
        """(is a working day, the fallback was used because official data is missing)."""
        try:
            return self._official(d), False
        except NotImplementedError:
            if d in self.extra_workdays:
                return True, True
            if d in self.extra_holidays or (d.month, d.day) in FIXED_HOLIDAYS:
                return False, True
            return d.weekday() < 5, True

    def has_official_data(self, year: int) -> bool:
        try:
            self._official(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True
