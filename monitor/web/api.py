"""The JSON API under /api: events, one event, state transitions, mentions, the alert outbox."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool

from monitor.cases import transition
from monitor.errors import Forbidden, InvalidTransition, NotFound
from monitor.notify import escalation
from monitor.storage.models import Alert, Event, Mention
from monitor.views import (
    ALERT_STATUS,
    MENTIONS_SHOWN,
    BadFilter,
    departments,
    event_detail,
    event_summary,
    list_events,
    mention_view,
    to_json,
)
from monitor.web.auth import ALL_ROLES, Principal, require
from monitor.web.openapi import body
from monitor.web.scope import can_see, visible
from workflow.states import STATES

router = APIRouter(prefix="/api")

Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
Mover = Annotated[Principal, Depends(require("duty_officer", "office", "leader", "handler"))]
Dispatcher = Annotated[Principal, Depends(require("duty_officer", "office"))]
MAX_PAGE = 500


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)
    into: int | None = None  # the other event, when merging


def _page(limit: int, offset: int, default: int) -> tuple[int, int]:
    if limit < 0 or offset < 0:
        raise ApiError(400, "limit 和 offset 不能为负数。")
    return min(limit or default, MAX_PAGE), offset


def load_event(s: Session, p: Principal, event_id: int, lock: bool = False) -> Event:
    """The event if it exists and the user may see it; ApiError 404/403 otherwise."""
    query = select(Event).options(selectinload(Event.deadlines)).where(Event.id == event_id)
    event = s.scalar(query.with_for_update() if lock else query)
    if event is None:
        raise ApiError(404, f"事件 {event_id} 不存在。")
    if not can_see(p, event):
        raise ApiError(403, "无权访问：该事件不由您所在的处室负责或会商。")
    return event


@router.get("/events", summary="事件列表：按状态、等级、责任部门筛选，最紧迫的在前")
def api_events(
    request: Request,
    user: Reader,
    state: str | None = None,
    grade: str | None = None,
    department: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> JSONResponse:
    limit, offset = _page(limit, offset, 200)
    now = request.app.state.now()
    with request.app.state.db.session() as s:
        try:
            total, rows = list_events(
                s,
                visible(user),
                state=state,
                grade=grade,
                department=department,
                limit=limit,
                offset=offset,
            )
        except BadFilter as e:
            raise ApiError(400, str(e)) from None
        depts = departments(s)
        items = [event_summary(e, d, depts, now) for e, d in rows]
    return JSONResponse(to_json({"total": total, "limit": limit, "offset": offset, "items": items}))


def _detail(
    request: Request,
    user: Principal,
    event_id: int,
    mentions_limit: int = MENTIONS_SHOWN,
    mentions_offset: int = 0,
) -> dict[str, Any]:
    state = request.app.state
    with state.db.session() as s:
        event = load_event(s, user, event_id)
        negative_at = state.config.settings.scoring.sentiment.negative_at
        detail = event_detail(
            s,
            event,
            departments(s),
            state.now(),
            negative_at,
            mentions_limit=mentions_limit,
            mentions_offset=mentions_offset,
        )
        return to_json(detail)


@router.get(
    "/events/{event_id}",
    summary="一个事件：等级与依据、时限、状态记录，及其信息（最新在前，分页）",
)
def api_event(
    request: Request,
    user: Reader,
    event_id: int,
    mentions_limit: int = MENTIONS_SHOWN,
    mentions_offset: int = 0,
) -> JSONResponse:
    """`mentions_total` gives how many mentions the event has; page with the two parameters."""
    limit, offset = _page(mentions_limit, mentions_offset, MENTIONS_SHOWN)
    return JSONResponse(_detail(request, user, event_id, limit, offset))


def move_event(
    request: Request, user: Principal, event_id: int, to: str, reason: str, into: int | None = None
) -> None:
    """Shared by the API and the page form: check scope, then let monitor.cases decide."""
    with request.app.state.db.session() as s:
        event = load_event(s, user, event_id, lock=True)
        try:
            transition(s, event, to, user, reason, request.app.state.now(), into=into)
        except InvalidTransition as e:
            raise ApiError(409, str(e)) from None
        except Forbidden as e:
            raise ApiError(403, str(e)) from None
        except NotFound as e:
            raise ApiError(404, str(e)) from None


@router.post(
    "/events/{event_id}/acknowledge", summary="确认事件的升级通知：不再重复提醒，也不再继续升级"
)
def api_acknowledge(request: Request, user: Mover, event_id: int) -> JSONResponse:
    """Acknowledge the event's escalation: no more repeats, no further climbing."""
    with request.app.state.db.session() as s:
        load_event(s, user, event_id)  # 404 / 403 for events the user may not see
        try:
            esc = escalation.acknowledge(s, event_id, user, request.app.state.now())
        except NotFound as e:
            raise ApiError(409, str(e)) from None
        except Forbidden as e:
            raise ApiError(403, str(e)) from None
        body = {
            "event_id": event_id,
            "level": esc.level + 1,
            "acknowledged_by": esc.acknowledged_by,
            "acknowledged_at": to_json(esc.acknowledged_at),
        }
    return JSONResponse(body)


