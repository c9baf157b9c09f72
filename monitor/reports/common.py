"""What the report builders share: periods in Beijing time, labels, counts read as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clock import BEIJING, as_utc, beijing, fmt_remaining
from monitor.config.types import GRADE_NAMES
from monitor.storage.models import Deadline, Department

KIND_NAMES = {
    "news": "新闻网站",
    "feed": "订阅源（RSS/Atom）",
    "weibo": "微博",
    "board": "政府留言板",
    "manual": "来信来电",
}
# rows shown in a table before "另有 N 项" (the console lists the rest)
ROWS_SHOWN = 30


class Link(str):
    """A table cell that links somewhere (an event in the console). It *is* its text, so a
    renderer that knows nothing of links shows the text; HTML and Markdown link it."""

    url: str

    def __new__(cls, text: str, url: str) -> Link:
        obj = super().__new__(cls, text)
        obj.url = url
        return obj


@dataclass(frozen=True)
class Window:
    """A half-open period [start, end), aware UTC; `as_of`: the moment clocks are read at
    (the end, or now when the period has not ended yet)."""

    start: datetime
    end: datetime
    as_of: datetime | None = None

    @property
    def at(self) -> datetime:
        return self.as_of or self.end

    def before(self) -> Window:
        """The period of the same length just before this one."""
        return Window(self.start - (self.end - self.start), self.start)


def at_beijing(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return as_utc(datetime.combine(day, time(hour, minute), BEIJING))


def day_end(day: date) -> datetime:
    """24:00 of a Beijing day, aware UTC."""
    return as_utc(datetime.combine(day + timedelta(days=1), time(0), BEIJING))


def cn_date(value: date | datetime) -> str:
    d = beijing(value).date() if isinstance(value, datetime) else value
    return f"{d.year}年{d.month}月{d.day}日"


def cn_time(value: datetime | None, year: bool = False) -> str:
    """12月2日 08:00 (Beijing time); with `year`, 2026年12月2日 08:00."""
    if value is None:
        return "—"
    b = beijing(value)
    head = f"{b.year}年" if year else ""
    return f"{head}{b.month}月{b.day}日 {b:%H:%M}"


def cn_period(w: Window) -> str:
    return f"统计时段：{cn_time(w.start, year=True)} 至 {cn_time(w.end, year=True)}（北京时间）"


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def change(now: int, before: int) -> str:
    """'+12（+15.0%）', '−3（−20.0%）', '持平', '+5（前一时段为 0）'."""
    diff = now - before
    if diff == 0:
        return "持平"
    sign = "+" if diff > 0 else "−"
    if before == 0:
        return f"{sign}{abs(diff)}（前一时段为 0）"
    return f"{sign}{abs(diff)}（{sign}{abs(diff) * 100 / before:.1f}%）"


def change_phrase(now: int, before: int, unit: str = "条") -> str:
    """The change written as a report's prose says it: '较前一时段增加 12 条、增长 15.0%',
    '较前一时段减少 3 条、下降 20.0%', '与前一时段持平', '前一时段为 0 条'."""
    diff = now - before
    if diff == 0:
        return "与前一时段持平"
    if before == 0:
        return f"前一时段为 0 {unit}"
    rate = f"{abs(diff) * 100 / before:.1f}%"
    if diff > 0:
        return f"较前一时段增加 {diff} {unit}、增长 {rate}"
    return f"较前一时段减少 {-diff} {unit}、下降 {rate}"


def grade_cell(grade: str) -> str:
    return f"{GRADE_NAMES.get(grade, grade)}（{grade}级）"


def duration_text(delta: timedelta) -> str:
    """1天3小时5分, for how late something was."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days}天" if days else "") + (f"{hours}小时" if hours or days else "") + f"{mins}分"


def deadline_cell(d: Deadline | None, as_of: datetime) -> str:
    if d is None:
        return "—"
    return f"{d.title}：{cn_time(d.due_at)}（{fmt_remaining(d.due_at, as_of)}）"


def department_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name)).all())


def more_rows(total: int, shown: int) -> str | None:
    return f"另有 {total - shown} 项未列出，详见控制台。" if total > shown else None
