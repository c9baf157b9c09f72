"""Server-rendered console pages: one event's file (the queues are in monitor/web/queues.py)
(with its state changes, the escalation's 确认 and officers' sentiment corrections)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from monitor.config.types import GRADES, parse_duration
from monitor.errors import Forbidden, NotFound
from monitor.notify import escalation
from monitor.scoring.labels import add_label
from monitor.storage.alerts import Escalation
from monitor.storage.models import Mention, User
from monitor.storage.scoring import LABEL_NAMES, LABELS, SentimentLabel
from monitor.views import MENTIONS_SHOWN, departments, event_detail
from monitor.web.api import ApiError, load_event, move_event
from monitor.web.auth import ALL_ROLES, COOKIE, Principal, read_form, require
from monitor.web.case_file import case_file
from monitor.web.case_offers import offers
from monitor.web.render import render
from monitor.web.scoring import LABELLERS, Labeller
from workflow.disposal import DISPOSAL_CLASSES
from workflow.states import STATES

router = APIRouter()

MOVERS = ("duty_officer", "office", "leader", "handler")
Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
Mover = Annotated[Principal, Depends(require(*MOVERS))]


def _flash(request: Request) -> str | None:
    return request.app.state.sessions.pop_flash(request.cookies.get(COOKIE))


def escalation_view(s: Any, event_id: int) -> dict[str, Any] | None:
    """The event's escalation under way, as the page shows it."""
    esc = s.scalar(
        select(Escalation).where(Escalation.event_id == event_id, Escalation.resolved_at.is_(None))
    )
    if esc is None:
        return None
    levels = esc.policy["levels"]
    return {
        "level": esc.level + 1,
        "levels": len(levels),
        "who": levels[esc.level]["who"],
        "reason": esc.reason,
        "repeat": fmt_span(parse_duration(esc.policy["repeat_every"])),
        "acknowledged_at": esc.acknowledged_at,
        "acknowledged_by": esc.acknowledged_by,
    }


def fmt_span(d: Any) -> str:
    minutes = int(d.total_seconds() // 60)
    return f"{minutes // 60} 小时" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} 分钟"


def latest_labels(s: Any, mention_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each mention's latest officer label (the one training uses), with who set it and when."""
    if not mention_ids:
        return {}
    rows = s.scalars(
        select(SentimentLabel)
        .where(SentimentLabel.mention_id.in_(mention_ids))
        .order_by(SentimentLabel.id)
    )
    latest = {r.mention_id: r for r in rows}
    actors = {r.actor for r in latest.values()}
    names = dict(s.execute(select(User.name, User.display_name).where(User.name.in_(actors))).all())
    return {
        mid: {
            "label": r.label,
            "name": LABEL_NAMES.get(r.label, r.label),
            "by": names.get(r.actor, r.actor),
            "at": r.created_at,
        }
        for mid, r in latest.items()
    }


def _mentions_page(request: Request) -> int:
    """The page of the event's mentions asked for (?page=N, from 1); anything else is 1."""
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _event_page(
    request: Request, user: Principal, event_id: int, status_code: int = 200, **extra: Any
) -> Response:
    state = request.app.state
    page = _mentions_page(request)
    with state.db.session() as s:
        event = load_event(s, user, event_id)
        negative_at = state.config.settings.scoring.sentiment.negative_at
        view = event_detail(
            s,
            event,
            departments(s),
            state.now(),
            negative_at,
            mentions_limit=MENTIONS_SHOWN,
            mentions_offset=(page - 1) * MENTIONS_SHOWN,
        )
        esc = escalation_view(s, event_id)
        labels = latest_labels(s, [m["id"] for m in view["mentions"]])
        case = case_file(s, event, state.now(), negative_at)
        offered = offers(s, user, event, case)
    context: dict[str, Any] = {
        "error": None,
        "form": {"to": "", "reason": ""},
        "flash": _flash(request),
        "escalation": esc,
        "case": case,
        "offers": offered,
        "refusal": None,
        "disposal_classes": DISPOSAL_CLASSES,
        "grades": GRADES,
    }
    context.update(extra)
    return render(
        request,
        "web/event.html.j2",
        status_code=status_code,
        title=view["title"],
        event=view,
        can_move=user.may(*MOVERS),
        can_report=user.may("office", "leader", "duty_officer"),
        can_label=user.may(*LABELLERS),
        labels=labels,
        label_names=LABEL_NAMES,
        mentions_page=page,
        mentions_pages=max(1, -(-view["mentions_total"] // MENTIONS_SHOWN)),
        **context,
    )


# The case forms (monitor/web/case_forms.py) re-render the page with a refusal through this.
event_page_response = _event_page


@router.get("/events/{event_id}")
def event_page(request: Request, user: Reader, event_id: int) -> Response:
    return _event_page(request, user, event_id)


@router.post("/events/{event_id}/acknowledge")
async def event_acknowledge(request: Request, user: Mover, event_id: int) -> Response:
    await read_form(request)  # same-origin check for cookie sessions
    return await run_in_threadpool(_acknowledge, request, user, event_id)


def _acknowledge(request: Request, user: Principal, event_id: int) -> Response:
    with request.app.state.db.session() as s:
        load_event(s, user, event_id)
        try:
            escalation.acknowledge(s, event_id, user, request.app.state.now())
        except (NotFound, Forbidden) as e:
            return _event_page(request, user, event_id, 409, error=str(e))
    request.app.state.sessions.set_flash(request.cookies.get(COOKIE), "已确认升级通知。")
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/transition")
async def event_transition(request: Request, user: Mover, event_id: int) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_submit, request, user, event_id, form)


def _submit(request: Request, user: Principal, event_id: int, form: dict[str, str]) -> Response:
    target, reason = form.get("to", "").strip(), form.get("reason", "").strip()
    values = {"to": target, "reason": reason}
    if not target or not reason:
        return _event_page(
            request, user, event_id, 400, form=values, error="请选择目标状态并填写变更理由。"
        )
    try:
        move_event(request, user, event_id, target, reason)
    except ApiError as e:
        if e.status != 409:
            raise
        # Shown on the page itself rather than carried in a redirect URL, so no link can
        # make this page display a message of someone else's choosing.
        return _event_page(request, user, event_id, 409, form=values, error=e.message)
    request.app.state.sessions.set_flash(
        request.cookies.get(COOKIE), f"已转为“{STATES.get(target, target)}”。"
    )
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/mentions/{mention_id}/sentiment")
async def mention_label(
    request: Request, user: Labeller, event_id: int, mention_id: int
) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(
        _label, request, user, event_id, mention_id, form.get("label", "")
    )


def _label(
    request: Request, user: Principal, event_id: int, mention_id: int, label: str
) -> Response:
    if label not in LABELS:
        raise ApiError(400, f"请选择{'、'.join(LABEL_NAMES.values())}之一。")
    with request.app.state.db.session() as s:
        load_event(s, user, event_id)
        mention = s.get(Mention, mention_id)
        if mention is None or mention.event_id != event_id:
            raise ApiError(404, f"信息 {mention_id} 不在事件 {event_id} 中。")
        add_label(s, mention, label, user.name, request.app.state.now())
    request.app.state.sessions.set_flash(
        request.cookies.get(COOKIE),
        f"已将信息 {mention_id} 标注为“{LABEL_NAMES[label]}”；重新训练情感模型后生效。",
    )
    return RedirectResponse(f"/events/{event_id}#m{mention_id}", status_code=303)
