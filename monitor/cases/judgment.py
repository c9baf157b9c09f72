"""会商 and 研判: consultation opinions, the judgment record and the leader's approval.

The judgment weighs content, public reaction and media involvement, the nature, trend
and risk, and proposes handling, which is reported for approval before it is carried
out (reference/004_* 二.2; 000_* 10). Approval opens the disposal class's obligations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import Actor, actor_name, require_role
from monitor.cases.core import require_involved
from monitor.cases.deadlines import DeadlineBook
from monitor.errors import Forbidden, InvalidTransition, NotFound, YuqingError
from monitor.storage.models import AuditLog, Department, Event
from monitor.storage.workflow import DisposalObligation, Judgment, Opinion
from workflow.disposal import DISPOSAL_CLASSES, unknown_class

GRADES = ("I", "II", "III", "IV")
JUDGE_ROLES = ("duty_officer", "office", "handler")
OPINION_ROLES = ("handler", "office", "leader")


def audit(
    session: Session, now: datetime, actor: str, action: str, obj: str, oid: int, **detail: object
) -> None:
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=action,
            object_type=obj,
            object_id=str(oid),
            detail=dict(detail),
        )
    )


def add_opinion(
    session: Session,
    event: Event,
    department: str,
    text: str,
    actor: Actor | str,
    now: datetime,
) -> Opinion:
    """Record one department's consultation opinion (会商)."""
    require_role(actor, OPINION_ROLES, "填写会商意见")
    if not text.strip():
        raise YuqingError("会商意见不能为空。")
    involved = {event.department.code if event.department else None, *event.co_departments}
    if department not in involved:
        codes = "、".join(sorted(c for c in involved if c))
        raise YuqingError(f"部门 {department!r} 不是该事件的主办或会商部门（{codes}）。")
    if not isinstance(actor, str) and actor.role == "handler":
        own = session.get(Department, actor.department_id) if actor.department_id else None
        if own is None or own.code != department:
            raise Forbidden("责任处室只能填写本处室的会商意见。")
    if event.state not in ("collected", "consulting", "judged"):
        raise InvalidTransition("事件已进入处置阶段，会商意见应在研判前填写。")
    op = Opinion(
        event_id=event.id, department=department, text=text.strip(), actor=actor_name(actor), at=now
    )
    session.add(op)
    session.flush()
    audit(session, now, actor_name(actor), "opinion", "event", event.id, department=department)
    return op


def record_judgment(
    session: Session,
    event: Event,
    actor: Actor | str,
    now: datetime,
    *,
    nature: str,
    disposal_class: str,
    proposal: str,
    grade: str | None = None,
    grade_reason: str | None = None,
) -> Judgment:
    """Write the judgment (研判意见); it waits for a leader's approval."""
    require_role(actor, JUDGE_ROLES, "填写研判意见")
    if not isinstance(actor, str) and actor.role == "handler":
        require_involved(session, actor, event)
    if event.state != "judged":
        raise InvalidTransition(f"研判意见在“研判”状态下填写；事件当前为 {event.state}。")
    problem = unknown_class(disposal_class)
    if problem:
        raise YuqingError(problem)
    if not nature.strip() or not proposal.strip():
        raise YuqingError("研判意见须写明性质（nature）和处置建议（proposal）。")
    final_grade = grade or event.grade
    if final_grade not in GRADES:
        raise YuqingError(f"风险等级应为 {'、'.join(GRADES)} 之一，实际为 {final_grade!r}。")
    if final_grade != event.grade and not (grade_reason or "").strip():
        raise YuqingError(f"调整风险等级（{event.grade} → {final_grade}）须写明理由。")
    for old in session.scalars(
        select(Judgment).where(Judgment.event_id == event.id, Judgment.status == "draft")
    ):
        old.status = "superseded"
    j = Judgment(
        event_id=event.id,
        nature=nature.strip(),
        disposal_class=disposal_class,
        grade=final_grade,
        grade_override_reason=(grade_reason or "").strip() or None,
        proposal=proposal.strip(),
        status="draft",
        drafted_by=actor_name(actor),
        drafted_at=now,
    )
    session.add(j)
    session.flush()
    audit(
        session,
        now,
        actor_name(actor),
        "judgment",
        "event",
        event.id,
        judgment=j.id,
        disposal_class=disposal_class,
        grade=final_grade,
        grade_reason=j.grade_override_reason,
    )
    return j


def pending_judgment(session: Session, event: Event) -> Judgment:
    j = session.scalar(
        select(Judgment)
        .where(Judgment.event_id == event.id, Judgment.status == "draft")
        .order_by(Judgment.id.desc())
    )
    if j is None:
        raise NotFound(f"事件 {event.id} 没有待审批的研判意见。")
    return j


def decide_judgment(
    session: Session,
    event: Event,
    actor: Actor | str,
    now: datetime,
    book: DeadlineBook,
    approve: bool,
    note: str | None = None,
) -> Judgment:
    """A leader approves (opening the disposal obligations) or returns the judgment."""
    require_role(actor, ("leader",), "审批研判意见")
    j = pending_judgment(session, event)
    if not approve and not (note or "").strip():
        raise YuqingError("退回研判意见须写明理由。")
    j.status = "approved" if approve else "returned"
    j.decided_by, j.decided_at, j.decision_note = actor_name(actor), now, note
    if approve:
        if j.grade != event.grade:
            event.grade = j.grade
            event.grade_reasons = [*event.grade_reasons, f"研判调整：{j.grade_override_reason}"]
        _open_obligations(session, event, j, book, now)
    audit(
        session,
        now,
        actor_name(actor),
        "judgment_approved" if approve else "judgment_returned",
        "event",
        event.id,
        judgment=j.id,
        note=note,
    )
    session.flush()
    return j


def _open_obligations(
    session: Session, event: Event, j: Judgment, book: DeadlineBook, now: datetime
) -> None:
    existing = {
        o.key
        for o in session.scalars(
            select(DisposalObligation).where(
                DisposalObligation.event_id == event.id, DisposalObligation.fulfilled_at.is_(None)
            )
        )
    }
    for ob in DISPOSAL_CLASSES[j.disposal_class].obligations:
        if ob.key in existing:
            continue
        due = book.due(ob.clock, now) if ob.clock in book.specs else None
        session.add(
            DisposalObligation(
                event_id=event.id,
                judgment_id=j.id,
                key=ob.key,
                title=ob.title,
                by=ob.by,
                due_at=due.due_at if due else now,
                fallback_calendar=due.fallback if due else False,
            )
        )
