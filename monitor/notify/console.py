"""The console channel: alerts printed to the service's output, for the duty screen and logs."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, TextIO

from monitor.notify.base import SendResult
from monitor.notify.render import render_text
from monitor.notify.reports import console_line, is_report


class ConsoleChannel:
    description = "在服务终端和日志中打印预警"

    idempotent = False

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        return None  # a terminal keeps no record to ask

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self.stream = stream

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        stream = self.stream or sys.stdout
        try:
            text = console_line(payload) if is_report(payload) else render_text(payload, now)
            stream.write(text + "\n")
            stream.flush()
        except OSError as e:
            return SendResult(False, retry=True, error=f"写入终端失败：{e}")
        return SendResult.sent()
