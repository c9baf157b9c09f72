"""The workflow service layer: open a case, route it, run its clocks, move it between states."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config.models import Settings
from monitor.deadlines import DeadlineBook
from monitor.errors import InvalidTransition
from monitor.scoring.grade import CATEGORY_NAMES
from monitor.storage.models import AuditLog, Deadline, Department, Event, Transition
from workflow.routing import DepartmentRule, route
from workflow.states import check_transition

SYSTEM = "system"


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


def apply_routing(session: Session, event: Event, settings: Settings, text: str) -> None:
    r = route(
        text,
        event.topics,
        event.categories,
        department_rules(settings),
        settings.departments.office,
        event.grade,
        settings.departments.principal_leader,
        labels=CATEGORY_NAMES,
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
    for clock, d in current.items():
        if retire and clock not in names and d.met_at is None:
            d.superseded = True
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
    apply_routing(session, event, settings, text)
    refresh_clocks(session, event, book, now)


def transition(
    session: Session, event: Event, target: str, actor: str, reason: str | None, now: datetime
) -> None:
    refusal = check_transition(event.state, target)
    if refusal:
        raise InvalidTransition(refusal.message)
    session.add(
        Transition(
            event_id=event.id,
            from_state=event.state,
            to_state=target,
            actor=actor,
            reason=reason,
            at=now,
        )
    )
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action="transition",
            object_type="event",
            object_id=str(event.id),
            detail={"from": event.state, "to": target, "reason": reason},
        )
    )
    event.state = target
    event.updated_at = now
