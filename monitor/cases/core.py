"""Cases: open one, route it, run its clocks, move it between states (guarded, audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import SYSTEM, Actor, actor_name, require_role
from monitor.cases.deadlines import DeadlineBook
from monitor.cases.route_record import routing_memory
from monitor.config.models import Settings
from monitor.errors import Forbidden, InvalidTransition, NotFound
from monitor.scoring.grade import CATEGORY_NAMES
from monitor.storage.models import AuditLog, Deadline, Department, Event, Transition
from monitor.storage.workflow import Commitment, DisposalObligation, Judgment
from workflow.routing import DepartmentRule, route
from workflow.states import PAST_JUDGMENT, STATES, check_transition

MOVE_ROLES = ("duty_officer", "office", "leader", "handler")


def department_rules(settings: Settings) -> list[DepartmentRule]:
    return [
        DepartmentRule(
            code=d.code,
            name=d.name,
            level=d.level,
            parent=d.parent,
            topics=tuple(d.owns.topics),
            keywords=tuple(d.owns.keywords),
            categories=tuple(d.owns.categories),
            regions=tuple(d.owns.regions),
        )
        for d in settings.departments.departments
    ]


def sync_departments(session: Session, settings: Settings) -> None:
    """Make the departments table match departments.yaml (added or renamed; none deleted)."""
    existing = {d.code: d for d in session.scalars(select(Department))}
    office = settings.departments.office
    for d in settings.departments.departments:
        row = existing.get(d.code) or Department(code=d.code)
        row.name, row.level, row.leader = d.name, d.level, d.leader
        row.is_office = d.code == office
        session.add(row)
    session.flush()


def apply_routing(
    session: Session, event: Event, settings: Settings, text: str, now: datetime
) -> None:
    """Route by the first mention: `text` is its title and text joined by a newline, as
    open_case's callers give it; the agency's record (IDF, re-assignments) weighs in."""
    title, _, body = text.partition("\n") if "\n" in text else ("", "", text)
    r = route(
        body,
        event.topics,
        event.categories,
        department_rules(settings),
        settings.departments.office,
        event.grade,
        settings.departments.principal_leader,
        labels=CATEGORY_NAMES,
        title=title,
        kinds=event.kinds or [event.origin_kind],
        memory=routing_memory(session, now),
    )
    dept = session.scalar(select(Department).where(Department.code == r.lead))
    if dept is None:  # departments not synced yet
        sync_departments(session, settings)
        dept = session.scalar(select(Department).where(Department.code == r.lead))
    event.department_id = dept.id if dept else None
    event.department = dept
    event.co_departments = list(r.co)
    event.owner = r.owner
    event.routing_reasons = list(r.reasons)


def escalate_owner(event: Event, settings: Settings) -> None:
    """A rise to 特别重大 names the principal leader; the lead department stays as assigned
    (re-routing a case that people already work on is a person's decision, not the pipeline's).
    """
    if event.grade == "I" and event.owner != settings.departments.principal_leader:
        event.owner = settings.departments.principal_leader
        event.routing_reasons = [
            *event.routing_reasons,
            f"升为特别重大事件，由{event.owner}负总责",
        ]


def refresh_clocks(
    session: Session, event: Event, book: DeadlineBook, now: datetime, retire: bool = False
) -> list[Deadline]:
    """Open the clocks the event's facts call for, counted from discovery; retire the rest.

    A grade that rises switches to the tighter clocks, still counted from the original
    discovery time (the statute counts from 发现, not from the re-grading). Clocks are
    retired only when `retire` (the grade rose); a running clock never silently vanishes.
    """
    negative = event.negative_count * 2 > event.mention_count
    wanted = book.select(event.grade, set(event.categories), set(event.kinds), negative)
    names = {c for c, _ in wanted}
    current = {d.clock: d for d in event.deadlines if not d.superseded}
    retired = False
    for clock, d in current.items():
        if retire and clock not in names and d.met_at is None:
            d.superseded = retired = True
    added = []
    for clock, _rule in wanted:
        if clock in current:
            continue
        due = book.due(clock, event.discovered_at)
        d = Deadline(
            event_id=event.id,
            clock=clock,
            title=book.specs[clock].title,
            starts_at=event.discovered_at,
            due_at=due.due_at,
            fallback_calendar=due.fallback,
        )
        event.deadlines.append(d)
        added.append(d)
    if added or retired:  # (nothing to write otherwise: analysis calls this per mention)
        session.flush()
    return added


def open_case(
    session: Session, event: Event, settings: Settings, book: DeadlineBook, text: str, now: datetime
) -> None:
    session.add(
        Transition(
            event_id=event.id,
            from_state=None,
            to_state="collected",
            actor=SYSTEM,
            reason="监测发现，自动立案",
            at=now,
        )
    )
    apply_routing(session, event, settings, text, now)
    refresh_clocks(session, event, book, now)


def approved_judgment(session: Session, event: Event) -> Judgment | None:
    return session.scalar(
        select(Judgment)
        .where(Judgment.event_id == event.id, Judgment.status == "approved")
        .order_by(Judgment.id.desc())
    )


def _guard(session: Session, event: Event, target: str, reason: str, into: int | None) -> None:
    """The rules beyond the state table; raise InvalidTransition with the why."""
    if target in ("dismissed", "judged") and not reason:
        raise InvalidTransition(f"转为“{STATES[target]}”须写明理由。")
    if target in ("responding", "transferred"):
        judgment = approved_judgment(session, event)
        if judgment is None:
            raise InvalidTransition(
                "研判意见尚未经领导审批，不能开始处置（reference/004_* 二.2：处置建议报批后实施）。"
            )
        if target == "transferred" and judgment.disposal_class != "false_info":
            raise InvalidTransition(
                "只有研判为“虚假和不实信息”的事件才能移交公安机关、网络监管部门。"
            )
    if target == "merged":
        if into is None or into == event.id:
            raise InvalidTransition("合并须指明并入的另一个事件（into）。")
        if session.get(Event, into) is None:
            raise NotFound(f"事件 {into} 不存在。")
    if target == "closed":
        open_obligations = session.scalars(
            select(DisposalObligation).where(
                DisposalObligation.event_id == event.id, DisposalObligation.fulfilled_at.is_(None)
            )
        ).all()
        open_commitments = session.scalars(
            select(Commitment).where(
                Commitment.event_id == event.id, Commitment.fulfilled_at.is_(None)
            )
        ).all()
        if open_obligations or open_commitments:
            items = [f"处置义务“{o.title}”" for o in open_obligations]
            items += [f"承诺“{c.text}”" for c in open_commitments]
            raise InvalidTransition(f"还有未完成的事项，不能办结：{'；'.join(items)}。")


def require_involved(session: Session, actor: Actor, event: Event) -> None:
    """A handler acts only on events its department leads or is consulted on."""
    dept = session.get(Department, actor.department_id) if actor.department_id else None
    if dept is None or (dept.id != event.department_id and dept.code not in event.co_departments):
        raise Forbidden("只有事件的主办或会商处室可以办理该事件。")


def transition(
    session: Session,
    event: Event,
    target: str,
    actor: Actor | str,
    reason: str | None,
    now: datetime,
    into: int | None = None,
) -> None:
    """Move the event to `target` if the table and the guards allow it; audited."""
    require_role(actor, MOVE_ROLES, "变更事件状态")
    if not isinstance(actor, str) and actor.role == "handler":
        require_involved(session, actor, event)
    refusal = check_transition(event.state, target)
    if refusal:
        raise InvalidTransition(refusal.message)
    reason = (reason or "").strip()
    _guard(session, event, target, reason, into)
    who = actor_name(actor)
    if target == "judged" and event.state in PAST_JUDGMENT:
        # Re-judgment: the approval that started disposal no longer holds.
        for j in session.scalars(
            select(Judgment).where(Judgment.event_id == event.id, Judgment.status == "approved")
        ):
            j.status = "superseded"
    session.add(
        Transition(
            event_id=event.id,
            from_state=event.state,
            to_state=target,
            actor=who,
            reason=reason or None,
            at=now,
        )
    )
    detail: dict[str, object] = {"from": event.state, "to": target, "reason": reason or None}
    if into is not None:
        detail["into"] = into
    session.add(
        AuditLog(
            at=now,
            actor=who,
            action="transition",
            object_type="event",
            object_id=str(event.id),
            detail=detail,
        )
    )
    event.state = target
    event.updated_at = now
    session.flush()


def return_to_judgment(
    session: Session,
    event: Event,
    actor: Actor | str,
    reason: str,
    now: datetime,
    book: DeadlineBook | None = None,
) -> bool:
    """An event past judgment goes back to 研判 (e.g. its grade rose); True if it moved.

    Audited with the reason; the approved judgment is superseded, so disposal restarts
    only after a new approval. With `book`, the clocks switch to the ones the event's
    facts now call for, counted from the original discovery (refresh_clocks(retire=True)).
    """
    if event.state not in PAST_JUDGMENT:
        if book is not None:
            refresh_clocks(session, event, book, now, retire=True)
        return False
    transition(session, event, "judged", actor, reason, now)
    if book is not None:
        refresh_clocks(session, event, book, now, retire=True)
    return True
