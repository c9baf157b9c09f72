"""考核 counted by hand on tests/helpers/report_cases.py and compared with the report: a
breached clock, a clock met late, a superseded clock after a grade rise, a merged event, an
event closed before its clock fell due, commitments kept and overdue, an escalation that
reached the principal leader, and a handler's view of its own department only."""

from __future__ import annotations

import pytest

from monitor.errors import NotFound
from monitor.reports.assessment import build_assessment
from monitor.reports.periods import BadPeriod, parse_period
from monitor.storage.db import Database
from tests.helpers.console import APP
from tests.helpers.report_cases import AFTER_MONTH, NOW, seed_cases


def table(doc, section: str) -> list[list[str]]:  # noqa: ANN001
    for _, s in doc.walk():
        if s.title == section:
            return [[str(c) for c in row] for row in s.blocks[0].rows]
    raise AssertionError(section)


def test_the_assessment_matches_a_count_by_hand(database: Database) -> None:
    seed_cases(database)
    with database.session() as s:
        doc = build_assessment(s, APP, parse_period("2026-11"), AFTER_MONTH)
    rows = {r[0]: r for r in table(doc, "各部门考核结果")}
    # department, events, closed, due, on time, missed, rate, median first response,
    # commitments kept/kept late/overdue, escalations to the principal leader
    assert rows["市文化和旅游局"] == [
        "市文化和旅游局",
        "1",
        "0",
        "2",
        "2",
        "0",
        "100.0%",
        "23.0小时",
        "0/0/1",
        "0",
    ]  # 48 h met after 23 h; the disposal obligation met a day early; a commitment overdue
    assert rows["市应急管理局"] == [
        "市应急管理局",
        "1",
        "0",
        "2",
        "0",
        "2",
        "0.0%",
        "7.0小时",
        "1/0/0",
        "1",
    ]  # 5 h met 2 h late, 24 h never met; the superseded 48 h and merged E3 not counted
    assert rows["市政府办公室"] == [
        "市政府办公室",
        "1",
        "1",
        "0",
        "0",
        "0",
        "—",
        "—",
        "0/0/0",
        "0",
    ]  # closed before its 5-working-day clock fell due: nothing owed
    missed = table(doc, "超期明细")
    assert [(r[0], r[2], r[4], r[5]) for r in missed] == [
        (
            "市应急管理局",
            "召开新闻发布会",
            "未完成",
            "9天10小时0分",
        ),  # 11-21 06:00 to 11-30 16:00 UTC (the end)
        ("市应急管理局", "发布权威信息", "11月20日 21:00", "2小时0分"),
    ]
    overdue = table(doc, "承诺逾期情况")
    assert [(r[0], r[2], r[4]) for r in overdue] == [
        ("市文化和旅游局", "一周内公布整改结果", "逾期未兑现")
    ]
    escalated = table(doc, "升级至主要负责人的事件")
    assert [(r[0], r[1]) for r in escalated] == [("市应急管理局", "临江隧道积水多车被困")]
    clocks = {(r[0], r[1]): r[2:] for r in table(doc, "各时限按时情况")}
    assert clocks[("市应急管理局", "发布权威信息")] == ["1", "0", "1", "0.0%", "0"]
    assert ("市应急管理局", "回应社会关切") not in clocks  # superseded, and E3's merged
    assert "按时率 50.0%" in doc.sections[0].blocks[0].text
    assert doc.summary == "到期 4 项，按时率 50.0%，超期 2 项。"


def test_a_handler_sees_only_its_own_department(database: Database) -> None:
    seed_cases(database)
    with database.session() as s:
        doc = build_assessment(s, APP, parse_period("2026-11"), AFTER_MONTH, "culture-tourism")
        with pytest.raises(NotFound, match="部门 'nope' 不存在"):
            build_assessment(s, APP, parse_period("2026-11"), AFTER_MONTH, "nope")
    assert [r[0] for r in table(doc, "各部门考核结果")] == ["市文化和旅游局"]
    assert table(doc, "超期明细") == [] and "市应急管理局" not in str(doc)
    assert doc.subtitle == "2026年11月（市文化和旅游局）"


def test_a_period_still_running_counts_only_what_has_fallen_due(database: Database) -> None:
    seed_cases(database)
    with database.session() as s:  # the morning after E2 was found: its 24 h not yet due
        doc = build_assessment(s, APP, parse_period("2026-W47"), NOW)
    rows = {r[0]: r for r in table(doc, "各部门考核结果")}
    assert rows["市应急管理局"][3:6] == ["1", "0", "1"]  # only the 5 h clock was due
    assert "统计至 2026年11月21日 10:00" in doc.period


@pytest.mark.parametrize(
    ("text", "label", "first", "last"),
    [
        ("2026-11", "2026年11月", "2026-11-01", "2026-11-30"),
        ("2026-q4", "2026年第四季度", "2026-10-01", "2026-12-31"),
        ("2026", "2026年", "2026-01-01", "2026-12-31"),
        ("2026-W48", "2026年第48周（11月23日至11月29日）", "2026-11-23", "2026-11-29"),
        ("2026-02", "2026年2月", "2026-02-01", "2026-02-28"),
    ],
)
def test_periods_as_people_write_them(text: str, label: str, first: str, last: str) -> None:
    p = parse_period(text)
    assert (p.label, p.first.isoformat(), p.last.isoformat()) == (label, first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-11", "2026-W60", "上月"])
def test_a_bad_period_says_what_is_expected(text: str) -> None:
    with pytest.raises(BadPeriod) as err:
        parse_period(text)
    assert text in str(err.value) or "周" in str(err.value) or "月份" in str(err.value)
