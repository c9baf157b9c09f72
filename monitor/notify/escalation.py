"""Escalation: an event that needs leaders climbs the policy's levels until someone
acknowledges it or it is resolved.

Starts when an event is created at or rises to the policy's grade, or when one of its clocks
is breached. The policy in force is snapshotted on the escalation, so a config change does
not rewrite an escalation under way. Each level notifies its channels at once and repeats
every `repeat_every` until acknowledged; unacknowledged, it climbs to the next level when that
level's `after` has passed. Acknowledging stops the repeats and the climbing; a breach later
starts it again. Resolved (the event closed, dismissed or merged, or none of its clocks left
unmet) ends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import Actor, require_role
from monitor.config.models import Settings
from monitor.config.types import parse_duration
from monitor.errors import NotFound
from monitor.notify.audience import level_role
from monitor.notify.outbox import KINDS, event_payload
from monitor.storage.alerts import Escalation
from monitor.storage.db import Database
from monitor.storage.models import Alert, AuditLog, Event
from workflow.states import OPEN_STATES


def start(
    session: Session,
    settings: Settings,
    event: Event,
    reason: str,
    now: datetime,
    restart: bool = False,
) -> Escalation | None:
    """Begin escalating `event` (level 1 notified now). With `restart`, an acknowledged
    escalation under way resumes its repeats (a breach after an acknowledgement)."""
    policy = settings.channels.escalation
    if policy is None:
        return None
    current = session.scalar(
        select(Escalation).where(Escalation.event_id == event.id, Escalation.resolved_at.is_(None))
    )
    if current is not None:
        if restart and current.acknowledged_at is not None:
            # a breach after an acknowledgement: back to whoever the elapsed time has reached
            current.acknowledged_at, current.acknowledged_by = None, None
            current.reason = reason
            current.level, current.notices = _reached(current, now), 0
            _notify(session, settings, current, event, now)
        return current
    esc = Escalation(
        event_id=event.id,
        reason=reason,
        policy=policy.model_dump(mode="json"),
        started_at=now,
        level=0,
        notices=0,
    )
    session.add(esc)
    session.flush()
    _notify(session, settings, esc, event, now)
    return esc


def step(db: Database, settings: Settings, now: datetime) -> int:
    """Climb, repeat or resolve every escalation under way; returns notifications queued."""
    queued = 0
    with db.session() as s:
        for esc in s.scalars(select(Escalation).where(Escalation.resolved_at.is_(None))):
            event = s.get_one(Event, esc.event_id)
            if _resolved(event):
                esc.resolved_at = now
                continue
            if esc.acknowledged_at is not None:
                continue
            reached = _reached(esc, now)
            repeat = parse_duration(esc.policy["repeat_every"])
            if reached > esc.level:
                esc.level, esc.notices = reached, 0
            elif esc.last_notified_at is not None and now - esc.last_notified_at < repeat:
                continue
            queued += _notify(s, settings, esc, event, now)
    return queued


ACKNOWLEDGERS = ("duty_officer", "handler", "leader", "office")


def current(session: Session, event_id: int, lock: bool = False) -> Escalation | None:
    """The event's escalation under way, if any (`lock`: for an update, on PostgreSQL)."""
    query = select(Escalation).where(
        Escalation.event_id == event_id, Escalation.resolved_at.is_(None)
    )
    return session.scalar(query.with_for_update() if lock else query)


def acknowledge(
    session: Session,
    event_id: int,
    actor: Actor,
    now: datetime,
    via: dict[str, Any] | None = None,
) -> Escalation:
    """Someone has taken it: the current level stops repeating and nothing climbs.
    `via`: how it was done, for the audit log (e.g. the Slack user who clicked)."""
    require_role(actor, ACKNOWLEDGERS, "确认升级通知")
    esc = current(session, event_id, lock=True)
    if esc is None:
        raise NotFound(f"事件 #{event_id} 没有进行中的升级，无需确认。")
    if esc.acknowledged_at is None:
        esc.acknowledged_at, esc.acknowledged_by = now, actor.name
        session.add(
            AuditLog(
                at=now,
                actor=actor.name,
                action="acknowledge",
                object_type="event",
                object_id=str(event_id),
                detail={"escalation": esc.id, "level": esc.level + 1} | (via or {}),
            )
        )
    return esc


def _reached(esc: Escalation, now: datetime) -> int:
    """The highest level whose `after` has passed since the escalation started."""
    elapsed = now - esc.started_at
    afters = [parse_duration(lv["after"]) for lv in esc.policy["levels"]]
    return max(i for i, after in enumerate(afters) if after <= elapsed)


def _resolved(event: Event) -> bool:
    if event.state not in OPEN_STATES:
        return True
    running = [d for d in event.deadlines if d.met_at is None and not d.superseded]
    return bool(event.deadlines) and not running


def _notify(
    session: Session, settings: Settings, esc: Escalation, event: Event, now: datetime
) -> int:
    level = esc.policy["levels"][esc.level]
    total = len(esc.policy["levels"])
    buttons = {c.name for c in settings.channels.channels if getattr(c, "signing_secret_env", None)}
    where = "控制台、Slack 消息中的确认按钮" if buttons & set(level["channels"]) else "控制台"
    note = (
        f"第 {esc.level + 1}/{total} 级（{level['who']}）：{esc.reason}；"
        f"尚无人确认（请在{where}或用 yuqing alerts ack {event.id} 确认）"
    )
    if esc.notices:
        note += f"；第 {esc.notices + 1} 次提醒"
    payload: dict[str, Any] = event_payload(event, settings.service.web.public_url) | {
        "kind": "escalation",
        "kind_label": KINDS["escalation"],
        "escalation": note,
    }
    for channel in level["channels"]:
        key = f"esc:{esc.id}:{esc.level}:{esc.notices}:{channel}"
        session.add(
            Alert(
                key=key,
                channel=channel,
                kind="escalation",
                event_id=event.id,
                payload=payload,
                audience=[level_role(level)],
                next_attempt_at=now,
                created_at=now,
            )
        )
    esc.notices += 1
    esc.last_notified_at = now
    return len(level["channels"])
