"""The commitments ledger page (承诺台账, reference/002_* (三)7): every public commitment,
overdue first then nearest due, and its fulfilment by a published text for those allowed.

Fulfilling goes through monitor.cases.fulfil_commitment like POST /api/commitments/{id}/fulfil,
so the refusals are the same sentences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from monitor import cases
from monitor.cases.commitments import LEDGER_ROLES, commitment_status, get_commitment
from monitor.cases.publishing import get_draft
from monitor.clock import as_utc
from monitor.errors import Forbidden, InvalidTransition, NotFound, YuqingError
from monitor.storage.models import Department, Event
from monitor.storage.workflow import Commitment, Draft
from monitor.web.api import ApiError, load_event
from monitor.web.auth import ALL_ROLES, COOKIE, Principal, read_form, require
from monitor.web.render import render
from monitor.web.scope import visible

router = APIRouter()

Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
Keeper = Annotated[Principal, Depends(require(*LEDGER_ROLES))]  # as POST /api/commitments/…
STATUS_FILTERS = {"open": "未兑现", "all": "全部"}


def ledger_rows(s: Session, user: Principal, now: datetime, status: str) -> list[dict[str, Any]]:
    """The commitments the user may see: open overdue first, then open by nearest due,
    then the fulfilled ones (latest due first)."""
    query = select(Commitment, Event).join(Event, Event.id == Commitment.event_id)
    scope = visible(user)
    if scope is not None:
        query = query.where(scope)
    if status == "open":
        query = query.where(Commitment.fulfilled_at.is_(None))
    rows = s.execute(query).all()
    depts = {d.id: d.name for d in s.scalars(select(Department))}
    # A commitment is fulfilled only by another published text of the same event.
    published: dict[int, list[Draft]] = {}
    event_ids = sorted({e.id for _, e in rows})
    if event_ids:
        for d in s.scalars(
            select(Draft)
            .where(Draft.event_id.in_(event_ids), Draft.published_at.is_not(None))
            .order_by(Draft.published_at)
        ):
            published.setdefault(d.event_id, []).append(d)
    items = []
    for c, e in rows:
        open_ = c.fulfilled_at is None
        items.append(
            {
                "id": c.id,
                "text": c.text,
                "due_at": c.due_at,
                "status": commitment_status(c, now),
                "open": open_,
                "overdue": open_ and as_utc(now) >= as_utc(c.due_at),
                "late": c.breached_at is not None,
                "fulfilled_at": c.fulfilled_at,
                "fulfilment_draft": c.fulfilment_draft_id,
                "made_in_draft": c.draft_id,
                "event": {"id": e.id, "title": e.title, "state": e.state},
                "department": depts.get(e.department_id) if e.department_id else None,
                "candidates": [
                    {"id": d.id, "published_at": d.published_at, "text": d.text}
                    for d in published.get(e.id, [])
                    if d.id != c.draft_id
                ],
            }
        )

    def order(item: dict[str, Any]) -> tuple[int, float]:
        due = as_utc(item["due_at"]).timestamp()
        if item["open"]:
            return (0 if item["overdue"] else 1, due)
        return (2, -due)

    return sorted(items, key=lambda i: (*order(i), i["id"]))


def _page(
    request: Request,
    user: Principal,
    status: str = "all",
    status_code: int = 200,
    error: str | None = None,
    error_for: int | None = None,
) -> Response:
    now = request.app.state.now()
    with request.app.state.db.session() as s:
        items = ledger_rows(s, user, now, status)
    if error_for not in {i["id"] for i in items}:
        error_for = None  # shown above the table instead
    return render(
        request,
        "web/ledger.html.j2",
        status_code=status_code,
        title="承诺台账",
        items=items,
        status=status,
        status_filters=STATUS_FILTERS,
        overdue=sum(1 for i in items if i["overdue"]),
        open_count=sum(1 for i in items if i["open"]),
        can_fulfil=user.may(*LEDGER_ROLES),
        error=error,
        error_for=error_for,
        flash=request.app.state.sessions.pop_flash(request.cookies.get(COOKIE)),
    )


@router.get("/commitments")
def ledger_page(request: Request, user: Reader, status: str | None = None) -> Response:
    chosen = status or "all"
    if chosen not in STATUS_FILTERS:
        raise ApiError(400, f"status 取值“{chosen}”无效。可用：{'、'.join(STATUS_FILTERS)}。")
    return _page(request, user, chosen)


@router.post("/commitments/{commitment_id}/fulfil")
async def ledger_fulfil(request: Request, user: Keeper, commitment_id: int) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_fulfil, request, user, commitment_id, form)


def _fulfil(
    request: Request, user: Principal, commitment_id: int, form: dict[str, str]
) -> Response:
    raw = form.get("draft_id", "").strip()
    if not raw.isdigit():
        return _page(
            request,
            user,
            status_code=400,
            error="请选择兑现情况的已发布稿件。",
            error_for=commitment_id,
        )
    now = request.app.state.now()
    try:
        with request.app.state.db.session() as s:
            c = get_commitment(s, commitment_id)
            load_event(s, user, c.event_id, lock=True)
            cases.fulfil_commitment(s, c, get_draft(s, int(raw)), user, now)
            text = c.text
    except (Forbidden, NotFound, InvalidTransition, YuqingError) as e:
        code = {Forbidden: 403, NotFound: 404, InvalidTransition: 409}.get(type(e), 400)
        return _page(request, user, status_code=code, error=str(e), error_for=commitment_id)
    request.app.state.sessions.set_flash(
        request.cookies.get(COOKIE), f"承诺“{text[:40]}”已销号（以稿件 {raw} 兑现）。"
    )
    return RedirectResponse("/commitments", status_code=303)
