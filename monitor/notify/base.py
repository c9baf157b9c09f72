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

    @classmethod
    def sent(cls) -> SendResult:
        return cls(True)


class Channel(Protocol):
    name: str

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult: ...
