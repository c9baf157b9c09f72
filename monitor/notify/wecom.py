"""WeCom group robot (企业微信群机器人): markdown ≤ 4096 bytes, `errcode` checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.http import post_json
from monitor.notify.markdown import cap_utf8, render_markdown

MAX_BYTES = 4096
# 45009: API frequency out of limit; -1: system busy
_RETRY_CODES = {45009, -1}


class WeComChannel:
    description = "企业微信群机器人（Markdown 消息）"

    idempotent = False

    def delivered(self, key: str, since: datetime) -> bool | None:
        return None  # the receiver offers no way to look a message up

    def __init__(self, name: str, webhook: Secret, timeout: float = 10) -> None:
        self.name = name
        self._webhook = webhook
        self.timeout = timeout

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        _, text = render_markdown(payload, now)
        body = {"msgtype": "markdown", "markdown": {"content": cap_utf8(text, MAX_BYTES)}}
        out = post_json(self._webhook.get(), body, self.timeout, "企业微信")
        if out.status != 200 or not isinstance(out.body, dict):
            return SendResult(
                False,
                retry=out.retryable or out.status == 200,
                error=out.error or "企业微信返回了无法识别的响应",
                retry_after=out.retry_after,
            )
        code = out.body.get("errcode", -1)
        if code == 0:
            return SendResult.sent()
        message = str(out.body.get("errmsg", ""))[:200]
        return SendResult(
            False,
            retry=code in _RETRY_CODES,
            error=f"企业微信返回错误 {code}：{message}",
            retry_after=60.0 if code == 45009 else None,
        )
