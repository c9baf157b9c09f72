"""The one interface every channel implements, and what a send attempt reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retry: bool = False  # worth trying again later (outage, rate limit); False = give up
    error: str | None = None  # for people; never contains a secret
    retry_after: float | None = None  # seconds the channel asked us to wait
    receipt: str | None = None  # the receiver's id for the message (Slack: its ts)

    @classmethod
    def sent(cls, receipt: str | None = None) -> SendResult:
        return cls(True, receipt=receipt)


class Channel(Protocol):
    name: str
    # True when sending the same alert twice is harmless (the receiver deduplicates by
    # payload["alert_key"]); then an alert whose outcome is unknown is simply sent again.
    idempotent: bool

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult: ...

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        """After a crash mid-send: did the alert with this key (and this stored payload, which
        names a report's files) reach the receiver? True / False when the receiver can be
        asked, None when it cannot."""
        ...
