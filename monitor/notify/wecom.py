"""WeCom group robot (企业微信群机器人): markdown ≤ 4096 bytes, `errcode` checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.http import post_json
from monitor.notify.markdown import cap_utf8, render_markdown
from monitor.notify.reports import is_report, robot_markdown
from monitor.notify.robot import robot_result

MAX_BYTES = 4096
# 45009: API frequency out of limit; -1: system busy
_RETRY_CODES = {45009, -1}


class WeComChannel:
    description = "企业微信群机器人（Markdown 消息）"

    idempotent = False

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        return None  # the receiver offers no way to look a message up

    def __init__(self, name: str, webhook: Secret, timeout: float = 10) -> None:
        self.name = name
        self._webhook = webhook
        self.timeout = timeout

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        if is_report(payload):
            _, text = robot_markdown(payload, MAX_BYTES)
        else:
            _, text = render_markdown(payload, now)
        body = {"msgtype": "markdown", "markdown": {"content": cap_utf8(text, MAX_BYTES)}}
        out = post_json(self._webhook.get(), body, self.timeout, "企业微信")
        return robot_result(out, "企业微信", _RETRY_CODES, rate_limited=45009)
