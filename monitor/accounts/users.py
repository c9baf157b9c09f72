"""Console users, their API tokens and Slack accounts: created, rotated, looked up.

Passwords and browser sessions are in passwords.py and sessions.py next to this."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.accounts.roles import ROLES, roles_help
from monitor.accounts.sessions import end_user_sessions
from monitor.clock import utcnow
from monitor.errors import NotFound, YuqingError
from monitor.storage.models import Department, User

__all__ = ["ROLES", "create_user", "link_slack", "rotate_token", "user_for_slack", "user_named"]
# Slack user IDs: U… in a workspace, W… in an Enterprise Grid organisation.
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def hash_token(token: str) -> str:
    """SHA-256 hex digest: only this is stored, so a leaked database holds no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise YuqingError(f"没有“{role}”这个角色。可用角色：{roles_help()}。")


def create_user(
    session: Session,
    name: str,
    display_name: str,
    role: str,
    department_code: str | None = None,
    now: datetime | None = None,
    slack_user_id: str | None = None,
) -> tuple[User, str]:
    """Add a user and return it with its token; the token is shown once and never stored."""
    _check_role(role)
    if slack_user_id is not None:
        slack_user_id = _check_slack_id(session, slack_user_id, None)
    name = name.strip()
    if not name:
        raise YuqingError("用户名不能为空。")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise YuqingError(f"用户“{name}”已存在。如需新令牌，请用轮换令牌（rotate）。")
    department_id = None
    if department_code:
        dept = session.scalar(select(Department).where(Department.code == department_code))
        if dept is None:
            codes = "、".join(session.scalars(select(Department.code).order_by(Department.code)))
            codes = codes or "（无，请先启动服务以同步部门）"
            raise NotFound(f"部门“{department_code}”不存在。已有部门：{codes}。")
        department_id = dept.id
    elif role == "handler":
        # A handler sees only its own department's events; without one it would see nothing.
        raise YuqingError("责任处室（handler）用户必须指定所属部门。")
    token = new_token()
    user = User(
        name=name,
        display_name=display_name.strip() or name,
        role=role,
        department_id=department_id,
        token_hash=hash_token(token),
        slack_user_id=slack_user_id,
        created_at=now or utcnow(),
    )
    session.add(user)
    session.flush()
    return user, token


def rotate_token(session: Session, name: str) -> str:
    """Give the user a new API token; the old one stops working at once, and so do the
    user's console sessions (one of them may have been opened with the old token)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户“{name}”不存在。")
    token = new_token()
    user.token_hash = hash_token(token)
    end_user_sessions(session, user.id)
    session.flush()
    return token


def user_for_token(session: Session, token: str | None) -> User | None:
    if not token:
        return None
    digest = hash_token(token)
    user = session.scalar(select(User).where(User.token_hash == digest))
    # The lookup is by hash, so timing reveals nothing about the token; compare anyway
    # in constant time so that a future change to the lookup cannot open a timing leak.
    if user is None or user.token_hash is None:
        return None
    if not hmac.compare_digest(user.token_hash, digest):
        return None
    return user


def user_named(session: Session, name: str) -> User:
    """The user called `name`, or NotFound saying how to create one (for `--as NAME`)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户 {name!r} 不存在。请先用 `yuqing user add` 创建。")
    return user


def _check_slack_id(session: Session, slack_user_id: str, user: User | None) -> str:
    """The ID as Slack writes it; refused when malformed or linked to someone else."""
    slack_user_id = slack_user_id.strip().upper()
    if not _SLACK_ID.match(slack_user_id):
        raise YuqingError(
            f"“{slack_user_id}”不是 Slack 用户 ID：应以 U 或 W 开头，如 U0123ABCD"
            "（在 Slack 中打开该成员的资料，选“复制成员 ID”）。"
        )
    holder = session.scalar(select(User).where(User.slack_user_id == slack_user_id))
    if holder is not None and holder is not user:
        raise YuqingError(f"Slack 用户 {slack_user_id} 已关联到用户“{holder.name}”。")
    return slack_user_id


def link_slack(session: Session, name: str, slack_user_id: str | None) -> User:
    """Link (or with None, unlink) the user's Slack account, for the Slack 确认 button."""
    user = user_named(session, name)
    user.slack_user_id = (
        None if slack_user_id is None else _check_slack_id(session, slack_user_id, user)
    )
    session.flush()
    return user


def user_for_slack(session: Session, slack_user_id: str) -> User | None:
    """The user whose Slack account this is, if one is linked."""
    if not slack_user_id:
        return None
    user = session.scalar(select(User).where(User.slack_user_id == slack_user_id))
    return user if user is not None and user.role in ROLES else None
