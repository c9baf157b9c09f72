"""Who is asking: bearer tokens and console sessions, the role check, login and logout.

Design. A user holds one random token (monitor/users.py; only its SHA-256 is stored). API
clients send it as `Authorization: Bearer <token>`. The console exchanges it once, at
`/login`, for a session cookie: the cookie's value is a random 256-bit session id and the
mapping id -> (user id, token hash, expiry) lives only in this process's memory. So:
  - nothing about the user is in the cookie, and restarting the service logs everyone out
    (the service prints a fresh login link at start-up);
  - rotating a user's token ends that user's sessions (the stored hash no longer matches);
  - `POST /logout` forgets the session at once;
  - the service must run as one process (no multi-worker uvicorn) for sessions to be seen.
The cookie is HttpOnly, SameSite=Lax, Secure when the request came over HTTPS, and lasts
SESSION_TTL. Unsafe requests made with the cookie must also not come from a foreign
Origin, which keeps out same-site-but-other-origin forms that SameSite=Lax lets through.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from monitor.storage.models import Department, User
from monitor.users import ROLES, user_for_token
from monitor.web.render import render

COOKIE = "yuqing_session"
SESSION_TTL = timedelta(hours=12)
MAX_FORM_BYTES = 64 * 1024
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ALL_ROLES = tuple(ROLES)


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

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def may(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


@dataclass
class _Session:
    user_id: int
    token_hash: str
    expires_at: datetime
    flash: str | None = field(default=None)


class SessionStore:
    """Session id -> user, in memory; see the module docstring for why."""

    def __init__(self) -> None:
        self._items: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def create(self, user_id: int, token_hash: str, now: datetime) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v.expires_at > now}
            self._items[sid] = _Session(user_id, token_hash, now + SESSION_TTL)
        return sid

    def get(self, sid: str | None, now: datetime) -> _Session | None:
        if not sid:
            return None
        with self._lock:
            item = self._items.get(sid)
            if item is not None and item.expires_at <= now:
                del self._items[sid]
                return None
            return item

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)

    def set_flash(self, sid: str | None, message: str) -> None:
        with self._lock:
            item = self._items.get(sid or "")
            if item is not None:
                item.flash = message

    def pop_flash(self, sid: str | None) -> str | None:
        with self._lock:
            item = self._items.get(sid or "")
            if item is None:
                return None
            message, item.flash = item.flash, None
            return message


class NotAuthenticated(Exception):
    """No valid token or session: 401 for the API, a redirect to /login for pages."""


class NotPermitted(Exception):
    """Authenticated, but the role (or department) does not allow this: 403."""

    def __init__(self, principal: Principal, message: str) -> None:
        super().__init__(message)
        self.principal = principal
        self.message = message


def _principal(user: User, dept: Department | None, via: str) -> Principal:
    return Principal(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        department_id=user.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
        via=via,
    )


def authenticate(request: Request) -> Principal | None:
    db = request.app.state.db
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    with db.session() as s:
        if scheme.lower() == "bearer" and credential.strip():
            user, via = user_for_token(s, credential.strip()), "bearer"
        else:
            now = request.app.state.now()
            item = request.app.state.sessions.get(request.cookies.get(COOKIE), now)
            user, via = (s.get(User, item.user_id) if item else None), "cookie"
            # A rotated token ends the sessions opened with the old one.
            if user is not None and item is not None and user.token_hash != item.token_hash:
                user = None
        if user is None or user.role not in ROLES:
            return None
        dept = s.get(Department, user.department_id) if user.department_id else None
        return _principal(user, dept, via)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    netloc = urlsplit(origin).netloc
    public = urlsplit(request.app.state.config.settings.service.web.public_url).netloc
    return netloc in {request.headers.get("host", ""), public}


def require(*roles: str) -> Callable[[Request], Principal]:
    """Dependency for one endpoint: the user must be signed in and hold one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"require(): unknown or missing roles {sorted(unknown)}")

    def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal is None:
            raise NotAuthenticated()
        if principal.via == "cookie" and request.method in UNSAFE and not _same_origin(request):
            raise NotPermitted(principal, "跨站提交被拒绝：请从本系统页面内操作。")
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


router = APIRouter()


def _login(request: Request, token: str, target: str) -> Response:
    with request.app.state.db.session() as s:
        user = user_for_token(s, token)
        if user is None or user.role not in ROLES or user.token_hash is None:
            return render(
                request,
                "web/login.html.j2",
                title="登录",
                status_code=401,
                next=safe_next(target),
                error="令牌无效或已失效，请向管理员索取新的登录链接。",
            )
        sid = request.app.state.sessions.create(user.id, user.token_hash, request.app.state.now())
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/login")
def login_page(request: Request, token: str | None = None, next: str | None = None) -> Response:
    if token:
        return _login(request, token, next or "/")
    return render(request, "web/login.html.j2", title="登录", next=safe_next(next), error=None)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    token, target = form.get("token", "").strip(), form.get("next", "/")
    return await run_in_threadpool(_login, request, token, target)


@router.post("/logout")
def logout(request: Request, _user: Annotated[Principal, Depends(require(*ALL_ROLES))]) -> Response:
    request.app.state.sessions.drop(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response
