"""The web application: routers, error pages in Chinese, security headers, /healthz."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.cases.deadlines import DeadlineBook
from monitor.clock import utcnow
from monitor.config.loader import AppConfig
from monitor.storage.db import Database
from monitor.storage.models import Alert, Event, Mention
from monitor.templating import TEMPLATES
from monitor.web import (
    account,
    api,
    auth,
    case_forms,
    evidence,
    intake_pages,
    ledger,
    openapi,
    pages,
    queues,
    reports,
    sources,
    workflow_api,
)
from monitor.web import intake as intake_api
from monitor.web import scoring as scoring_api
from monitor.web import search as search_pages
from monitor.web.auth import (
    NotAuthenticated,
    NotPermitted,
    PasswordChangeRequired,
    SessionStore,
)
from monitor.web.render import render
from monitor.web.slack_actions import router as slack_actions_router
from workflow.states import OPEN_STATES

log = logging.getLogger(__name__)

STYLE = TEMPLATES / "web" / "style.css"
QUEUE_JS = TEMPLATES / "web" / "queue.js"
# The only scripts are the console's own files under /static/ (the queue's refresh): no
# inline script runs, so an injected <script> could not run either.
CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HTTP_MESSAGES = {404: "页面或接口不存在。", 405: "不支持该请求方法。"}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path in ("/api", "/openapi.json") or path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "web/base.html.j2", status_code=status, title="提示", message=message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"error": "未登录或令牌无效：请在请求头中提供 Authorization: Bearer <令牌>。"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotPermitted)
    async def not_permitted(request: Request, exc: NotPermitted) -> Response:
        request.state.principal = exc.principal
        return _error(request, 403, exc.message)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        if _is_api(request) or request.method != "GET":
            request.state.principal = exc.principal
            return _error(request, 403, "请先在“修改密码”页面把一次性密码改为自己的密码。")
        return RedirectResponse(auth.PASSWORD_PAGE, status_code=303)

    @app.exception_handler(api.ApiError)
    async def api_error(request: Request, exc: api.ApiError) -> Response:
        return _error(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return _error(request, 400, f"请求参数无效：{'、'.join(names) or '请求体'}。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, "请求无法处理。")
        return _error(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "服务内部错误，已记录日志。请稍后重试或联系管理员。")


def create_app(
    app_config: AppConfig, db: Database, now: Callable[[], datetime] = utcnow
) -> FastAPI:
    # FastAPI's own /docs and /openapi.json are off: monitor/web/openapi.py serves both,
    # behind a login like every endpoint but /healthz, /login and /static.
    app = FastAPI(title="yuqing", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = app_config
    app.state.db = db
    app.state.now = now
    app.state.book = DeadlineBook(app_config.settings, app_config.config_dir)
    app.state.sessions = SessionStore(db, now)
    app.include_router(account.router)
    app.include_router(slack_actions_router)  # signed by Slack, not a user login
    app.include_router(api.router)
    app.include_router(workflow_api.router)
    app.include_router(intake_api.router)
    app.include_router(scoring_api.router)
    app.include_router(queues.router)
    app.include_router(intake_pages.router)
    app.include_router(ledger.router)
    app.include_router(pages.router)
    app.include_router(case_forms.router)
    app.include_router(evidence.router)
    app.include_router(sources.router)
    app.include_router(reports.router)
    app.include_router(search_pages.router)
    app.include_router(openapi.router)
    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        stored_report = "X-Report-Csp" in response.headers
        if stored_report:
            del response.headers["X-Report-Csp"]
        response.headers["Content-Security-Policy"] = reports.REPORT_CSP if stored_report else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Scraped links are followed from here; do not tell their sites where the reader was.
        # Not "no-referrer": with it browsers send `Origin: null` on the console's own form
        # posts, which the same-origin check (auth.require) must refuse.
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/healthz", summary="运行状态：数据库、信息与事件数、待发预警、待分析积压")
    def healthz() -> JSONResponse:
        try:
            with db.session() as s:
                counts = {
                    "mentions": s.scalar(select(func.count()).select_from(Mention)) or 0,
                    "events": s.scalar(select(func.count()).select_from(Event)) or 0,
                    "open_events": s.scalar(
                        select(func.count())
                        .select_from(Event)
                        .where(Event.state.in_(sorted(OPEN_STATES)))
                    )
                    or 0,
                    "pending_alerts": s.scalar(
                        select(func.count())
                        .select_from(Alert)
                        .where(Alert.status.in_(("pending", "sending")))
                    )
                    or 0,
                    # stored but not yet scored and grouped: the analysis stage's backlog
                    "analysis_backlog": s.scalar(
                        select(func.count())
                        .select_from(Mention)
                        .where(Mention.analysed_at.is_(None))
                    )
                    or 0,
                }
        except Exception as e:  # any failure means "not healthy", never a 500 with a trace
            log.warning("healthz: database %s failed: %s", db.display_url, type(e).__name__)
            return JSONResponse(
                {
                    "status": "error",
                    "database": "error",
                    "message": "数据库无法访问或结构未初始化：请检查数据库服务与连接配置，"
                    "并运行 `yuqing init`。",
                },
                status_code=503,
            )
        return JSONResponse({"status": "ok", **counts, "database": "ok"})

    @app.get("/static/style.css")
    def style() -> FileResponse:
        return FileResponse(
            STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    @app.get("/static/queue.js")
    def queue_js() -> FileResponse:
        return FileResponse(
            QUEUE_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return app
