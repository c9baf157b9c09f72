"""The configured statutory clocks and working-day calendar, built once from config."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from monitor.clock import beijing
from monitor.config.models import Settings
from workflow.calendar import WorkCalendar
from workflow.clocks import ClockRule, ClockSpec, Due, due_time, select_clocks


class DeadlineBook:
    def __init__(self, settings: Settings, config_dir: Path | None = None) -> None:
        """`config_dir`: the folder the settings were read from, named in the warnings."""
        d = settings.deadlines
        self.deadlines_yaml = str(config_dir / "deadlines.yaml") if config_dir else "deadlines.yaml"
        self.calendar = WorkCalendar(
            extra_holidays=[date.fromisoformat(x) for x in d.calendar.extra_holidays],
            extra_workdays=[date.fromisoformat(x) for x in d.calendar.extra_workdays],
        )
        self.specs = {
            name: ClockSpec(name, c.title, c.hours, c.working_days) for name, c in d.clocks.items()
        }
        self.rules = tuple(
            ClockRule(
                name=r.name,
                clocks=tuple(r.clocks),
                min_grade=r.min_grade,
                categories=tuple(r.categories),
                source_kinds=tuple(r.source_kinds),
                negative_only=r.negative_only,
                unless=tuple(r.unless),
            )
            for r in d.rules
        )

    def due(self, clock: str, start: datetime) -> Due:
        return due_time(self.specs[clock], start, self.calendar)

    def select(
        self, grade: str, categories: set[str], kinds: set[str], negative: bool
    ) -> list[tuple[str, str]]:
        return select_clocks(self.rules, grade, categories, kinds, negative)

    def fallback_warning(self, now: datetime) -> str | None:
        """A warning when this year or the next (within 60 days) has no official calendar."""
        today = beijing(now).date()
        years = [today.year]
        if (date(today.year + 1, 1, 1) - today).days <= 60:
            years.append(today.year + 1)
        missing = [y for y in years if not self.calendar.has_official_data(y)]
        if not missing:
            return None
        ys = "、".join(str(y) for y in missing)
        return (
            f"工作日历缺少 {ys} 年的官方节假日数据：工作日时限按周末休息计算，"
            f"并采用 {self.deadlines_yaml} 中 calendar.extra_holidays / extra_workdays "
            "列出的节假日和调休日。请在国务院办公厅公布安排后补充。"
        )
