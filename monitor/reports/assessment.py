"""考核: each department's responsiveness over a week, month, quarter or year.

Reads the case records (clocks, disposal obligations, case actions, commitments,
escalations) and counts them by the rules in monitor/reports/counting.py (written out for
people in docs/reports.md). `department`: only that department's row, what a department
handler may see of the assessment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.loader import AppConfig
from monitor.errors import NotFound
from monitor.reports.assessment_document import (
    UNASSIGNED,
    Findings,
    assessment_document,
)
from monitor.reports.common import Link, cn_time, duration_text, grade_cell
from monitor.reports.counting import (
    EXCLUDED,
    MISSED,
    RESPONSE_KINDS,
    ClockRecord,
    clock_status,
    commitment_status,
)
from monitor.reports.document import Document
from monitor.reports.periods import Period
from monitor.storage.alerts import Escalation
from monitor.storage.models import Deadline, Department, Event, Transition
from monitor.storage.workflow import CaseAction, Commitment, DisposalObligation

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
    return assessment_document(app, period, now, as_of, depts, f, department)
