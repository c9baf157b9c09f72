"""Console users and their access tokens: created, rotated, and looked up by token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clock import utcnow
from monitor.errors import NotFound, YuqingError
from monitor.storage.models import Department, User

# Written out so that the list is the documentation; `admin` may do everything.
ROLES: dict[str, str] = {
    "duty_officer": "值班员",
    "handler": "责任处室",
    "confidentiality": "保密员",
    "leader": "领导",
    "office": "办公室",
    "admin": "管理员",
}


def hash_token(token: str) -> str:
    """SHA-256 hex digest: only this is stored, so a leaked database holds no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _check_role(role: str) -> None:
    if role not in ROLES:
        valid = "、".join(f"{code}（{name}）" for code, name in ROLES.items())
        raise YuqingError(f"没有“{role}”这个角色。可用角色：{valid}。")


def create_user(
    session: Session,
    name: str,
    display_name: str,
    role: str,
    department_code: str | None = None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Add a user and return it with its token; the token is shown once and never stored."""
    _check_role(role)
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
        created_at=now or utcnow(),
    )
    session.add(user)
    session.flush()
    return user, token


def rotate_token(session: Session, name: str) -> str:
    """Give the user a new token; the old one (and every console session made with it) stops."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户“{name}”不存在。")
    token = new_token()
    user.token_hash = hash_token(token)
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
