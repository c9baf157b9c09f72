"""考核 as a document: the per-department figures counted by monitor/reports/assessment.py
laid out as the 考核通报 (summary, the per-department table and chart, missed deadlines,
commitments, escalations, and the counting rules)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config.loader import AppConfig
from monitor.reports.common import cn_period, cn_time
from monitor.reports.counting import Tally, hours_text, median_hours, rate_text
from monitor.reports.document import Chart, Document, Paragraph, Section, Series, Table
from monitor.reports.periods import Period
from monitor.storage.models import Department

UNASSIGNED = "未分派"


class DeptFigures:
    def __init__(self) -> None:
        self.events = 0
        self.closed = 0
        self.tally = Tally()
        self.by_clock: dict[str, Tally] = defaultdict(Tally)
        self.responses: list[timedelta] = []
        self.unanswered = 0
        self.commitments: dict[str, int] = defaultdict(int)
        self.escalated = 0


@dataclass
class Findings:
    stats: dict[int | None, DeptFigures] = field(default_factory=lambda: defaultdict(DeptFigures))
    titles: dict[str, str] = field(default_factory=dict)
    missed: list[tuple[timedelta, list[str]]] = field(default_factory=list)
    commitments: list[list[str]] = field(default_factory=list)
    escalations: list[list[str]] = field(default_factory=list)


def _dept_name(depts: dict[int, Department], dept_id: int | None) -> str:
    return depts[dept_id].name if dept_id in depts else UNASSIGNED


def assessment_document(
    app: AppConfig,
    period: Period,
    now: datetime,
    as_of: datetime,
    depts: dict[int, Department],
    f: Findings,
    department: str | None,
) -> Document:
    stats, titles, missed_rows = f.stats, f.titles, f.missed
    commitment_rows, escalation_rows = f.commitments, f.escalations
    order = sorted(stats, key=lambda i: (_dept_name(depts, i) == UNASSIGNED, _dept_name(depts, i)))
    total = Tally()
    for st in stats.values():
        total.on_time += st.tally.on_time
        total.missed += st.tally.missed
        total.pending += st.tally.pending
    all_responses = [d for st in stats.values() for d in st.responses]
    rows = []
    for i in order:
        st = stats[i]
        c = st.commitments
        rows.append(
            [
                _dept_name(depts, i),
                str(st.events),
                str(st.closed),
                str(st.tally.due),
                str(st.tally.on_time),
                str(st.tally.missed),
                rate_text(st.tally),
                hours_text(median_hours(st.responses)),
                f"{c['kept']}/{c['kept_late']}/{c['overdue']}",
                str(st.escalated),
            ]
        )
    marks = ["late" if stats[i].tally.missed else None for i in order]
    clock_rows = []
    for i in order:
        for clock, t in sorted(stats[i].by_clock.items(), key=lambda kv: titles.get(kv[0], kv[0])):
            clock_rows.append(
                [
                    _dept_name(depts, i),
                    titles.get(clock, clock),
                    str(t.due),
                    str(t.on_time),
                    str(t.missed),
                    rate_text(t),
                    str(t.pending),
                ]
            )
    chart = Chart(
        "各部门回应时限按时率",
        [_dept_name(depts, i) for i in order if stats[i].tally.due],
        [
            Series(
                "按时率",
                [round((stats[i].tally.rate or 0) * 100, 1) for i in order if stats[i].tally.due],
                "bar",
                "left",
                "%",
            )
        ],
        alt="；".join(
            f"{_dept_name(depts, i)} {rate_text(stats[i].tally)}"
            for i in order
            if stats[i].tally.due
        )
        or "本期无到期时限。",
    )
    missed_rows.sort(key=lambda r: (r[1][0], -r[0].total_seconds()))
    events_total = sum(st.events for st in stats.values())
    lead = (
        f"{period.label}，共有舆情事件 {events_total} 起；到期的回应时限和处置义务 {total.due} 项，"
        f"按时完成 {total.on_time} 项，超期 {total.missed} 项，按时率 {rate_text(total)}；"
        f"首次权威回应用时中位数 {hours_text(median_hours(all_responses))}；"
        f"逾期承诺 {len(commitment_rows)} 项；升级至主要负责人的事件 {len(escalation_rows)} 起。"
    )
    if not stats:
        lead = f"{period.label}，无舆情事件，也无到期的回应时限、处置义务和承诺。"
    sections = [
        Section("总体情况", [Paragraph(lead, "lead")] + ([chart] if chart.labels else [])),
        Section(
            "各部门考核结果",
            [
                Table(
                    [
                        "部门",
                        "事件",
                        "办结",
                        "到期时限",
                        "按时",
                        "超期",
                        "按时率",
                        "首次回应用时（中位）",
                        "承诺 按期/逾期兑现/逾期未兑现",
                        "升级至主要负责人",
                    ],
                    rows,
                    empty="本期无考核事项。",
                    marks=marks,
                )
            ],
        ),
        Section(
            "各时限按时情况",
            [
                Table(
                    ["部门", "时限", "到期", "按时", "超期", "按时率", "未到期"],
                    clock_rows,
                    empty="本期无到期的时限。",
                )
            ],
        ),
        Section(
            "超期明细",
            [
                Table(
                    ["部门", "事件", "时限", "截止时间", "完成时间", "超期"],
                    [r for _, r in missed_rows],
                    empty="本期无超期。",
                    marks=["late"] * len(missed_rows),
                )
            ],
        ),
        Section(
            "承诺逾期情况",
            [
                Table(
                    ["部门", "事件", "承诺", "截止时间", "情况", "逾期"],
                    commitment_rows,
                    empty="本期承诺均按期兑现或尚未到期。",
                    marks=["late"] * len(commitment_rows),
                )
            ],
        ),
        Section(
            "升级至主要负责人的事件",
            [
                Table(
                    ["部门", "事件", "等级", "升级原因", "开始升级", "确认"],
                    escalation_rows,
                    empty="本期无升级至主要负责人的事件。",
                )
            ],
        ),
        Section("统计口径", [Paragraph(x, "note") for x in RULES]),
    ]
    who = f"（{_dept_name(depts, next(iter(stats)))}）" if department and stats else ""
    window = period.window
    return Document(
        kind="assessment",
        title="舆情回应考核通报",
        subtitle=period.label + who,
        issuer=app.settings.service.digest.issuer,
        issued_at=now,
        period=cn_period(window)
        + ("" if as_of >= window.end else f"；统计至 {cn_time(as_of, year=True)}"),
        sections=sections,
        summary=f"到期 {total.due} 项，按时率 {rate_text(total)}，超期 {total.missed} 项。",
        stem=f"舆情回应考核-{period.text}" + (f"-{department}" if department else ""),
    )


RULES = [
    "1. 时限、处置义务和承诺按截止时间所在期间计入，归属事件的主办部门。",
    "2. 在截止时间前（含）完成为按时；截止后完成或到统计时点仍未完成为超期，"
    "超期时长为完成时间（或统计时点）减截止时间。",
    "3. 截止时间在统计时点之后的为未到期，不计入按时率。",
    "4. 事件等级上升后被更严格时限取代的原时限不计；按新时限计（仍从发现时起算）。",
    "5. 已并入其他事件的事件不单独计算，其事项由并入后的事件计算。",
    "6. 事件在时限截止前已办结或不予处置的，该时限不再计入；截止后才办结或不予处置的，计为超期。",
    "7. 按时率 = 按时 ÷（按时 + 超期）；"
    "首次回应用时为发现至首次发布权威信息、召开发布会或答复的时间。",
    "8. 升级至主要负责人：本期开始的升级中，到达“主要负责人”一级（未设此级时为最后一级）的。",
]
