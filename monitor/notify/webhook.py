"""Generic JSON webhook: POST the alert payload; 2xx is delivered, 5xx/429 is retried."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.render import render_text


class WebhookChannel:
    description = "以 JSON 形式推送到任意 Webhook 地址"

    def __init__(self, name: str, url: Secret, timeout: float = 10) -> None:
        self.name = name
        self._url = url
        self.timeout = timeout

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        body = json.dumps(payload | {"text": render_text(payload, now)}, ensure_ascii=False)
        req = urllib.request.Request(
            self._url.get(),
            data=body.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout):
                return SendResult.sent()
        except urllib.error.HTTPError as e:
            retry = e.code == 429 or e.code >= 500
            # the URL is a secret: name the channel, never the address
            return SendResult(False, retry=retry, error=f"Webhook 返回 HTTP {e.code}")
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            return SendResult(False, retry=True, error=f"Webhook 连接失败：{type(reason).__name__}")
