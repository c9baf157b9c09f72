"""报告 in the console: the reports made (日报, 专报, 考核, 留言公开清单) with a download per
format, the digest made on demand, and an event's 专报 from its page.

Who: the office, leaders and duty officers see every report and make the digest and an
event's 专报. A department handler sees the assessments only, and of each only its own
department's row (built on request from the case records, never the whole file).
Report pages are the stored files served under their own CSP: inline styles only, no
script at all, and `sandbox`, so even a report's own bytes cannot act on the console.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from monitor.clock import beijing
from monitor.reports.formats import FORMATS
from monitor.storage.reports import KIND_NAMES, Report, ReportFile
from monitor.views import to_json
from monitor.web.api import ApiError, load_event
from monitor.web.auth import COOKIE, Principal, read_form, require
from monitor.web.render import render

router = APIRouter()

READERS = ("office", "leader", "duty_officer")
# what the page sends with a stored report: no script, no fetch, nothing but its own styles
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
Reader = Annotated[Principal, Depends(require(*READERS, "handler"))]
Maker = Annotated[Principal, Depends(require(*READERS))]


def _rows(request: Request, user: Principal) -> list[dict[str, Any]]:
    with request.app.state.db.session() as s:
        q = (
            select(Report)
            .options(selectinload(Report.files).load_only(ReportFile.format, ReportFile.size))
            .where(Report.status == "ready")
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(300)
        )
        if not user.may(*READERS):
            q = q.where(Report.kind == "assessment")
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "kind_label": KIND_NAMES.get(r.kind, r.kind),
                "title": r.title,
                "period": r.period,
                "summary": r.summary,
                "event_id": r.event_id,
                "scheduled": r.created_by == "system",
                "created_at": r.created_at,
                "created_by": r.created_by,
                "formats": [f.format for f in r.files] if user.may(*READERS) else [],
            }
            for r in s.scalars(q)
        ]


@router.get("/api/reports", summary="报告列表：日报、专报、考核通报、留言公开清单")
def api_reports(request: Request, user: Reader) -> JSONResponse:
    """The reports made, newest first; a handler gets the assessments only."""
    return JSONResponse({"items": to_json(_rows(request, user))})


@router.get("/reports")
def reports_page(request: Request, user: Reader) -> Response:
    flash = request.app.state.sessions.pop_flash(request.cookies.get(COOKIE))
    return render(
        request,
        "web/reports.html.j2",
        title="报告",
        reports=_rows(request, user),
        formats=FORMATS,
        full=user.may(*READERS),
        flash=flash,
    )


def _file(request: Request, report_id: int, fmt: str) -> tuple[Report, ReportFile]:
    with request.app.state.db.session() as s:
        row = s.get(Report, report_id)
        file = s.scalar(
            select(ReportFile).where(ReportFile.report_id == report_id, ReportFile.format == fmt)
        )
        if row is None or row.status != "ready" or file is None:
            raise ApiError(404, "报告或该格式的文件不存在。")
        s.expunge(file)
        s.expunge(row)
        return row, file


def _send(file: ReportFile, inline: bool) -> Response:
    # RFC 6266 / 5987: an ASCII fallback and the real (Chinese) name, percent-encoded
    disposition = "inline" if inline else "attachment"
    name = quote(file.filename)
    headers = {
        "Content-Disposition": f'{disposition}; filename="report{FORMATS[file.format][1]}"; '
        f"filename*=UTF-8''{name}",
    }
    response = Response(file.content, media_type=file.media_type, headers=headers)
    response.headers["X-Report-Csp"] = "1"  # the middleware gives it REPORT_CSP
    return response


@router.get("/reports/{report_id}")
def report_view(request: Request, user: Maker, report_id: int) -> Response:
    """The report as its HTML page (what the email carries and the PDF prints)."""
    _, file = _file(request, report_id, "html")
    return _send(file, inline=True)


@router.get("/reports/{report_id}/files/{fmt}")
def report_download(request: Request, user: Maker, report_id: int, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise ApiError(404, "报告或该格式的文件不存在。")
    _, file = _file(request, report_id, fmt)
    return _send(file, inline=False)


@router.get("/reports/{report_id}/department")
def report_department(request: Request, user: Reader, report_id: int) -> Response:
    """One department's row of an assessment (a handler's own; others choose ?code=)."""
    from monitor.reports.assessment import build_assessment
    from monitor.reports.periods import parse_period
    from monitor.reports.render_html import render_html

    code = user.department_code if user.role == "handler" else request.query_params.get("code")
    if not code:
        raise ApiError(400, "请指明部门（code）。")
    state = request.app.state
    with state.db.session() as s:
        row = s.get(Report, report_id)
        if row is None or row.kind != "assessment" or row.status != "ready":
            raise ApiError(404, "考核通报不存在。")
        period = parse_period(row.key.split(":")[1])
        doc = build_assessment(s, state.config, period, row.created_at, department=code)
    response = Response(render_html(doc), media_type="text/html; charset=utf-8")
    response.headers["X-Report-Csp"] = "1"
    return response


def _made(request: Request, made_id: int, message: str) -> Response:
    request.app.state.sessions.set_flash(request.cookies.get(COOKIE), message)
    return RedirectResponse(f"/reports#r{made_id}", status_code=303)


@router.post("/reports/daily")
async def make_daily(request: Request, user: Maker) -> Response:
    """The digest of the current period so far, made now (kept apart from the scheduled one)."""
    await read_form(request)
    return _made(request, *await run_in_threadpool(_make_daily, request, user))


@router.post("/api/reports/daily", summary="立即生成本期舆情日报（截至目前，与定时日报分开保存）")
async def api_make_daily(request: Request, user: Maker) -> JSONResponse:
    return _made_json(request, *await run_in_threadpool(_make_daily, request, user))


def _made_json(request: Request, made_id: int, message: str) -> JSONResponse:
    url = request.app.state.config.settings.service.web.public_url.rstrip("/")
    return JSONResponse(
        {"id": made_id, "message": message, "url": f"{url}/reports/{made_id}"}, status_code=201
    )


def _make_daily(request: Request, user: Principal) -> tuple[int, str]:
    from monitor.reports.daily import build_daily, digest_day_for
    from monitor.reports.store import make

    state = request.app.state
    now, app = state.now(), state.config
    day = digest_day_for(app.settings.service.digest.at, now)
    made = make(
        state.db,
        app,
        lambda s: build_daily(s, app, day, now),
        f"daily:{day.isoformat()}:manual",
        list(app.settings.service.digest.formats),
        user.name,
        now,
    )
    return made.report_id, f"已生成{day.month}月{day.day}日舆情日报（截至目前）。"


@router.post("/events/{event_id}/report")
async def make_special(request: Request, user: Maker, event_id: int) -> Response:
    """The event's 舆情专报, made now from its case as it stands."""
    await read_form(request)
    return _made(request, *await run_in_threadpool(_make_special, request, user, event_id))


@router.post("/api/events/{event_id}/report", summary="立即生成事件的舆情专报")
async def api_make_special(request: Request, user: Maker, event_id: int) -> JSONResponse:
    made = await run_in_threadpool(_make_special, request, user, event_id)
    return _made_json(request, *made)


def _make_special(request: Request, user: Principal, event_id: int) -> tuple[int, str]:
    from monitor.reports.special import build_special
    from monitor.reports.store import make

    state = request.app.state
    now, app = state.now(), state.config
    with state.db.session() as s:
        load_event(s, user, event_id)  # 404 when there is no such event
    made = make(
        state.db,
        app,
        lambda s: build_special(s, app, event_id, now),
        f"special:{event_id}:{beijing(now):%Y%m%dT%H%M%S}",
        list(app.settings.service.digest.formats),
        user.name,
        now,
        event_id=event_id,
    )
    return made.report_id, f"已生成事件 #{event_id} 的舆情专报。"
