"""The report model: what every report says, before any format renders it.

A builder (daily.py, special.py, assessment.py, messages.py) reads the database and returns
a `Document`; a renderer (render_html.py, render_markdown.py, render_docx.py) turns the same
`Document` into one format. Formats differ in rendering only: no renderer queries anything,
and every figure a reader sees is a field here.

Every string in a Document is plain text, possibly scraped and hostile: each renderer
escapes it for its own format (HTML entities, Markdown punctuation, XML characters).

Sections are numbered the way Chinese government documents number them (GB/T 9704):
level 1 `一、`, level 2 `（一）`, level 3 `1.`; `number()` computes the label so that every
format shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (section numbers stay below 100)."""
    if not 0 < n < 100:
        raise ValueError(f"section number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")


def number(path: tuple[int, ...]) -> str:
    """The label of a section at `path` (1-based positions from the top): 一、 （一） 1."""
    n = path[-1]
    if len(path) == 1:
        return f"{chinese_number(n)}、"
    if len(path) == 2:
        return f"（{chinese_number(n)}）"
    return f"{n}."


@dataclass
class Paragraph:
    text: str
    # body: 正文; lead: the summary sentence a section opens with; note: small print
    style: Literal["body", "lead", "note"] = "body"


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Facts:
    """Label / value pairs (a definition list): 事件等级：较大（III级）."""

    items: list[tuple[str, str]]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    # shown instead of an empty table, so a quiet day says so in words
    empty: str = "无。"
    # per row, an optional mark renderers may colour: "late" (breached), "grade-I" …
    marks: list[str | None] = field(default_factory=list)
    caption: str | None = None
    # columns kept on one line (a grade, a state): formats that wrap may honour it
    nowrap: list[int] = field(default_factory=list)

    def mark(self, i: int) -> str | None:
        return self.marks[i] if i < len(self.marks) else None


@dataclass
class Series:
    name: str
    # None: no value there (a share of an hour without mentions), drawn as a gap
    values: list[float | None]
    kind: Literal["bar", "line"] = "bar"
    axis: Literal["left", "right"] = "left"
    unit: str = ""  # "条", "%"


@dataclass
class Chart:
    """A bar and/or line chart over category labels (hours, grades, days)."""

    title: str
    labels: list[str]
    series: list[Series]
    # every n-th label is written under the axis (24 hourly labels do not fit)
    label_every: int = 1
    # what the chart would say in words, for formats or readers without pictures
    alt: str = ""


@dataclass
class FlowStep:
    stage: str  # 首发 / 转载转发 / 媒体跟进
    who: str  # the first publisher of the stage
    at: str  # Beijing time as shown, e.g. "12-02 09:15"
    count: int  # mentions in the stage


@dataclass
class Flow:
    """The propagation path 首发 → 转载/转发 → 媒体跟进, drawn as boxes and arrows."""

    title: str
    steps: list[FlowStep]
    alt: str = ""


Block = Paragraph | Bullets | Facts | Table | Chart | Flow


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


@dataclass
class Document:
    kind: Literal["daily", "special", "assessment", "messages"]
    title: str  # 舆情日报
    subtitle: str  # 2026年12月3日 / the event's title / 2026年11月
    issuer: str  # the issuing unit (落款), from service.yaml
    issued_at: datetime  # aware; shown as 2026年12月3日 in Beijing time
    period: str  # 统计时段：12月2日 08:00 至 12月3日 08:00
    sections: list[Section]
    # one or two sentences for chat channels and the email subject line
    summary: str = ""  # one line for lists and messages, after the title: no need to repeat it
    # file name without extension, e.g. 舆情日报-2026-12-03
    stem: str = "report"
    # 密级 / 内部资料 line printed above the title; empty for none
    classification: str = "内部资料 注意保存"

    def walk(self) -> Iterator[tuple[tuple[int, ...], Section]]:
        """Every section with its path, depth first, in reading order."""

        def go(sections: list[Section], prefix: tuple[int, ...]) -> Iterator:
            for i, s in enumerate(sections, 1):
                path = (*prefix, i)
                yield path, s
                yield from go(s.sections, path)

        yield from go(self.sections, ())

    def charts(self) -> list[Chart | Flow]:
        return [b for _, s in self.walk() for b in s.blocks if isinstance(b, Chart | Flow)]
