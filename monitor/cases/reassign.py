"""Re-assigning an event to another lead department (改派): a person's decision, audited,
and kept as a lesson for routing (monitor/cases/route_record.py reads it back)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import Actor, actor_name, require_role
from monitor.config.models import Settings
from monitor.errors import InvalidTransition, NotFound
from monitor.storage.models import AuditLog, Department, Event, Mention
from monitor.storage.routing import RoutingCorrection
from workflow.states import OPEN_STATES, STATES

REASSIGN_ROLES = ("duty_officer", "office", "leader")
TEXT_CHARS = 5000


def event_text(session: Session, event: Event) -> str:
    """The event's first mention as routing read it (title, newline, text)."""
    first = session.scalar(
        select(Mention).where(Mention.event_id == event.id).order_by(Mention.id).limit(1)
    )
    return f"{first.title}\n{first.text}" if first else event.title


def reassign(
    session: Session,
    event: Event,
    code: str,
    actor: Actor | str,
    reason: str,
    now: datetime,
    settings: Settings,
) -> RoutingCorrection:
    """Make department `code` the event's lead; the old lead is no longer involved."""
    require_role(actor, REASSIGN_ROLES, "改派事件")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition("改派须写明理由。")
    if event.state not in OPEN_STATES:
        raise InvalidTransition(f"事件已{STATES[event.state]}，不能改派。")
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        codes = "、".join(d.code for d in settings.departments.departments)
        raise NotFound(f"部门 {code!r} 不存在（departments.yaml 中有：{codes}）。")
    old = event.department
    if old is not None and old.id == dept.id:
        raise InvalidTransition(f"事件已由{dept.name}主办。")
    who = actor_name(actor)
    row = RoutingCorrection(
        event_id=event.id,
        text=event_text(session, event)[:TEXT_CHARS],
        from_department=old.code if old else None,
        to_department=dept.code,
        reason=reason,
        actor=who,
        created_at=now,
    )
    session.add(row)
    event.department_id, event.department = dept.id, dept
    event.co_departments = [c for c in event.co_departments or [] if c != dept.code]
    origin = old.name if old else "未分派"
    event.routing_reasons = [
        *(event.routing_reasons or []),
        f"{who}改派：由{origin}改为{dept.name}主办（{reason}）",
    ]
    event.updated_at = now
    session.add(
        AuditLog(
            at=now,
            actor=who,
            action="reassign",
            object_type="event",
            object_id=str(event.id),
            detail={"from": old.code if old else None, "to": dept.code, "reason": reason},
        )
    )
    session.flush()
    return row
