"""Logging in and out with name and password, and changing one's password.

The login form is protected against login CSRF by a pre-login session (a session row
without a user) whose token the form carries; a successful login replaces it with a new
session, so an id known before the login is worth nothing after it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from monitor.accounts import throttle
from monitor.accounts.passwords import RULES, must_change, set_password, verify
from monitor.accounts.sessions import (
    LOGIN_FORM_TTL,
    SESSION_TTL,
    close_session,
    csrf_ok,
    find_session,
    open_session,
)
from monitor.accounts.users import user_for_token
from monitor.errors import YuqingError
from monitor.storage.models import AuditLog, User
from monitor.web.auth import (
    ALL_ROLES,
    COOKIE,
    CSRF_REFUSED,
    PASSWORD_PAGE,
    Principal,
    read_form,
    require,
    safe_next,
    same_origin,
    set_session_cookie,
)
from monitor.web.render import render

log = logging.getLogger(__name__)
router = APIRouter()
Anyone = Annotated[Principal, Depends(require(*ALL_ROLES))]
WRONG = "用户名或密码错误。"


def _audit(user: User | Principal, action: str, now: datetime, detail: dict[str, str]) -> AuditLog:
    return AuditLog(
        at=now,
        actor=user.name,
        action=action,
        object_type="user",
        object_id=str(user.id),
        detail=detail,
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, target: str, error: str | None = None, status: int = 200, name: str = ""
) -> Response:
    """The form, with the pre-login session's CSRF token (made when there is none)."""
    now = request.app.state.now()
    with request.app.state.db.session() as s:
        row = find_session(s, request.cookies.get(COOKIE), now)
        sid = None
        if row is None:
            sid, row = open_session(s, None, now, LOGIN_FORM_TTL)
        request.state.csrf_token = row.csrf_token
    response = render(
        request,
        "web/login.html.j2",
        title="登录",
        status_code=status,
        next=safe_next(target),
        error=error,
        account=name,
    )
    if sid is not None:
        set_session_cookie(request, response, sid, int(LOGIN_FORM_TTL.total_seconds()))
    return response


@router.get("/login")
def login_page(request: Request, token: str | None = None, next: str | None = None) -> Response:
    if token:
        return _token_login(request, token, next or "/")
    return _login_page(request, next or "/")


def _token_login(request: Request, token: str, target: str) -> Response:
    """`/login?token=…` with a user's API token, for scripts and typed or pasted links.

    Refused when another site sent the browser here (Sec-Fetch-Site), which is how a login
    CSRF would plant someone else's session; the name-and-password form is the way in."""
    if request.headers.get("sec-fetch-site", "none") not in ("none", "same-origin"):
        return _login_page(
            request, target, "登录链接只能直接在地址栏打开，请用用户名和密码登录。", 403
        )
    now = request.app.state.now()
    with request.app.state.db.session() as s:
        user = user_for_token(s, token)
        if user is not None:
            s.add(_audit(user, "login", now, {"address": _client(request), "via": "token"}))
            close_session(s, request.cookies.get(COOKIE))
            sid, _ = open_session(s, user.id, now)
            change = must_change(s, user.id)
    if user is None:
        return _login_page(request, target, "令牌无效或已失效，请用用户名和密码登录。", 401)
    response = RedirectResponse(PASSWORD_PAGE if change else safe_next(target), status_code=303)
    set_session_cookie(request, response, sid, int(SESSION_TTL.total_seconds()))
    return response


def _login(request: Request, form: dict[str, str]) -> Response:
    state, now = request.app.state, request.app.state.now()
    name, password = form.get("name", "").strip(), form.get("password", "")
    target = form.get("next", "/")
    old_sid = request.cookies.get(COOKIE)
    with state.db.session() as s:
        row = find_session(s, old_sid, now)
        forged = row is None or not csrf_ok(row.csrf_token, form.get("csrf_token"))
    if forged or not same_origin(request):
        return _login_page(request, target, CSRF_REFUSED, 403, name)
    address = _client(request)
    error, status, sid, change = None, 200, "", False
    # Decided in one transaction; the page is rendered after it (SQLite allows one writer).
    with state.db.session() as s:
        lock = throttle.check(s, name, address, now)
        user = verify(s, name, password) if lock is None and name and password else None
        if lock is not None:
            error, status = lock.message, 429
        elif user is None:
            throttle.record(s, name, address, False, now)
            lock = throttle.check(s, name, address, now)
            if lock is not None:  # names and addresses are not secrets; passwords never logged
                log.warning(
                    "console login locked: %s (account %r, address %s)",
                    "address" if lock.by_address else "account",
                    name,
                    address,
                )
            error, status = WRONG + (lock.message if lock else ""), 429 if lock else 401
        else:
            throttle.record(s, name, address, True, now)
            s.add(_audit(user, "login", now, {"address": address}))
            close_session(s, old_sid)
            sid, _ = open_session(s, user.id, now)
            change = must_change(s, user.id)
    if error is not None:
        return _login_page(request, target, error, status, name)
    response = RedirectResponse(PASSWORD_PAGE if change else safe_next(target), status_code=303)
    set_session_cookie(request, response, sid, int(SESSION_TTL.total_seconds()))
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_login, request, form)


@router.post("/logout")
def logout(request: Request, _user: Anyone) -> Response:
    with request.app.state.db.session() as s:
        close_session(s, request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


def _password_page(
    request: Request, user: Principal, error: str | None = None, status: int = 200
) -> Response:
    flash = request.app.state.sessions.pop_flash(request.cookies.get(COOKIE))
    return render(
        request,
        "web/password.html.j2",
        title="修改密码",
        status_code=status,
        rules=RULES,
        error=error,
        flash=flash,
        forced=user.must_change_password,
    )


@router.get(PASSWORD_PAGE)
def password_page(request: Request, user: Anyone) -> Response:
    return _password_page(request, user)


def _change(request: Request, user: Principal, form: dict[str, str]) -> Response:
    current, new = form.get("current", ""), form.get("new", "")
    now, address = request.app.state.now(), _client(request)
    error, status = None, 400
    # A wrong current password is a failed login: a borrowed session cannot guess it.
    with request.app.state.db.session() as s:
        lock = throttle.check(s, user.name, address, now)
        if lock is not None:
            error, status = lock.message, 429
        elif verify(s, user.name, current) is None:
            throttle.record(s, user.name, address, False, now)
            lock = throttle.check(s, user.name, address, now)
            error = "当前密码不正确。" + (lock.message if lock else "")
            status = 429 if lock else 400
        elif new != form.get("repeat", ""):
            error = "两次输入的新密码不一致。"
        elif new == current:
            error = "新密码不能与当前密码相同。"
        else:
            try:
                set_password(
                    s,
                    s.get(User, user.id),
                    new,
                    now,
                    keep_session=request.cookies.get(COOKIE) if user.via == "cookie" else None,
                )
            except YuqingError as e:
                error = str(e)
            else:
                s.add(_audit(user, "password_change", now, {}))
    if error is not None:
        return _password_page(request, user, error, status)
    request.app.state.sessions.set_flash(
        request.cookies.get(COOKIE), "密码已修改；该账户在其他浏览器或设备上的登录已全部退出。"
    )
    return RedirectResponse(PASSWORD_PAGE, status_code=303)


@router.post(PASSWORD_PAGE)
async def password_submit(request: Request, user: Anyone) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_change, request, user, form)
