"""Read-side views of events, deadlines and mentions, shared by the console, the API and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import as_utc, beijing, fmt_remaining
from monitor.config.types import GRADE_NAMES, GRADES
from monitor.scoring.grade import one_line
from monitor.storage.lookups import SEEN_AT
from monitor.storage.models import Deadline, Department, Event, Mention, Transition, User
from workflow.states import OPEN_STATES, STATES, TRANSITIONS

URGENT = timedelta(hours=1)  # a countdown under this is highlighted
GRADE_ORDER = case({"I": 0, "II": 1, "III": 2, "IV": 3}, value=Event.grade, else_=4)
ALERT_STATUS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
MENTIONS_SHOWN = 100  # an event page shows this many of its mentions at a time


class BadFilter(ValueError):
    """A filter value that is not one of the known ones; the message is Chinese."""


def iso(value: datetime | None) -> str | None:
    return beijing(value).isoformat() if value else None


def to_json(value: Any) -> Any:
    """Views hold datetimes for the templates; the API shows them as ISO with +08:00."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def check_filters(state: str | None, grade: str | None) -> None:
    if state and state != "open" and state not in STATES:
        names = "、".join(f"{k}（{v}）" for k, v in STATES.items())
        raise BadFilter(f"state 取值“{state}”无效。可用：open（未办结）、{names}。")
    if grade and grade not in GRADES:
        raise BadFilter(f"grade 取值“{grade}”无效。可用：{'、'.join(GRADES)}。")


def departments(s: Session) -> dict[int, Department]:
    return {d.id: d for d in s.scalars(select(Department))}


