"""The event page's case forms: each POST calls the same monitor.cases function as its JSON
route (monitor/web/workflow_api.py, same roles), then redirects back to the event page with
a Chinese flash message; a refusal re-renders the page with the service's sentence and the
user's input kept in the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from monitor import cases
from monitor.cases.commitments import get_commitment
from monitor.cases.publishing import get_draft
from monitor.cases.reassign import reassign as reassign_event
from monitor.errors import Forbidden, InvalidTransition, NotFound, YuqingError
from monitor.storage.models import Department, Event
from monitor.storage.workflow import Draft
from monitor.web.api import load_event
from monitor.web.auth import COOKIE, Principal, read_form
from monitor.web.case_roles import (
    Actor,
    Censor,
    Consulter,
    Drafter,
    Judge,
    Leader,
    Ledger,
    Publisher,
    Reassigner,
    Reviewer,
)
from workflow.actions import ACTION_KINDS
from workflow.review import LEVEL_NAMES

router = APIRouter()


BEIJING = ZoneInfo("Asia/Shanghai")
REASON_CHARS = 2000
STATUS = {Forbidden: 403, NotFound: 404, InvalidTransition: 409}
# act(session, event, form, now) -> the flash message; raises YuqingError to refuse.
Act = Callable[[Session, Event, dict[str, str], datetime], str]


def _status(e: YuqingError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(e, kind)), 400)


async def _handle(
    request: Request, user: Principal, event_id: int, key: str, act: Act, anchor: str = ""
) -> Response:
    form = await read_form(request)  # also the same-origin check for cookie sessions
    form.pop("csrf_token", None)  # never echoed back into the page
    return await run_in_threadpool(_run, request, user, event_id, key, form, act, anchor)


def _run(
    request: Request,
    user: Principal,
    event_id: int,
    key: str,
    form: dict[str, str],
    act: Act,
    anchor: str,
) -> Response:
    from monitor.web.pages import event_page_response

    state = request.app.state
    try:
        with state.db.session() as s:
            event = load_event(s, user, event_id, lock=True)
            message = act(s, event, form, state.now())
    except YuqingError as e:
        refusal = {"form": key, "message": str(e), "values": form, "anchor": anchor or key}
        return event_page_response(request, user, event_id, _status(e), refusal=refusal)
    state.sessions.set_flash(request.cookies.get(COOKIE), message)
    return RedirectResponse(f"/events/{event_id}#{anchor or key}", status_code=303)


async def _many(request: Request, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes); read_form keeps only the first."""
    if await read_form(request):  # a urlencoded body within the size limit
        return parse_qs((await request.body()).decode("utf-8", errors="replace")).get(name, [])
    return []


def _draft(s: Session, event: Event, draft_id: int) -> Draft:
    d = get_draft(s, draft_id)
    if d.event_id != event.id:
        raise NotFound(f"稿件 {draft_id} 不属于事件 {event.id}。")
    return d


