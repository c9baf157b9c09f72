"""考核: each department's responsiveness over a week, month, quarter or year.

Reads the case records (clocks, disposal obligations, case actions, commitments,
escalations) and counts them by the rules in monitor/reports/counting.py (written out for
people in docs/reports.md). `department`: only that department's row, what a department
handler may see of the assessment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.loader import AppConfig
from monitor.errors import NotFound
from monitor.reports.common import Link, cn_period, cn_time, duration_text, grade_cell
from monitor.reports.counting import (
    EXCLUDED,
    MISSED,
    RESPONSE_KINDS,
    ClockRecord,
    Tally,
    clock_status,
    commitment_status,
    hours_text,
    median_hours,
    rate_text,
)
from monitor.reports.document import Chart, Document, Paragraph, Section, Series, Table
from monitor.reports.periods import Period
from monitor.storage.alerts import Escalation
from monitor.storage.models import Deadline, Department, Event, Transition
from monitor.storage.workflow import CaseAction, Commitment, DisposalObligation

UNASSIGNED = "未分派"
PRINCIPAL = "主要负责人"


def _ended(s: Session, event_ids: set[int]) -> dict[int, datetime]:
    """When each event was last closed or dismissed (a dismissed event can be reopened)."""
    out: dict[int, datetime] = {}
    ids = sorted(event_ids)
    for i in range(0, len(ids), 5000):
        rows = s.execute(
            select(Transition.event_id, func.max(Transition.at))
            .where(Transition.event_id.in_(ids[i : i + 5000]))
            .where(Transition.to_state.in_(("closed", "dismissed")))
            .group_by(Transition.event_id)
        )
        out.update({eid: as_utc(at) for eid, at in rows})
    return out


def load_clocks(s: Session, start: datetime, end: datetime) -> list[ClockRecord]:
    """Every clock and disposal obligation falling due in [start, end)."""
    rows = s.execute(
        select(Deadline, Event.department_id, Event.state)
        .join(Event, Event.id == Deadline.event_id)
        .where(Deadline.due_at >= start, Deadline.due_at < end)
    ).all()
    obligations = s.execute(
        select(DisposalObligation, Event.department_id, Event.state)
        .join(Event, Event.id == DisposalObligation.event_id)
        .where(DisposalObligation.due_at >= start, DisposalObligation.due_at < end)
    ).all()
    ended = _ended(s, {d.event_id for d, _, _ in rows} | {o.event_id for o, _, _ in obligations})
    out = [
        ClockRecord(
            d.event_id,
            dept,
            d.clock,
            d.title,
            as_utc(d.due_at),
            as_utc(d.met_at) if d.met_at else None,
            d.superseded,
            state,
            ended.get(d.event_id),
        )
        for d, dept, state in rows
    ]
    out += [
        ClockRecord(
            o.event_id,
            dept,
            f"obligation:{o.key}",
            f"处置义务：{o.title}",
            as_utc(o.due_at),
            as_utc(o.fulfilled_at) if o.fulfilled_at else None,
            False,
            state,
            ended.get(o.event_id),
        )
        for o, dept, state in obligations
    ]
    return out


def _principal_level(policy: dict) -> int:
    levels = policy.get("levels") or []
    for i, lv in enumerate(levels):
        if lv.get("who") == PRINCIPAL:
            return i
    return max(0, len(levels) - 1)


class _Dept:
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
    stats: dict[int | None, _Dept] = field(default_factory=lambda: defaultdict(_Dept))
    titles: dict[str, str] = field(default_factory=dict)
    missed: list[tuple[timedelta, list[str]]] = field(default_factory=list)
    commitments: list[list[str]] = field(default_factory=list)
    escalations: list[list[str]] = field(default_factory=list)


def build_assessment(
    session: Session, app: AppConfig, period: Period, now: datetime, department: str | None = None
) -> Document:
    w = period.window
    as_of = min(w.end, now)
    s = session
    depts = {d.id: d for d in s.scalars(select(Department))}
    only: int | None = None
    if department is not None:
        match = [d for d in depts.values() if d.code == department]
        if not match:
            raise NotFound(f"部门 {department!r} 不存在。")
        only = match[0].id
    f = Findings()
    stats, titles, missed_rows = f.stats, f.titles, f.missed
    url = app.settings.service.web.public_url.rstrip("/")

    def wanted(dept_id: int | None) -> bool:
        return only is None or dept_id == only

    events = s.execute(
        select(Event.id, Event.department_id, Event.state, Event.discovered_at, Event.title)
        .where(Event.discovered_at >= w.start, Event.discovered_at < w.end)
        .where(Event.state != "merged")
    ).all()
    event_titles = {eid: title for eid, _, _, _, title in events}
    first_response = dict(
        s.execute(
            select(CaseAction.event_id, func.min(CaseAction.at))
            .where(CaseAction.kind.in_(RESPONSE_KINDS))
            .where(
                CaseAction.event_id.in_(
                    select(Event.id).where(
                        Event.discovered_at >= w.start, Event.discovered_at < w.end
                    )
                )
            )
            .group_by(CaseAction.event_id)
        ).all()
    )
    for eid, dept_id, state, discovered, _title in events:
        if not wanted(dept_id):
            continue
        st = stats[dept_id]
        st.events += 1
        st.closed += state == "closed"
        answered = first_response.get(eid)
        if answered is not None and as_utc(answered) <= as_of:
            st.responses.append(as_utc(answered) - as_utc(discovered))
        else:
            st.unanswered += 1
    clocks = [c for c in load_clocks(s, w.start, w.end) if wanted(c.department_id)]
    need_titles = {c.event_id for c in clocks} - set(event_titles)
    if need_titles:
        event_titles.update(
            dict(
                s.execute(
                    select(Event.id, Event.title).where(Event.id.in_(sorted(need_titles)))
                ).all()
            )
        )
    for c in clocks:
        status, late = clock_status(c, as_of)
        st = stats[c.department_id]
        if status == EXCLUDED:
            continue
        st.tally.add(status)
        titles.setdefault(c.clock, c.title)
        st.by_clock[c.clock].add(status)
        if status == MISSED and late is not None:
            dept = depts[c.department_id].name if c.department_id in depts else UNASSIGNED
            missed_rows.append(
                (
                    late,
                    [
                        dept,
                        Link(
                            event_titles.get(c.event_id, f"事件 {c.event_id}"),
                            f"{url}/events/{c.event_id}",
                        ),
                        c.title,
                        cn_time(c.due_at),
                        cn_time(c.met_at) if c.met_at and c.met_at <= as_of else "未完成",
                        duration_text(late),
                    ],
                )
            )
    commitments = s.execute(
        select(Commitment, Event.department_id, Event.title)
        .join(Event, Event.id == Commitment.event_id)
        .where(Commitment.due_at >= w.start, Commitment.due_at < w.end)
    ).all()
    commitment_rows = f.commitments
    for c, dept_id, title in commitments:
        if not wanted(dept_id):
            continue
        state = commitment_status(
            as_utc(c.due_at), as_utc(c.fulfilled_at) if c.fulfilled_at else None, as_of
        )
        stats[dept_id].commitments[state] += 1
        if state in ("overdue", "kept_late"):
            late = (as_utc(c.fulfilled_at) if state == "kept_late" else as_of) - as_utc(c.due_at)
            commitment_rows.append(
                [
                    depts[dept_id].name if dept_id in depts else UNASSIGNED,
                    Link(title, f"{url}/events/{c.event_id}"),
                    c.text,
                    cn_time(c.due_at),
                    "逾期兑现" if state == "kept_late" else "逾期未兑现",
                    duration_text(late),
                ]
            )
    escalations = s.execute(
        select(Escalation, Event.department_id, Event.title, Event.grade)
        .join(Event, Event.id == Escalation.event_id)
        .where(Escalation.started_at >= w.start, Escalation.started_at < w.end)
    ).all()
    escalation_rows = f.escalations
    for esc, dept_id, title, grade in escalations:
        if not wanted(dept_id) or esc.level < _principal_level(esc.policy or {}):
            continue
        stats[dept_id].escalated += 1
        escalation_rows.append(
            [
                depts[dept_id].name if dept_id in depts else UNASSIGNED,
                Link(title, f"{url}/events/{esc.event_id}"),
                grade_cell(grade),
                esc.reason,
                cn_time(esc.started_at),
                f"已确认（{esc.acknowledged_by}，{cn_time(esc.acknowledged_at)}）"
                if esc.acknowledged_at
                else "未确认",
            ]
        )
    return _document(app, period, now, as_of, depts, f, department)


def _dept_name(depts: dict[int, Department], dept_id: int | None) -> str:
    return depts[dept_id].name if dept_id in depts else UNASSIGNED


def _document(
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
        summary=f"{period.label}舆情回应考核：到期 {total.due} 项，"
        f"按时率 {rate_text(total)}，超期 {total.missed} 项。",
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
