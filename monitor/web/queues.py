"""Work queues per role, on the console's front page `/`, and the counts in its header.

duty officer / office: every open event, nearest deadline first; handler: its own
department's events only (monitor/web/scope.py); confidentiality officer: drafts waiting
for review level 2; leader: judgments waiting for approval, drafts waiting for the leader's
level and active escalations (DOMAIN.md "Who uses the system"). Filters live in the URL;
/static/queue.js re-fetches the same URL and swaps the queue in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload

from monitor.accounts.roles import ROLES
from monitor.cases.publishing import review_state
from monitor.config.types import GRADE_NAMES, GRADES
from monitor.storage.alerts import Escalation
from monitor.storage.models import Deadline, Department, Event
from monitor.storage.workflow import Draft, Judgment
from monitor.views import BadFilter, check_filters, departments, event_summary, list_events
from monitor.web.api import ApiError
from monitor.web.auth import ALL_ROLES, COOKIE, NotPermitted, Principal, require
from monitor.web.render import render
from monitor.web.scope import visible
from workflow.actions import ACTION_KINDS, PUBLISHED_KINDS
from workflow.disposal import DISPOSAL_CLASSES
from workflow.review import LEVEL_NAMES
from workflow.states import OPEN_STATES, STATES

log = logging.getLogger(__name__)
router = APIRouter()
Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]

PAGE_SIZE = 100
REFRESH_SECONDS = 30
ORIGIN_KINDS = {
    "feed": "新闻源",
    "news": "新闻网站",
    "weibo": "微博",
    "board": "留言板",
    "manual": "来信来电",
}


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    roles: tuple[str, ...]  # who may open it (admin may open every queue)


QUEUES = {
    "events": Queue("events", "事件队列", ALL_ROLES),
    "review": Queue("review", "待保密审查稿件", ("confidentiality",)),
    "leader": Queue("leader", "待领导审批", ("leader",)),
}
# The queue `/` opens for each role.
HOME = {"confidentiality": "review", "leader": "leader"}


def home_queue(user: Principal) -> str:
    return HOME.get(user.role, "events")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Filters:
    state: str = "open"
    grade: str = ""
    department: str = ""
    kind: str = ""
    q: str = ""

    def event_conditions(self, user: Principal) -> list[ColumnElement[bool]]:
        """Conditions on Event shared by every queue (the state one is the events queue's)."""
        conds: list[ColumnElement[bool]] = []
        scope = visible(user)
        if scope is not None:
            conds.append(scope)
        if self.grade:
            conds.append(Event.grade == self.grade)
        if self.department:
            dept = select(Department.id).where(Department.code == self.department)
            conds.append(Event.department_id == dept.scalar_subquery())
        if self.q:
            conds.append(Event.title.like(_like(self.q), escape="\\"))
        return conds


def read_filters(
    state: str | None, grade: str | None, department: str | None, kind: str | None, q: str | None
) -> Filters:
    # An empty select arrives as ""; "all" means every state.
    f = Filters(
        state=state or "open",
        grade=grade or "",
        department=department or "",
        kind=kind or "",
        q=(q or "").strip()[:100],
    )
    try:
        check_filters(None if f.state == "all" else f.state, f.grade or None)
    except BadFilter as e:
        raise ApiError(400, str(e)) from None
    return f


def _nearest(s: Session, event_ids: list[int]) -> dict[int, Deadline]:
    found: dict[int, Deadline] = {}
    if event_ids:
        for d in s.scalars(
            select(Deadline)
            .where(
                Deadline.event_id.in_(event_ids),
                Deadline.met_at.is_(None),
                Deadline.superseded.is_(False),
            )
            .order_by(Deadline.due_at)
        ):
            found.setdefault(d.event_id, d)
    return found


def _by_deadline(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nearest (overdue first) deadline of the item's event first; no deadline last."""

    def key(item: dict[str, Any]) -> tuple[bool, datetime, int]:
        dl = item["event"]["next_deadline"]
        return (dl is None, dl["due_at"] if dl else item["at"], item["id"])

    return sorted(items, key=key)


def event_rows(
    s: Session, user: Principal, f: Filters, now: datetime, limit: int = PAGE_SIZE
) -> tuple[int, list[dict[str, Any]]]:
    conds = f.event_conditions(user)
    if f.kind:
        conds.append(Event.origin_kind == f.kind)
    total, rows = list_events(
        s,
        and_(*conds) if conds else None,
        state=None if f.state == "all" else f.state,
        limit=limit,
    )
    depts = departments(s)
    return total, [event_summary(e, d, depts, now) for e, d in rows]


def drafts_at(
    s: Session, user: Principal, level: str, f: Filters, now: datetime
) -> list[dict[str, Any]]:
    """Unpublished drafts whose three-level review waits for `level` (workflow/review.py)."""
    query = (
        select(Draft, Event)
        .join(Event, Event.id == Draft.event_id)
        .options(selectinload(Draft.steps))
        .where(Draft.published_at.is_(None), *f.event_conditions(user))
    )
    if f.kind:
        query = query.where(Draft.kind == f.kind)
    waiting = [(d, e) for d, e in s.execute(query) if review_state(d).next_level == level]
    nearest = _nearest(s, [e.id for _, e in waiting])
    depts = departments(s)
    items = [
        {
            "id": d.id,
            "kind": ACTION_KINDS.get(d.kind, d.kind),
            "revision": d.revision,
            "by": d.created_by,
            "at": d.updated_at,
            "levels_done": "、".join(LEVEL_NAMES[x] for x in review_state(d).approved_levels),
            "event": event_summary(e, nearest.get(e.id), depts, now),
        }
        for d, e in waiting
    ]
    return _by_deadline(items)


def pending_judgments(
    s: Session, user: Principal, f: Filters, now: datetime
) -> list[dict[str, Any]]:
    rows = s.execute(
        select(Judgment, Event)
        .join(Event, Event.id == Judgment.event_id)
        .where(Judgment.status == "draft", *f.event_conditions(user))
    ).all()
    nearest = _nearest(s, [e.id for _, e in rows])
    depts = departments(s)
    items = [
        {
            "id": j.id,
            "disposal": DISPOSAL_CLASSES[j.disposal_class].name
            if j.disposal_class in DISPOSAL_CLASSES
            else j.disposal_class,
            "grade": j.grade,
            "proposal": j.proposal,
            "by": j.drafted_by,
            "at": j.drafted_at,
            "event": event_summary(e, nearest.get(e.id), depts, now),
        }
        for j, e in rows
    ]
    return _by_deadline(items)


def active_escalations(
    s: Session, user: Principal, f: Filters, now: datetime
) -> list[dict[str, Any]]:
    rows = s.execute(
        select(Escalation, Event)
        .join(Event, Event.id == Escalation.event_id)
        .where(Escalation.resolved_at.is_(None), *f.event_conditions(user))
    ).all()
    nearest = _nearest(s, [e.id for _, e in rows])
    depts = departments(s)
    items = []
    for esc, e in rows:
        levels = esc.policy.get("levels") or [{}]
        level = min(esc.level, len(levels) - 1)
        items.append(
            {
                "id": esc.id,
                "level": f"{esc.level + 1}/{len(levels)}",
                "who": levels[level].get("who", ""),
                "reason": esc.reason,
                "at": esc.started_at,
                "acknowledged_by": esc.acknowledged_by,
                "acknowledged_at": esc.acknowledged_at,
                "event": event_summary(e, nearest.get(e.id), depts, now),
            }
        )
    return _by_deadline(items)


def header_counts(s: Session, user: Principal, now: datetime) -> list[dict[str, Any]]:
    """What waits for this user's role, as the header shows it: label, count, link."""
    everything = Filters()
    queue = home_queue(user)
    if queue == "review":
        n = len(drafts_at(s, user, "confidentiality", everything, now))
        return [{"label": "待保密审查", "count": n, "href": "/?queue=review"}]
    if queue == "leader":
        return [
            {
                "label": "待审批研判",
                "count": len(pending_judgments(s, user, everything, now)),
                "href": "/?queue=leader#judgments",
            },
            {
                "label": "待审批稿件",
                "count": len(drafts_at(s, user, "leader", everything, now)),
                "href": "/?queue=leader#drafts",
            },
            {
                "label": "升级中",
                "count": len(active_escalations(s, user, everything, now)),
                "href": "/?queue=leader#escalations",
            },
        ]
    total, _ = event_rows(s, user, everything, now, limit=0)
    label = "本处室未办结" if user.role == "handler" else "未办结事件"
    return [{"label": label, "count": total, "href": "/"}]


def counts_for(request: Request) -> list[dict[str, Any]]:
    """The header's counts for the signed-in user of this request (none for visitors)."""
    user = getattr(request.state, "principal", None)
    if user is None:
        return []
    try:
        with request.app.state.db.session() as s:
            return header_counts(s, user, request.app.state.now())
    except Exception as e:  # an error page must still render when the database does not
        log.warning("header counts failed: %s", type(e).__name__)
        return []


def _flash(request: Request) -> str | None:
    message: str | None = request.app.state.sessions.pop_flash(request.cookies.get(COOKIE))
    return message


@router.get("/")
def queue_page(
    request: Request,
    user: Reader,
    queue: str | None = None,
    state: str | None = None,
    grade: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> Response:
    key = queue or home_queue(user)
    if key not in QUEUES:
        raise ApiError(400, f"queue 取值“{key}”无效。可用：{'、'.join(QUEUES)}。")
    if not user.may(*QUEUES[key].roles):
        allowed = "、".join(ROLES[r] for r in QUEUES[key].roles)
        raise NotPermitted(user, f"无权访问：您的角色是{user.role_label}，此队列仅限{allowed}。")
    f = read_filters(state, grade, department, kind, q)
    now = request.app.state.now()
    ctx: dict[str, Any] = {
        "events": [],
        "total": 0,
        "drafts": [],
        "judgments": [],
        "escalations": [],
    }
    with request.app.state.db.session() as s:
        if key == "events":
            ctx["total"], ctx["events"] = event_rows(s, user, f, now)
        elif key == "review":
            ctx["drafts"] = drafts_at(s, user, "confidentiality", f, now)
            ctx["total"] = len(ctx["drafts"])
        else:
            ctx["judgments"] = pending_judgments(s, user, f, now)
            ctx["drafts"] = drafts_at(s, user, "leader", f, now)
            ctx["escalations"] = active_escalations(s, user, f, now)
            ctx["total"] = len(ctx["judgments"]) + len(ctx["drafts"]) + len(ctx["escalations"])
        dept_options = [
            (d.code, d.name) for d in s.scalars(select(Department).order_by(Department.id))
        ]
    kinds = (
        ORIGIN_KINDS if key == "events" else {k: ACTION_KINDS[k] for k in sorted(PUBLISHED_KINDS)}
    )
    return render(
        request,
        "web/queues.html.j2",
        title=_title(user, key),
        queue=key,
        tabs=[q for q in QUEUES.values() if user.may(*q.roles)],
        filters=f,
        dept_options=dept_options,
        grades=GRADES,
        grade_names=GRADE_NAMES,
        state_options=STATES,
        kind_options=kinds,
        open_states=OPEN_STATES,
        page_size=PAGE_SIZE,
        refresh_seconds=REFRESH_SECONDS,
        request_url=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        flash=_flash(request),
        **ctx,
    )


def _title(user: Principal, key: str) -> str:
    if key == "events" and user.role == "handler":
        return f"本处室事件（{user.department_name or '未分配处室'}）"
    return "事件列表" if key == "events" else QUEUES[key].title
