"""Console sessions in the database, so that every web worker and a restart see them.

The browser holds a random 256-bit id; the table holds only its SHA-256, so reading the
table gives no way in. Each session carries its CSRF token and one flash message. A
session without a user is the pre-login one that protects the login form itself.

A signed-in session ends after IDLE_TTL without the user doing anything, and after
SESSION_TTL in any case: `expires_at` is moved forward by `touch` on each request the user
makes, never past `created_at + SESSION_TTL`. The queue page's own refreshes do not count
as doing something (monitor/web/auth.py), so a console left open on an empty desk closes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.storage.accounts import ConsoleSession

SESSION_TTL = timedelta(hours=12)
IDLE_TTL = timedelta(minutes=30)
LOGIN_FORM_TTL = timedelta(hours=1)
# expires_at is written at most once a minute per session, not on every request.
TOUCH_STEP = timedelta(minutes=1)


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def open_session(
    session: Session,
    user_id: int | None,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
    idle: timedelta = IDLE_TTL,
) -> tuple[str, ConsoleSession]:
    """A new session (a new id, never a reused one) and its row; expired rows are purged.
    A signed-in one lasts `idle` unless touched."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    row = ConsoleSession(
        sid_hash=_digest(sid),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + (min(ttl, idle) if user_id is not None else ttl),
    )
    session.add(row)
    session.flush()
    return sid, row


def find_session(session: Session, sid: str | None, now: datetime) -> ConsoleSession | None:
    if not sid:
        return None
    row = session.scalar(select(ConsoleSession).where(ConsoleSession.sid_hash == _digest(sid)))
    if row is None or row.expires_at <= now:
        return None
    return row


def touch(row: ConsoleSession, now: datetime) -> None:
    """The user did something: a signed-in session lives IDLE_TTL from now, within its
    SESSION_TTL from the login."""
    if row.user_id is None:
        return
    until = min(now + IDLE_TTL, row.created_at + SESSION_TTL)
    if until - row.expires_at >= TOUCH_STEP:
        row.expires_at = until


def close_session(session: Session, sid: str | None) -> None:
    if sid:
        session.execute(delete(ConsoleSession).where(ConsoleSession.sid_hash == _digest(sid)))


def end_user_sessions(session: Session, user_id: int, keep: str | None = None) -> None:
    """Log the user out everywhere, except the session `keep` (a session id) if given."""
    query = delete(ConsoleSession).where(ConsoleSession.user_id == user_id)
    if keep:
        query = query.where(ConsoleSession.sid_hash != _digest(keep))
    session.execute(query)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """The submitted token is the session's, compared in constant time."""
    return bool(expected and given and hmac.compare_digest(expected.encode(), given.encode()))
