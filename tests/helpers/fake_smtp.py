"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts, parsed."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers.configs import free_port


class Inbox:
    def __init__(self, reply: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.reply = reply  # e.g. "451 Try again later": refuse every message so

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.reply:
            return self.reply
        self.raw.append(envelope.content)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def fake_smtp(reply: str | None = None) -> Iterator[tuple[Inbox, int]]:
    """(inbox, port) of a server on 127.0.0.1, without TLS or login."""
    inbox = Inbox(reply)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