@router.post(
    "/events/{event_id}/transition",
    summary="改变事件状态（收集、会商、研判、处置、评估、办结等）",
    openapi_extra=body(TransitionRequest),
)
async def api_transition(request: Request, user: Mover, event_id: int) -> JSONResponse:
    # The body is read here, after the role check, so a stranger learns nothing from 422s;
    # and only as JSON, so a cross-site form cannot post it.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "请求体须为 JSON（Content-Type: application/json）。")
    try:
        body = TransitionRequest.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError):
        raise ApiError(
            400,
            '请求体应为 {"to": "目标状态", "reason": "理由"}，两项都必填。'
            f"可用状态：{'、'.join(STATES)}。",
        ) from None
    if not body.reason.strip():
        raise ApiError(400, "请填写变更理由。")
    return await run_in_threadpool(_move_and_show, request, user, event_id, body)


def _move_and_show(
    request: Request, user: Principal, event_id: int, body: TransitionRequest
) -> JSONResponse:
    move_event(request, user, event_id, body.to, body.reason.strip(), body.into)
    return JSONResponse(_detail(request, user, event_id))


@router.get("/mentions", summary="信息列表")
def api_mentions(request: Request, user: Reader, limit: int = 50, offset: int = 0) -> JSONResponse:
    limit, offset = _page(limit, offset, 50)
    negative_at = request.app.state.config.settings.scoring.sentiment.negative_at
    query = select(Mention)
    scope = visible(user)
    if scope is not None:  # a handler sees the mentions of its department's events only
        query = query.join(Event, Mention.event_id == Event.id).where(scope)
    with request.app.state.db.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.scalars(
            query.options(selectinload(Mention.source))
            .order_by(Mention.fetched_at.desc(), Mention.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        items = [mention_view(m, negative_at) for m in rows]
    return JSONResponse(to_json({"total": total, "limit": limit, "offset": offset, "items": items}))


@router.get("/alerts", summary="预警消息及其投递情况")
def api_alerts(
    request: Request,
    user: Dispatcher,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> JSONResponse:
    limit, offset = _page(limit, offset, 100)
    if status and status not in ALERT_STATUS:
        raise ApiError(400, f"status 取值“{status}”无效。可用：{'、'.join(ALERT_STATUS)}。")
    query = select(Alert).where(Alert.status == status) if status else select(Alert)
    with request.app.state.db.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.scalars(
            query.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [
            {
                "id": a.id,
                "key": a.key,
                "channel": a.channel,
                "kind": a.kind,
                "event_id": a.event_id,
                "status": a.status,
                "status_label": ALERT_STATUS.get(a.status, a.status),
                "attempts": a.attempts,
                "last_error": a.last_error,
                "next_attempt_at": a.next_attempt_at,
                "created_at": a.created_at,
                "sent_at": a.sent_at,
            }
            for a in rows
        ]
    return JSONResponse(to_json({"total": total, "limit": limit, "offset": offset, "items": items}))
