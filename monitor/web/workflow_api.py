"""The workflow JSON API: consultation, judgment, drafts and the three-level review,
publication, actions, the commitments ledger, and routing a text.

Each endpoint checks the role with `require` (what the console offers whom) and passes
the acting user to monitor.cases, which checks the role again and records the user.
Errors come back as {"error": "…"} in Chinese: 400 bad input, 403 role, 404 missing,
409 refused by the workflow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from monitor import cases
from monitor.cases.commitments import get_commitment
from monitor.cases.explain import explain_route
from monitor.cases.publishing import get_draft
from monitor.cases.reassign import reassign
from monitor.cases.route_record import routing_memory
from monitor.cases.view import case_view, commitment_view
from monitor.errors import Forbidden, InvalidTransition, NotFound, YuqingError
from monitor.storage.models import Event
from monitor.views import to_json
from monitor.web.api import ApiError, load_event
from monitor.web.auth import Principal
from monitor.web.case_roles import (
    Actor,
    Censor,
    Consulter,
    Drafter,
    Judge,
    Leader,
    Ledger,
    Publisher,
    Reader,
    Reassigner,
    Reviewer,
)
from monitor.web.openapi import body

router = APIRouter(prefix="/api")


M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpinionBody(_Body):
    department: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=5000)


class JudgmentBody(_Body):
    nature: str = Field(min_length=1, max_length=2000)
    disposal_class: str = Field(min_length=1, max_length=32)
    proposal: str = Field(min_length=1, max_length=5000)
    grade: str | None = None
    grade_reason: str | None = None


class DecisionBody(_Body):
    approve: bool
    note: str | None = None


class DraftBody(_Body):
    kind: str = "release"
    text: str = Field(min_length=1, max_length=50000)


class EditBody(_Body):
    text: str = Field(min_length=1, max_length=50000)


class ReviewBody(_Body):
    level: str
    approve: bool
    note: str | None = None
    publisher: str | None = None


class RedactBody(_Body):
    remove: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class PublishBody(_Body):
    fulfils: list[int] = []


class ActionBody(_Body):
    kind: str
    note: str = Field(min_length=1, max_length=5000)


class CommitmentBody(_Body):
    text: str = Field(min_length=1, max_length=5000)
    due_at: datetime


class FulfilBody(_Body):
    draft_id: int


class RouteBody(_Body):
    text: str = Field(min_length=1, max_length=50000)
    title: str = Field("", max_length=1000)
    kind: str | None = None  # board, manual, news, weibo, feed
    grade: str = "IV"


class ReassignBody(_Body):
    department: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


async def _body(request: Request, model: type[M]) -> M:
    # Read after the role check, and only as JSON, so a cross-site form cannot post it.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "请求体须为 JSON（Content-Type: application/json）。")
    try:
        return model.model_validate(json.loads(await request.body() or b"{}"))
    except (ValueError, ValidationError) as e:
        names = []
        if isinstance(e, ValidationError):
            names = sorted({str(x["loc"][-1]) for x in e.errors() if x.get("loc")})
        fields = "、".join(f"{k}" for k in model.model_fields)
        raise ApiError(
            400, f"请求体无效（{'、'.join(names) or 'JSON'}）。可用字段：{fields}。"
        ) from None


def _errors(fn: Callable[[], JSONResponse]) -> JSONResponse:
    try:
        return fn()
    except Forbidden as e:
        raise ApiError(403, str(e)) from None
    except NotFound as e:
        raise ApiError(404, str(e)) from None
    except InvalidTransition as e:
        raise ApiError(409, str(e)) from None
    except YuqingError as e:
        raise ApiError(400, str(e)) from None


async def _on_event(
    request: Request, user: Principal, event_id: int, act: Callable[[Session, Event], Any]
) -> JSONResponse:
    """Run `act` on the event the user may see, then answer the case as it now stands."""

    def work() -> JSONResponse:
        state = request.app.state
        with state.db.session() as s:
            event = load_event(s, user, event_id, lock=True)
            act(s, event)
            s.flush()
            return JSONResponse(to_json(case_view(s, event, state.now())))

    return await run_in_threadpool(_errors, work)


async def _on_draft(
    request: Request, user: Principal, draft_id: int, act: Callable[[Session, Any], Any]
) -> JSONResponse:
    def work() -> JSONResponse:
        state = request.app.state
        with state.db.session() as s:
            draft = get_draft(s, draft_id)
            event = load_event(s, user, draft.event_id, lock=True)
            act(s, draft)
            s.flush()
            return JSONResponse(to_json(case_view(s, event, state.now())))

    return await run_in_threadpool(_errors, work)


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.now()
    return now


@router.get(
    "/events/{event_id}/case",
    summary="事件的办理卷宗：会商意见、研判、稿件与审核、处置义务、承诺、记录",
)
async def api_case(request: Request, user: Reader, event_id: int) -> JSONResponse:
    return await _on_event(request, user, event_id, lambda s, e: None)


@router.post("/events/{event_id}/opinions", summary="提交会商意见", openapi_extra=body(OpinionBody))
async def api_opinion(request: Request, user: Consulter, event_id: int) -> JSONResponse:
    b = await _body(request, OpinionBody)
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: cases.add_opinion(s, e, b.department, b.text, user, _now(request)),
    )


@router.post(
    "/events/{event_id}/judgment",
    summary="提交研判（性质、处置类别、建议，可调整等级并说明理由）",
    openapi_extra=body(JudgmentBody),
)
async def api_judgment(request: Request, user: Judge, event_id: int) -> JSONResponse:
    b = await _body(request, JudgmentBody)
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: cases.record_judgment(
            s,
            e,
            user,
            _now(request),
            nature=b.nature,
            disposal_class=b.disposal_class,
            proposal=b.proposal,
            grade=b.grade,
            grade_reason=b.grade_reason,
        ),
    )


@router.post(
    "/events/{event_id}/judgment/decision",
    summary="领导批准或退回研判",
    openapi_extra=body(DecisionBody),
)
async def api_decision(request: Request, user: Leader, event_id: int) -> JSONResponse:
    b = await _body(request, DecisionBody)
    book = request.app.state.book
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: cases.decide_judgment(s, e, user, _now(request), book, b.approve, b.note),
    )


@router.post(
    "/events/{event_id}/drafts", summary="起草新闻稿、权威信息或答复", openapi_extra=body(DraftBody)
)
async def api_draft(request: Request, user: Drafter, event_id: int) -> JSONResponse:
    b = await _body(request, DraftBody)
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: cases.create_draft(s, e, user, _now(request), b.kind, b.text),
    )


@router.put(
    "/drafts/{draft_id}",
    summary="修改稿件正文（发布前；修改后重新从第一级审核）",
    openapi_extra=body(EditBody),
)
async def api_edit(request: Request, user: Drafter, draft_id: int) -> JSONResponse:
    b = await _body(request, EditBody)
    return await _on_draft(
        request, user, draft_id, lambda s, d: cases.edit_draft(s, d, user, _now(request), b.text)
    )


@router.post(
    "/drafts/{draft_id}/review", summary="三级审核：本级通过或退回", openapi_extra=body(ReviewBody)
)
async def api_review(request: Request, user: Reviewer, draft_id: int) -> JSONResponse:
    b = await _body(request, ReviewBody)
    return await _on_draft(
        request,
        user,
        draft_id,
        lambda s, d: cases.review(
            s, d, user, _now(request), b.level, b.approve, b.note, b.publisher
        ),
    )


@router.post(
    "/drafts/{draft_id}/redactions",
    summary="保密审查：删去稿件中的一段并说明理由（留痕）",
    openapi_extra=body(RedactBody),
)
async def api_redact(request: Request, user: Censor, draft_id: int) -> JSONResponse:
    b = await _body(request, RedactBody)
    return await _on_draft(
        request,
        user,
        draft_id,
        lambda s, d: cases.redact(s, d, user, _now(request), b.remove, b.reason),
    )


@router.post(
    "/drafts/{draft_id}/publish",
    summary="由指定发布人发布已审核的稿件，并记入所满足的时限和处置义务",
    openapi_extra=body(PublishBody),
)
async def api_publish(request: Request, user: Publisher, draft_id: int) -> JSONResponse:
    b = await _body(request, PublishBody)
    return await _on_draft(
        request,
        user,
        draft_id,
        lambda s, d: cases.publish(s, d, user, _now(request), b.fulfils),
    )


@router.post(
    "/events/{event_id}/actions",
    summary="记录发布会、移交等处置措施",
    openapi_extra=body(ActionBody),
)
async def api_action(request: Request, user: Actor, event_id: int) -> JSONResponse:
    b = await _body(request, ActionBody)
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: cases.record_action(s, e, user, _now(request), b.kind, b.note),
    )


@router.post(
    "/drafts/{draft_id}/commitments",
    summary="登记已发布稿件中的公开承诺",
    openapi_extra=body(CommitmentBody),
)
async def api_commit(request: Request, user: Ledger, draft_id: int) -> JSONResponse:
    b = await _body(request, CommitmentBody)
    if b.due_at.tzinfo is None:
        raise ApiError(400, "due_at 须带时区，如 2026-12-01T18:00:00+08:00。")
    return await _on_draft(
        request,
        user,
        draft_id,
        lambda s, d: cases.add_commitment(s, d, user, _now(request), b.text, b.due_at),
    )


@router.post(
    "/commitments/{commitment_id}/fulfil",
    summary="承诺兑现：以已发布的稿件公开结果",
    openapi_extra=body(FulfilBody),
)
async def api_fulfil(request: Request, user: Ledger, commitment_id: int) -> JSONResponse:
    b = await _body(request, FulfilBody)

    def work() -> JSONResponse:
        with request.app.state.db.session() as s:
            c = get_commitment(s, commitment_id)
            load_event(s, user, c.event_id, lock=True)
            cases.fulfil_commitment(s, c, get_draft(s, b.draft_id), user, _now(request))
            return JSONResponse(to_json(commitment_view(c, _now(request))))

    return await run_in_threadpool(_errors, work)


@router.get("/commitments", summary="承诺台账")
def api_commitments(request: Request, user: Reader, open: bool = False) -> JSONResponse:
    from monitor.web.scope import can_see

    now = _now(request)
    with request.app.state.db.session() as s:
        items = [
            commitment_view(c, now)
            for c in cases.ledger(s, open)
            if can_see(user, s.get(Event, c.event_id))  # type: ignore[arg-type]
        ]
    return JSONResponse(to_json({"total": len(items), "items": items}))


@router.post(
    "/route",
    summary="试算一段文字会分派给哪个部门及原因（谁主管谁负责）",
    openapi_extra=body(RouteBody),
)
async def api_route(request: Request, user: Reader) -> JSONResponse:
    b = await _body(request, RouteBody)
    state = request.app.state

    def work() -> JSONResponse:
        with state.db.session() as s:
            memory = routing_memory(s, state.now())
        r = explain_route(state.config.settings, b.text, b.grade, b.title, b.kind, memory)
        return JSONResponse(r)

    return await run_in_threadpool(_errors, work)


@router.post(
    "/events/{event_id}/reassign",
    summary="改派：把事件交由另一部门主办（此后相似的信息参考这次改派）",
    openapi_extra=body(ReassignBody),
)
async def api_reassign(request: Request, user: Reassigner, event_id: int) -> JSONResponse:
    b = await _body(request, ReassignBody)
    settings = request.app.state.config.settings
    return await _on_event(
        request,
        user,
        event_id,
        lambda s, e: reassign(s, e, b.department, user, b.reason, _now(request), settings),
    )
