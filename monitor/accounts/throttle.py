"""Login throttling, per account and per client address, kept in the database so that it
holds across web workers and restarts.

Five failures for one account within 15 minutes lock that account for 15 minutes from the
last of them; 20 failures from one address lock the address the same way. While locked,
tries are refused without checking the password and are not counted, so the lock lifts
at the time stated. Names that do not exist are counted and locked alike, so the answers
never tell whether an account exists. A successful login starts the account's count anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.clock import fmt_beijing
from monitor.storage.accounts import LoginAttempt

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
KEEP = timedelta(days=30)  # older tries are deleted; successful logins stay in the audit log


@dataclass(frozen=True)
class Lock:
    until: datetime
    by_address: bool

    @property
    def message(self) -> str:
        when = fmt_beijing(self.until)
        if self.by_address:
            return f"此地址登录失败次数过多，已暂停登录，将于 {when}（北京时间）解除。"
        return f"该账户登录失败次数过多，已暂时锁定，将于 {when}（北京时间）解除。"


def _locked_until(session: Session, by_account: bool, key: str, now: datetime) -> datetime | None:
    column = LoginAttempt.account if by_account else LoginAttempt.address
    limit = ACCOUNT_FAILURES if by_account else ADDRESS_FAILURES
    since = now - WINDOW - LOCK
    if by_account:
        last_ok = session.scalar(
            select(LoginAttempt.at)
            .where(LoginAttempt.account == key, LoginAttempt.ok.is_(True))
            .order_by(LoginAttempt.at.desc())
            .limit(1)
        )
        if last_ok is not None and last_ok > since:
            since = last_ok
    failures = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(column == key, LoginAttempt.ok.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(failures) < limit or failures[0] - failures[-1] > WINDOW:
        return None
    until = failures[0] + LOCK
    return until if until > now else None


def check(session: Session, account: str, address: str, now: datetime) -> Lock | None:
    """The lock that refuses this try, if any (the address's first)."""
    until = _locked_until(session, False, address, now)
    if until is not None:
        return Lock(until, by_address=True)
    until = _locked_until(session, True, _key(account), now)
    return Lock(until, by_address=False) if until is not None else None


def record(session: Session, account: str, address: str, ok: bool, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
    session.add(LoginAttempt(at=now, account=_key(account), address=address[:64], ok=ok))
    session.flush()


def _key(account: str) -> str:
    return account.strip()[:100]
