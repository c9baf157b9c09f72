"""Tables of console accounts: password hashes, server-side sessions, login attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class UserPassword(Base):
    """A user's argon2 hash; `one_time` marks a generated password that must be changed."""

    __tablename__ = "user_passwords"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[str] = mapped_column(String(255))
    one_time: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime]


class ConsoleSession(Base):
    """A browser session. Only the SHA-256 of its id is kept, so the table grants no login.

    `user_id` is empty for a pre-login session, which exists only to carry the login form's
    CSRF token."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    flash: Mapped[str | None] = mapped_column(Text)


class LoginAttempt(Base):
    """One try at /login: the name as typed (existing or not) and the client's address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    account: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
