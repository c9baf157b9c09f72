"""Console pages for manual intake (来信来电): the entry form, and the reporter's identity
on its own audited page for confidentiality officers and leaders (举报人保密,
reference/004_* 政务公开投诉举报制度 五).

The form calls monitor.intake.record, as POST /api/intake does, with the same roles. The
identity is shown on GET /intake/{mention_id}/reporter only; every view is audited there
by monitor.intake.reporter_for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from monitor.clock import BEIJING, beijing
from monitor.intake import CHANNELS, READERS, IntakeError, IntakeRecord, record, reporter_for
from monitor.storage.models import Department, Mention
from monitor.web.api import ApiError
from monitor.web.auth import COOKIE, Principal, read_form, require
from monitor.web.render import render

router = APIRouter()

# The same roles as POST /api/intake and GET /api/intake/{id}/reporter (monitor/web/intake.py).
Clerk = Annotated[Principal, Depends(require("duty_officer", "office"))]
Keeper = Annotated[Principal, Depends(require(*READERS))]

FIELDS = (
    "channel",
    "received_at",
    "title",
    "text",
    "department",
    "reporter_name",
    "reporter_phone",
    "reporter_employer",
    "reporter_address",
    "confidentiality_requested",
)
# field -> (longest allowed, its name in the message); the API's limits.
LIMITS = {
    "title": (500, "标题"),
    "text": (20000, "内容"),
    "reporter_name": (200, "姓名"),
    "reporter_phone": (100, "电话"),
    "reporter_employer": (300, "工作单位"),
    "reporter_address": (1000, "地址"),
}
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_beijing(text: str) -> datetime | None:
    """'2026-11-21 09:30' (or the browser's '2026-11-21T09:30') as Beijing time, aware."""
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    return None


def check(
    form: dict[str, str], codes: set[str], now: datetime
) -> tuple[dict[str, str], datetime | None]:
    """Per-field problems in Chinese (empty when none) and the parsed receipt time."""
    errors: dict[str, str] = {}
    if form["channel"] not in CHANNELS:
        errors["channel"] = "请选择渠道（来电、来信、信箱或来访）。"
    received = None
    if not form["received_at"].strip():
        errors["received_at"] = "请填写收到时间（北京时间）。"
    else:
        received = parse_beijing(form["received_at"])
        if received is None:
            errors["received_at"] = "收到时间格式应为 YYYY-MM-DD HH:MM（北京时间）。"
        elif received > now:
            errors["received_at"] = "收到时间不能晚于现在。"
    if not form["text"].strip():
        errors["text"] = "请填写来信来电的内容。"
    for name, (limit, label) in LIMITS.items():
        if len(form[name]) > limit and name not in errors:
            errors[name] = f"{label}不能超过 {limit} 字。"
    if form["department"] and form["department"] not in codes:
        errors["department"] = "请从列表中选择责任处室，或留空由系统分派。"
    return errors, received


def _departments(request: Request) -> list[tuple[str, str]]:
    with request.app.state.db.session() as s:
        return [(d.code, d.name) for d in s.scalars(select(Department).order_by(Department.id))]


def _form_page(
    request: Request,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "web/intake_form.html.j2",
        status_code=status_code,
        title="来信来电登记",
        form=form,
        errors=errors or {},
        error=error,
        channels=CHANNELS,
        dept_options=_departments(request),
        flash=request.app.state.sessions.pop_flash(request.cookies.get(COOKIE)),
    )


@router.get("/intake/new")
def intake_form(request: Request, user: Clerk) -> Response:
    now = request.app.state.now()
    form = dict.fromkeys(FIELDS, "")
    form["channel"] = "phone"
    form["received_at"] = beijing(now).strftime("%Y-%m-%dT%H:%M")
    return _form_page(request, form)


@router.post("/intake")
async def intake_submit(request: Request, user: Clerk) -> Response:
    raw = await read_form(request)
    form = {name: raw.get(name, "") for name in FIELDS}
    return await run_in_threadpool(_submit, request, user, form)


def _submit(request: Request, user: Principal, form: dict[str, str]) -> Response:
    now = request.app.state.now()
    codes = {code for code, _ in _departments(request)}
    errors, received = check(form, codes, now)
    if errors or received is None:
        return _form_page(request, form, errors, "请按提示修改标红的项目。", status_code=400)
    item = IntakeRecord(
        form["channel"],
        form["title"],
        form["text"],
        received,
        form["reporter_name"].strip() or None,
        form["reporter_phone"].strip() or None,
        form["reporter_employer"].strip() or None,
        form["reporter_address"].strip() or None,
        department=form["department"] or None,
        confidentiality_requested=bool(form["confidentiality_requested"]),
    )
    with request.app.state.db.session() as s:
        try:
            mention_id = record(s, item, user.name, now).id
        except IntakeError as e:
            s.rollback()
            return _form_page(request, form, error=str(e), status_code=400)
    kept = "；举报人信息已单独保密保存，仅保密员和领导可查看" if item.has_reporter() else ""
    request.app.state.sessions.set_flash(
        request.cookies.get(COOKIE),
        f"已登记：信息 #{mention_id}（{CHANNELS[item.channel]}）{kept}。"
        "系统分析后将自动研判等级、分派责任处室并起算答复时限。",
    )
    return RedirectResponse("/intake/new", status_code=303)


@router.get("/intake/{mention_id}/reporter")
def reporter_page(request: Request, user: Keeper, mention_id: int) -> Response:
    now = request.app.state.now()
    with request.app.state.db.session() as s:
        mention = s.get(Mention, mention_id)
        if mention is None or mention.kind != "manual":
            raise ApiError(404, f"信息 {mention_id} 不是人工登记的来信来电。")
        found: dict[str, Any] | None = reporter_for(s, mention_id, user.name, user.role, now)
        about = {
            "id": mention.id,
            "title": mention.title,
            "event_id": mention.event_id,
            "channel": CHANNELS.get((mention.extra or {}).get("channel", ""), "人工登记"),
            "received_at": mention.published_at,
            "asked": bool((mention.extra or {}).get("confidentiality_requested")),
        }
    if found is None:
        raise ApiError(404, f"信息 {mention_id} 没有登记举报人信息。")
    return render(
        request,
        "web/reporter.html.j2",
        title="举报人信息（保密）",
        mention=about,
        reporter=found,
        entered_at=datetime.fromisoformat(found["entered_at"]),
    )