def _beijing_time(value: str) -> datetime:
    """A datetime-local field (Beijing time, as the form says) as an aware datetime."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise YuqingError("请填写兑现期限（日期和时间，北京时间）。") from None
    return parsed.replace(tzinfo=BEIJING) if parsed.tzinfo is None else parsed


@router.post("/events/{event_id}/opinions")
async def opinion(request: Request, user: Consulter, event_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        cases.add_opinion(s, e, f.get("department", ""), f.get("text", ""), user, now)
        return "会商意见已记录。"

    return await _handle(request, user, event_id, "opinion", act)


@router.post("/events/{event_id}/judgment")
async def judgment(request: Request, user: Judge, event_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        j = cases.record_judgment(
            s,
            e,
            user,
            now,
            nature=f.get("nature", ""),
            disposal_class=f.get("disposal_class", ""),
            proposal=f.get("proposal", ""),
            grade=f.get("grade") or None,
            grade_reason=f.get("grade_reason") or None,
        )
        return f"研判意见 #{j.id} 已提交，待领导审批。"

    return await _handle(request, user, event_id, "judgment", act)


@router.post("/events/{event_id}/judgment/decision")
async def decision(request: Request, user: Leader, event_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        approve = f.get("decision") == "approve"
        book = request.app.state.book
        j = cases.decide_judgment(s, e, user, now, book, approve, f.get("note") or None)
        return f"研判意见 #{j.id} 已{'批准，处置义务已开始计时' if approve else '退回'}。"

    return await _handle(request, user, event_id, "decision", act, "judgment")


@router.post("/events/{event_id}/drafts")
async def draft(request: Request, user: Drafter, event_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        d = cases.create_draft(s, e, user, now, f.get("kind", ""), f.get("text", ""))
        return f"稿件 #{d.id} 已起草，请进行拟稿人自审。"

    return await _handle(request, user, event_id, "draft", act, "drafts")


@router.post("/events/{event_id}/drafts/{draft_id}/edit")
async def edit(request: Request, user: Drafter, event_id: int, draft_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        d = _draft(s, e, draft_id)
        before = d.revision
        cases.edit_draft(s, d, user, now, f.get("text", ""))
        if d.revision == before:
            return f"稿件 #{d.id} 内容未变。"
        return f"稿件 #{d.id} 已改为第 {d.revision} 版，三级审查重新开始。"

    return await _handle(request, user, event_id, f"edit-{draft_id}", act, f"d{draft_id}")


@router.post("/events/{event_id}/drafts/{draft_id}/review")
async def review(request: Request, user: Reviewer, event_id: int, draft_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        d = _draft(s, e, draft_id)
        level, approve = f.get("level", ""), f.get("decision") == "approve"
        st = cases.review(
            s, d, user, now, level, approve, f.get("note") or None, f.get("publisher") or None
        )
        name = LEVEL_NAMES.get(level, level)
        if not approve:
            return f"{name}：已退回修改。"
        if st.publishable:
            return f"{name}：已通过。三级审查完成，由 {st.publisher} 发布。"
        return f"{name}：已通过。下一步：{LEVEL_NAMES[st.next_level or 'drafter']}。"

    return await _handle(request, user, event_id, f"review-{draft_id}", act, f"d{draft_id}")


@router.post("/events/{event_id}/drafts/{draft_id}/redactions")
async def redact(request: Request, user: Censor, event_id: int, draft_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        d = _draft(s, e, draft_id)
        # the passage exactly as typed: a trimmed space could make it miss the text
        cases.redact(s, d, user, now, f.get("remove", ""), f.get("reason", ""))
        return f"已删除所选内容（第 {d.revision} 版）；删改已留痕，三级审查重新开始。"

    return await _handle(request, user, event_id, f"redact-{draft_id}", act, f"d{draft_id}")


@router.post("/events/{event_id}/drafts/{draft_id}/publish")
async def publish(request: Request, user: Publisher, event_id: int, draft_id: int) -> Response:
    fulfils = [int(i) for i in await _many(request, "fulfils") if i.isdigit()]

    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        a = cases.publish(s, _draft(s, e, draft_id), user, now, fulfils)
        met = "、".join(d.title for d in e.deadlines if d.clock in (a.clocks_met or []))
        return f"稿件 #{draft_id} 已发布。" + (f"满足时限：{met}。" if met else "")

    return await _handle(request, user, event_id, f"publish-{draft_id}", act, f"d{draft_id}")


@router.post("/events/{event_id}/actions")
async def action(request: Request, user: Actor, event_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        kind = f.get("kind", "")
        a = cases.record_action(s, e, user, now, kind, f.get("note", ""))
        met = "、".join(d.title for d in e.deadlines if d.clock in (a.clocks_met or []))
        return f"已记录：{ACTION_KINDS.get(kind, kind)}。" + (f"满足时限：{met}。" if met else "")

    return await _handle(request, user, event_id, "action", act, "actions")


@router.post("/events/{event_id}/drafts/{draft_id}/commitments")
async def commit(request: Request, user: Ledger, event_id: int, draft_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        due = _beijing_time(f.get("due_at", ""))
        c = cases.add_commitment(s, _draft(s, e, draft_id), user, now, f.get("text", ""), due)
        return f"承诺 #{c.id} 已登记入承诺台账。"

    return await _handle(request, user, event_id, f"commit-{draft_id}", act, "commitments")


@router.post("/events/{event_id}/commitments/{commitment_id}/fulfil")
async def fulfil(request: Request, user: Ledger, event_id: int, commitment_id: int) -> Response:
    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        c = get_commitment(s, commitment_id)
        if c.event_id != e.id:
            raise NotFound(f"承诺 {commitment_id} 不属于事件 {e.id}。")
        raw = f.get("draft_id", "")
        if not raw.isdigit():
            raise YuqingError("请选择兑现该承诺的已发布稿件。")
        cases.fulfil_commitment(s, c, _draft(s, e, int(raw)), user, now)
        late = "（逾期兑现，已记录）" if c.breached_at else ""
        return f"承诺 #{c.id} 已销号{late}。"

    return await _handle(request, user, event_id, f"fulfil-{commitment_id}", act, "commitments")


@router.post("/events/{event_id}/reassign")
async def reassign(request: Request, user: Reassigner, event_id: int) -> Response:
    settings = request.app.state.config.settings

    def act(s: Session, e: Event, f: dict[str, str], now: datetime) -> str:
        code = f.get("department", "")
        # The service's own message for an unknown code lists departments.yaml's codes, for
        # the CLI; the form's user chose from names, so ask them to choose again.
        if not code or s.scalar(select(Department.id).where(Department.code == code)) is None:
            raise YuqingError("请从列表中选择改派后的主办部门。")
        reason = f.get("reason", "")
        if len(reason.strip()) > REASON_CHARS:  # as the JSON route's ReassignBody
            raise YuqingError(f"改派理由请控制在 {REASON_CHARS} 字以内。")
        before = e.department.name if e.department else "未分派"
        reassign_event(s, e, code, user, reason, now, settings)
        after = e.department.name if e.department else code
        return f"已改派：由{before}改为{after}主办。"

    return await _handle(request, user, event_id, "reassign", act)