def list_events(
    s: Session,
    scope: ColumnElement[bool] | None = None,
    *,
    state: str | None = None,
    grade: str | None = None,
    department: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[int, list[tuple[Event, Deadline | None]]]:
    """Events by nearest open deadline (overdue first), then grade, then newest."""
    check_filters(state, grade)
    next_due = (
        select(Deadline.event_id, func.min(Deadline.due_at).label("due"))
        .where(Deadline.met_at.is_(None), Deadline.superseded.is_(False))
        .group_by(Deadline.event_id)
        .subquery()
    )
    conds: list[ColumnElement[bool]] = []
    if scope is not None:  # e.g. a handler's own department (monitor/web/scope.py)
        conds.append(scope)
    if state == "open":
        conds.append(Event.state.in_(sorted(OPEN_STATES)))
    elif state:
        conds.append(Event.state == state)
    if grade:
        conds.append(Event.grade == grade)
    if department:
        dept_id = select(Department.id).where(Department.code == department).scalar_subquery()
        conds.append(Event.department_id == dept_id)
    total = s.scalar(select(func.count()).select_from(Event).where(*conds)) or 0
    rows = s.scalars(
        select(Event)
        .outerjoin(next_due, next_due.c.event_id == Event.id)
        .where(*conds)
        .order_by(next_due.c.due.is_(None), next_due.c.due, GRADE_ORDER, Event.discovered_at.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    nearest: dict[int, Deadline] = {}
    if rows:
        for d in s.scalars(
            select(Deadline)
            .where(
                Deadline.event_id.in_([e.id for e in rows]),
                Deadline.met_at.is_(None),
                Deadline.superseded.is_(False),
            )
            .order_by(Deadline.due_at)
        ):
            nearest.setdefault(d.event_id, d)
    return total, [(e, nearest.get(e.id)) for e in rows]


def countdown(due: datetime, now: datetime) -> dict[str, Any]:
    left = as_utc(due) - as_utc(now)
    return {
        "remaining": fmt_remaining(due, now),
        "remaining_seconds": int(left.total_seconds()),
        "overdue": left < timedelta(0),
        "urgent": left < URGENT,
    }


def _dept(depts: dict[int, Department], dept_id: int | None) -> dict[str, str] | None:
    d = depts.get(dept_id) if dept_id is not None else None
    return {"code": d.code, "name": d.name} if d else None


def event_summary(
    e: Event, nearest: Deadline | None, depts: dict[int, Department], now: datetime
) -> dict[str, Any]:
    next_deadline = None
    if nearest is not None:
        next_deadline = {
            "clock": nearest.clock,
            "title": nearest.title,
            "due_at": nearest.due_at,
            **countdown(nearest.due_at, now),
        }
    return {
        "id": e.id,
        "title": e.title,
        "state": e.state,
        "state_label": STATES.get(e.state, e.state),
        "grade": e.grade,
        "grade_label": GRADE_NAMES.get(e.grade, e.grade),
        "reasons": one_line(e.grade_reasons or []),
        "department": _dept(depts, e.department_id),
        "first_source": e.first_source,
        "first_url": e.first_url,
        "discovered_at": e.discovered_at,
        "mention_count": e.mention_count,
        # the comments read under its posts, and how many of them are negative
        "comments_read": e.comments_read or 0,
        "comments_negative": e.comments_negative or 0,
        "heat": round(e.heat or 0.0, 1),
        "next_deadline": next_deadline,
    }


def deadline_view(d: Deadline, now: datetime) -> dict[str, Any]:
    if d.superseded:
        status, label = "superseded", "已被取代"
    elif d.met_at is not None:
        late = as_utc(d.met_at) > as_utc(d.due_at)
        status, label = "met", "已完成（超时）" if late else "已完成（按时）"
    elif d.breached_at is not None or as_utc(d.due_at) <= as_utc(now):
        status, label = "breached", "已超时"
    else:
        status, label = "open", "进行中"
    view = {
        "id": d.id,
        "clock": d.clock,
        "title": d.title,
        "starts_at": d.starts_at,
        "due_at": d.due_at,
        "status": status,
        "status_label": label,
        "met_at": d.met_at,
        "met_by": d.met_by,
        "breached_at": d.breached_at,
        "fallback_calendar": d.fallback_calendar,
        "remaining": None,
    }
    if status in ("open", "breached"):
        view.update(countdown(d.due_at, now))
    return view


def mention_view(m: Mention, negative_at: float) -> dict[str, Any]:
    neg = m.negative
    sentiment = None if neg is None else ("负面" if neg >= negative_at else "非负面")
    return {
        "id": m.id,
        "event_id": m.event_id,
        "kind": m.kind,
        "source": m.source.title if m.source else None,
        "site": m.site,
        "title": m.title,
        "text": m.text,
        "author": m.author,
        "url": m.url,
        "published_at": m.published_at,
        "fetched_at": m.fetched_at,
        "negative": None if neg is None else round(neg, 2),
        "sentiment": sentiment,
        "heat": round(m.heat or 0.0, 1),
        "grade": m.grade,
        "reposts": m.reposts,
        "comments": m.comments,
        "likes": m.likes,
        "reply_status": m.reply_status,  # 已回复 / 未回复, as the board shows it
        "reply_text": (m.extra or {}).get("reply_text"),
        "posts": [_post_view(p) for p in (m.extra or {}).get("posts") or []],
    }


def _post_view(post: dict[str, Any]) -> dict[str, Any]:
    """One post (楼) of a board thread; `at` back to a datetime, the text as stored."""
    at = post.get("at")
    try:
        when = datetime.fromisoformat(at) if at else None
    except ValueError:
        when = None
    return {
        "author": post.get("author"),
        "at": when,
        "time": post.get("time"),  # the time as shown, when it could not be read
        "text": post.get("text") or "",
        "official": bool(post.get("official")),
    }


def event_detail(
    s: Session,
    e: Event,
    depts: dict[int, Department],
    now: datetime,
    negative_at: float,
    mentions_limit: int = MENTIONS_SHOWN,
    mentions_offset: int = 0,
) -> dict[str, Any]:
    """The event with its clocks, transitions and one page of its mentions, newest first
    (`mentions_total` says how many there are: an emergency has tens of thousands)."""
    nearest = next((d for d in e.deadlines if d.met_at is None and not d.superseded), None)
    view = event_summary(e, nearest, depts, now)
    by_code = {d.code: d.name for d in depts.values()}
    mentions = s.scalars(
        select(Mention)
        .options(selectinload(Mention.source))
        .where(Mention.event_id == e.id)
        .order_by(SEEN_AT.desc(), Mention.id.desc())  # ix_mentions_event_seen
        .limit(mentions_limit)
        .offset(mentions_offset)
    ).all()
    total = s.scalar(select(func.count()).where(Mention.event_id == e.id)) or 0
    transitions = s.scalars(
        select(Transition).where(Transition.event_id == e.id).order_by(Transition.at, Transition.id)
    ).all()
    actors = {t.actor for t in transitions}
    names = dict(s.execute(select(User.name, User.display_name).where(User.name.in_(actors))).all())
    view.update(
        {
            "grade_reasons": list(e.grade_reasons or []),
            "routing_reasons": list(e.routing_reasons or []),
            "co_departments": [
                {"code": c, "name": by_code.get(c, c)} for c in e.co_departments or []
            ],
            "owner": e.owner,
            "topics": list(e.topics or []),
            "allowed_transitions": [
                {"state": t, "label": STATES[t]} for t in TRANSITIONS.get(e.state, ())
            ],
            "deadlines": [deadline_view(d, now) for d in e.deadlines],
            "mentions": [mention_view(m, negative_at) for m in mentions],
            "mentions_total": total,
            "mentions_offset": mentions_offset,
            "mentions_limit": mentions_limit,
            "transitions": [
                {
                    "from": t.from_state,
                    "from_label": STATES.get(t.from_state or "", None),
                    "to": t.to_state,
                    "to_label": STATES.get(t.to_state, t.to_state),
                    "actor": t.actor,
                    "actor_name": names.get(t.actor, t.actor),
                    "reason": t.reason,
                    "at": t.at,
                }
                for t in transitions
            ],
        }
    )
    return view
