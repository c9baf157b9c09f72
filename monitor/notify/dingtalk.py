"""DingTalk group robot (钉钉自定义机器人): signed markdown messages, `errcode` checked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from datetime import datetime
from typing import Any

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.http import post_json
from monitor.notify.markdown import render_markdown
from monitor.notify.reports import is_report, robot_markdown
from monitor.notify.robot import robot_result

# errcodes a later attempt can cure: 130101 sending too fast, -1 system busy
_RETRY_CODES = {130101, -1}
# The custom robot takes a markdown text of up to 20,000 bytes; a report's summary is cut to it.
MAX_BYTES = 20000


def sign(secret: str, timestamp_ms: int) -> str:
    """加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkChannel:
    description = "钉钉群机器人（Markdown 消息，支持加签）"

    idempotent = False

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        return None  # the receiver offers no way to look a message up

    def __init__(
        self, name: str, webhook: Secret, secret: Secret | None, timeout: float = 10
    ) -> None:
        self.name = name
        self._webhook = webhook
        self._secret = secret
        self.timeout = timeout

    def url(self, timestamp_ms: int) -> str:
        url = self._webhook.get()
        if self._secret is None:
            return url
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}timestamp={timestamp_ms}&sign={sign(self._secret.get(), timestamp_ms)}"

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        if is_report(payload):
            title, text = robot_markdown(payload, MAX_BYTES)
        else:
            title, text = render_markdown(payload, now)
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        # DingTalk checks the signature's timestamp against its own clock: wall time here.
        out = post_json(self.url(int(time.time() * 1000)), body, self.timeout, "钉钉")
        return robot_result(out, "钉钉", _RETRY_CODES, rate_limited=130101)
