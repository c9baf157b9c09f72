"""Who is asking: bearer tokens and console sessions, the role check, the CSRF check.

Design. Scripts send a user's API token (monitor/accounts/users.py; only its SHA-256 is
stored) as `Authorization: Bearer <token>`. People log in at `/login` with name and
password (monitor/web/account.py) and get a session cookie: a random 256-bit id whose
SHA-256 is a row of `console_sessions` (monitor/accounts/sessions.py). So:
  - nothing about the user is in the cookie, and every web worker and a restart see the
    same sessions;
  - `POST /logout` deletes the row; a password change ends the user's other sessions, a
    reset (`yuqing user passwd`) or a token rotation all of them;
  - each session has a CSRF token: every unsafe request made with the cookie must carry
    it (form field `csrf_token`, which `{{ csrf_field() }}` writes, or header
    `X-CSRF-Token`) and must not come from a foreign Origin, which keeps out
    same-site-but-other-origin forms that SameSite=Lax lets through;
  - a user whose password is a one-time one is sent to /account/password until changed.
The cookie is HttpOnly, SameSite=Lax (so links from alerts in Slack or mail open the
console signed in), Secure over HTTPS; a session ends after sessions.IDLE_TTL (30 minutes)
without a request from the user (the queue's automatic refreshes do not count) and after
sessions.SESSION_TTL (12 hours) in any case.
Bearer requests carry no cookie, so they need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from monitor.accounts.passwords import must_change
from monitor.accounts.sessions import csrf_ok, find_session, touch
from monitor.accounts.users import ROLES, user_for_token
from monitor.storage.db import Database
from monitor.storage.models import Department, User

COOKIE = "yuqing_session"
MAX_FORM_BYTES = 64 * 1024
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ALL_ROLES = tuple(ROLES)
PASSWORD_PAGE = "/account/password"
# Sent by /static/queue.js on its own refreshes, which do not keep an idle session alive.
AUTOMATIC = "x-yuqing-refresh"
CSRF_REFUSED = "页面已过期或表单来源无法验证（缺少或错误的 CSRF 令牌）：请刷新页面后重新提交。"


@dataclass(frozen=True)
class Principal:
    """The authenticated user as the handlers need it; no ORM object crosses sessions."""

    id: int
    name: str
    display_name: str
    role: str
    department_id: int | None
    department_code: str | None
    department_name: str | None
    via: str  # "bearer" | "cookie"
    must_change_password: bool = False

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def may(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


class SessionStore:
    """The flash message of the browser's session, for pages that redirect after a post."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db, self._now = db, now

    def set_flash(self, sid: str | None, message: str) -> None:
        with self._db.session() as s:
            row = find_session(s, sid, self._now())
            if row is not None:
                row.flash = message

    def pop_flash(self, sid: str | None) -> str | None:
        with self._db.session() as s:
            row = find_session(s, sid, self._now())
            if row is None or row.flash is None:
                return None
            message, row.flash = row.flash, None
            return message


class NotAuthenticated(Exception):
    """No valid token or session: 401 for the API, a redirect to /login for pages."""


class NotPermitted(Exception):
    """Authenticated, but the role (or department) does not allow this: 403."""

    def __init__(self, principal: Principal, message: str) -> None:
        super().__init__(message)
        self.principal = principal
        self.message = message


class PasswordChangeRequired(Exception):
    """Signed in with a one-time password: pages redirect to /account/password, API 403."""

    def __init__(self, principal: Principal) -> None:
        super().__init__("password change required")
        self.principal = principal


def _principal(user: User, dept: Department | None, via: str, change: bool) -> Principal:
    return Principal(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        department_id=user.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
        via=via,
        must_change_password=change,
    )


def authenticate(request: Request) -> Principal | None:
    """The user of the bearer token or of the session cookie; the session's CSRF token is
    left in request.state for the forms of the page."""
    db = request.app.state.db
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    with db.session() as s:
        change = False
        if scheme.lower() == "bearer" and credential.strip():
            user, via = user_for_token(s, credential.strip()), "bearer"
        else:
            row = find_session(s, request.cookies.get(COOKIE), request.app.state.now())
            user, via = None, "cookie"
            if row is not None:
                request.state.csrf_token = row.csrf_token
                if AUTOMATIC not in request.headers:
                    touch(row, request.app.state.now())
                if row.user_id is not None:
                    user = s.get(User, row.user_id)
                    change = must_change(s, row.user_id)
        if user is None or user.role not in ROLES:
            return None
        dept = s.get(Department, user.department_id) if user.department_id else None
        return _principal(user, dept, via, change)


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    netloc = urlsplit(origin).netloc
    public = urlsplit(request.app.state.config.settings.service.web.public_url).netloc
    return netloc in {request.headers.get("host", ""), public}


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token the request carries: the X-CSRF-Token header or the form field."""
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    return (await read_form(request)).get("csrf_token")


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency for one endpoint: the user must be signed in and hold one of `roles`;
    an unsafe request made with the session cookie must come from this site's own form."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"require(): unknown or missing roles {sorted(unknown)}")

    async def dependency(request: Request) -> Principal:
        principal = await run_in_threadpool(authenticate, request)
        if principal is None:
            raise NotAuthenticated()
        if principal.via == "cookie" and request.method in UNSAFE:
            if not same_origin(request):
                raise NotPermitted(principal, "跨站提交被拒绝：请从本系统页面内操作。")
            token = await submitted_csrf(request)
            expected = getattr(request.state, "csrf_token", None)
            if not csrf_ok(expected, token):
                raise NotPermitted(principal, CSRF_REFUSED)
        if (
            principal.via == "cookie"
            and principal.must_change_password
            and request.url.path not in (PASSWORD_PAGE, "/logout")
        ):
            raise PasswordChangeRequired(principal)
        if not principal.may(*roles):
            allowed = "、".join(ROLES[r] for r in roles if r != "admin") or "管理员"
            raise NotPermitted(
                principal, f"无权访问：您的角色是{principal.role_label}，此操作仅限{allowed}。"
            )
        request.state.principal = principal
        return principal

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the route-table test
    return dependency


async def read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (first value of each field)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if ctype != "application/x-www-form-urlencoded" or len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be turned into an open redirect."""
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//...".
    if not target or not target.isprintable() or "\\" in target:
        return "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


def https(request: Request) -> bool:
    """Served over HTTPS, directly or behind a proxy that the public URL names."""
    public = request.app.state.config.settings.service.web.public_url
    return request.url.scheme == "https" or public.startswith("https://")


def set_session_cookie(request: Request, response: Response, sid: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        sid,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=https(request),
        path="/",
    )
