"""Console passwords: argon2 hashes, the strength rules, setting, checking, one-time ones."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.accounts.roles import ROLES
from monitor.accounts.sessions import end_user_sessions
from monitor.errors import YuqingError
from monitor.storage.accounts import UserPassword
from monitor.storage.models import User

LOCAL_ADMIN = "console"  # the administrator `yuqing run` creates on a fresh installation
MIN_LENGTH = 10
RULES = f"密码至少 {MIN_LENGTH} 个字符，且不能与用户名相同。"
# argon2id with the library's defaults (RFC 9106 "low memory" profile).
_hasher = PasswordHasher()
# No 0/O, 1/l/I: a generated password is read off a terminal and typed in.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@cache
def _dummy_hash() -> str:
    """Verified when the account does not exist, so the answer takes as long either way."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def check_strength(name: str, password: str) -> None:
    """Refuse a password that breaks the rules, saying which rule (in Chinese)."""
    if len(password) < MIN_LENGTH:
        raise YuqingError(f"密码太短：{RULES}")
    if password.strip().casefold() == name.strip().casefold():
        raise YuqingError(f"密码不能与用户名相同：{RULES}")


def set_password(
    session: Session,
    user: User,
    password: str,
    now: datetime,
    one_time: bool = False,
    keep_session: str | None = None,
) -> None:
    """Store the new hash and end the user's sessions, except `keep_session` (the one that
    changed it). A one-time password must be changed at the first login."""
    check_strength(user.name, password)
    row = session.get(UserPassword, user.id)
    if row is None:
        row = UserPassword(user_id=user.id, hash="", changed_at=now)
        session.add(row)
    row.hash, row.one_time, row.changed_at = hash_password(password), one_time, now
    end_user_sessions(session, user.id, keep=keep_session)
    session.flush()


def verify(session: Session, name: str, password: str) -> User | None:
    """The user when `password` is theirs; None otherwise, as slowly for a missing account."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    row = session.get(UserPassword, user.id) if user is not None else None
    try:
        _hasher.verify(row.hash if row is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or row is None or user.role not in ROLES:
        return None
    if _hasher.check_needs_rehash(row.hash):
        row.hash = hash_password(password)
    return user


def must_change(session: Session, user_id: int) -> bool:
    row = session.get(UserPassword, user_id)
    return row is not None and row.one_time


def admin_without_password(session: Session) -> bool:
    """True while no administrator can log in with a password (a fresh installation)."""
    admins = select(User.id).where(User.role == "admin")
    has = session.scalar(select(UserPassword.user_id).where(UserPassword.user_id.in_(admins)))
    return has is None


def first_admin_password(session: Session, now: datetime) -> tuple[str, str] | None:
    """On a fresh installation, (name, one-time password) of the first administrator: the
    oldest admin, or the built-in local one created now. None once any admin has a password."""
    if not admin_without_password(session):
        return None
    from monitor.accounts.users import create_user

    user = session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if user is None:
        user, _ = create_user(session, LOCAL_ADMIN, "本机管理员", "admin", now=now)
    password = generate_password()
    set_password(session, user, password, now, one_time=True)
    return user.name, password
