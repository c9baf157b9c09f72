"""Render a console page: the shared context (user, banner, clock) plus autoescaped Jinja."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from monitor.accounts.users import ROLES
from monitor.templating import html_env, safe_url
from workflow.states import STATES

GRADE_COLOURS = {"I": "红", "II": "橙", "III": "黄", "IV": "蓝"}


def csrf_field(request: Request) -> Markup:
    """The hidden CSRF input every console form carries: `{{ csrf_field() }}` inside <form>.

    The token is the browser session's (monitor/web/auth.py checks it on every unsafe
    request made with the session cookie); a page fetched with a bearer token has none."""
    token = getattr(request.state, "csrf_token", None) or ""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def _queue_counts(request: Request) -> list[dict[str, Any]]:
    """What waits for the user's role, for the header (monitor/web/queues.py)."""
    from monitor.web.queues import counts_for  # queues renders through this module

    return counts_for(request)


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    state = request.app.state
    now = state.now()
    principal = getattr(request.state, "principal", None)
    # The calendar warning is for the people who work the deadlines, not for visitors.
    banner = state.book.fallback_warning(now) if principal is not None else None
    context: dict[str, Any] = {
        "user": principal,
        "banner": banner,
        "flash": None,
        "now": now,
        "safe_url": safe_url,
        "states": STATES,
        "roles": ROLES,
        "grade_colours": GRADE_COLOURS,
        "csrf_field": lambda: csrf_field(request),
        "queue_counts": lambda: _queue_counts(request),
    }
    context.update(ctx)
    html = html_env().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)
