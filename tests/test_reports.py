"""The reports as a reader gets them, on a fixed dataset and a fixed clock: golden HTML and
Markdown (set YUQING_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then read
the diff), Word reopened with python-docx, chart SVG checked for its figures, hostile
scraped text shown as text in every format, a quiet day, and the reporter never named."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document as Docx
from markupsafe import escape

from monitor.reports.daily import build_daily
from monitor.reports.formats import render
from monitor.reports.messages import build_messages
from monitor.reports.periods import parse_period
from monitor.reports.render_html import render_html
from monitor.reports.render_markdown import render_markdown
from monitor.reports.special import build_special
from monitor.storage.db import Database
from tests.helpers.console import APP
from tests.helpers.report_cases import FIELD_CODE, NOW, REPORTER, SCRIPT, seed_cases

GOLDEN = Path(__file__).parent / "fixtures" / "reports"
DAY = datetime(2026, 11, 21).date()


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("YUQING_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def cases(database: Database):  # noqa: ANN201
    return seed_cases(database)


def test_daily_digest_golden(database: Database, cases) -> None:  # noqa: ANN001
    with database.session() as s:
        doc = build_daily(s, APP, DAY, NOW)
    golden("daily.md", render_markdown(doc))
    golden("daily.html", render_html(doc))


def test_daily_digest_figures(database: Database, cases) -> None:  # noqa: ANN001
    with database.session() as s:
        doc = build_daily(s, APP, DAY, NOW)
    assert doc.period == "统计时段：2026年11月20日 08:00 至 2026年11月21日 08:00（北京时间）"
    lead = doc.sections[0].blocks[0].text
    # 6 mentions collected in the window (E1 ×2, E2 ×2, E3, E4); 4 events found in it, of
    # which E3 was merged into E2 and is counted there
    assert lead.startswith("本时段共监测到相关信息 6 条（前一时段为 0 条），")
    assert "新增舆情事件 3 起（特别重大 1 起、较大 1 起、一般 1 起）" in lead
    html = render_html(doc)
    bars = re.findall(
        r'<rect class="bar" data-series="信息量（条）" data-label="(\d\d)时" data-value="(\d+)"',
        html,
    )
    assert len(bars) == 24 and sum(int(v) for _, v in bars) == 6
    assert dict(bars)["10"] == "1" and dict(bars)["16"] == "1"  # 02:00 and 08:00 UTC
    points = re.findall(r'<circle class="point" data-series="负面占比"', html)
    assert len(points) == 5  # a share only for the hours that had mentions
    grades = re.findall(r'data-series="新增事件" data-label="([^"]+)" data-value="(\d+)"', html)
    assert grades == [
        ("特别重大（I级）", "1"),
        ("重大（II级）", "0"),
        ("较大（III级）", "1"),
        ("一般（IV级）", "1"),
    ]


def test_a_quiet_day_still_makes_a_digest_that_says_so(database: Database) -> None:
    with database.session() as s:
        doc = build_daily(s, APP, DAY, NOW)
    md = render_markdown(doc)
    assert "本时段未监测到相关信息，无新增舆情事件" in md
    assert "本时段无新增舆情事件。" in md and "无超期未办的回应时限。" in md
    assert render(doc, ["html", "md", "docx"]).files.keys() == {"html", "md", "docx"}


def test_special_report_golden(database: Database, cases) -> None:  # noqa: ANN001
    with database.session() as s:
        doc = build_special(s, APP, cases.e1, NOW)
    golden("special.md", render_markdown(doc))
    html = render_html(doc)
    steps = re.findall(r'<rect class="step" data-stage="([^"]+)" data-value="(\d+)"', html)
    assert steps == [("首发", "1"), ("转载/转发", "1")]


def test_message_list_golden_and_no_reporter(database: Database, cases) -> None:  # noqa: ANN001
    with database.session() as s:
        doc = build_messages(s, APP, parse_period("2026-11"), NOW)
    md = render_markdown(doc)
    golden("messages.md", md)
    assert "张\\*\\*" in md and "张三" not in md  # the board's writer, masked
    assert "来电反映路灯坏了一个月" in md  # the call is listed, its caller nowhere
    files = render(doc, ["html", "md", "docx"]).files
    for fmt, content in files.items():
        text = content.decode("utf-8") if fmt != "docx" else _docx_text(content)
        assert REPORTER not in text and "13800000000" not in text, fmt


def _docx_text(content: bytes) -> str:
    d = Docx(io.BytesIO(content))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_hostile_text_is_text_in_every_format(database: Database, cases) -> None:  # noqa: ANN001
    """The daily shows the post's title (a <script>); the special report quotes its text as a
    netizen view (a Word field code and a vertical tab)."""
    with database.session() as s:
        daily = build_daily(s, APP, DAY, NOW)
        special = build_special(s, APP, cases.e1, NOW)
    for d in (daily, special):
        files = render(d, ["html", "md", "docx"]).files
        html = files["html"].decode()
        assert "<script" not in html.lower() and SCRIPT not in files["md"].decode()
        xml = zipfile.ZipFile(io.BytesIO(files["docx"])).read("word/document.xml").decode()
        assert "<w:instrText" not in xml and "<w:fldSimple" not in xml  # PAGE is in the footer
        assert "\x0b" not in xml
    assert "景区宰客&lt;script&gt;alert(1)&lt;/script&gt;" in render_html(daily)
    assert "景区宰客&lt;script&gt;alert(1)&lt;/script&gt;" in render_markdown(daily)
    assert "景区宰客<script>alert(1)</script>" in _docx_text(render(daily, ["docx"]).files["docx"])
    assert FIELD_CODE in _docx_text(render(special, ["docx"]).files["docx"])
    assert str(escape(FIELD_CODE)) in render_html(special)


def test_word_digest_is_laid_out_as_a_government_document(database: Database, cases) -> None:  # noqa: ANN001
    with database.session() as s:
        doc = build_daily(s, APP, DAY, NOW)
    d = Docx(io.BytesIO(render(doc, ["docx"]).files["docx"]))
    texts = [p.text for p in d.paragraphs]
    assert "舆情日报" in texts and "一、总体情况" in texts and "（一）新增事件" in texts
    assert len(d.inline_shapes) == 2  # the hourly chart and the grade chart, as pictures
    header = [c.text for c in d.tables[0].rows[0].cells]
    assert header == ["来源类型", "信息量", "较前一时段", "负面", "负面占比"]
    assert d.tables[0].rows[0]._tr.trPr is not None  # a repeating header row


def test_the_change_against_the_day_before_reads_as_prose() -> None:
    from monitor.reports.common import change, change_phrase

    assert change_phrase(115, 100) == "较前一时段增加 15 条、增长 15.0%"
    assert change_phrase(80, 100) == "较前一时段减少 20 条、下降 20.0%"
    assert change_phrase(7, 7) == "与前一时段持平"
    assert change_phrase(6, 0) == "前一时段为 0 条"
    assert change_phrase(0, 0) == "与前一时段持平"
    # the tables keep the short form
    assert change(115, 100) == "+15（+15.0%）"
    assert change(6, 0) == "+6（前一时段为 0）"
