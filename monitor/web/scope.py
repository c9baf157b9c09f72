"""What a user may see: handlers see only their own department's events."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, false, or_

from monitor.storage.models import Event
from monitor.web.auth import Principal


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible(p: Principal) -> ColumnElement[bool] | None:
    """SQL condition limiting a handler to its department's events (lead or co-department)."""
    if p.role != "handler":
        return None
    conds: list[ColumnElement[bool]] = []
    if p.department_id is not None:
        conds.append(Event.department_id == p.department_id)
    if p.department_code:
        # co_departments is a JSON list of codes; codes are [a-z0-9_-], so the quoted code
        # matched as text is exact on both SQLite and PostgreSQL.
        pattern = f'%"{_like_literal(p.department_code)}"%'
        conds.append(cast(Event.co_departments, String).like(pattern, escape="\\"))
    return or_(*conds) if conds else false()


def can_see(p: Principal, event: Event) -> bool:
    if p.role != "handler":
        return True
    if p.department_id is not None and event.department_id == p.department_id:
        return True
    return bool(p.department_code) and p.department_code in (event.co_departments or [])
