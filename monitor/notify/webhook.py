"""Generic JSON webhook: POST the alert payload; 2xx is delivered, 5xx/429 is retried."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.http import post_json
from monitor.notify.render import render_text
from monitor.notify.reports import is_report, webhook_body


class WebhookChannel:
    description = "以 JSON 形式推送到任意 Webhook 地址"

    idempotent = True  # every request carries Idempotency-Key: the alert's key

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        return None

    def __init__(self, name: str, url: Secret, timeout: float = 10) -> None:
        self.name = name
        self._url = url
        self.timeout = timeout

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        if is_report(payload):  # the files as download links, never their bytes
            body = webhook_body(payload)
        else:
            body = payload | {"text": render_text(payload, now)}
        key = payload.get("alert_key")
        # headers are Latin-1: percent-encode so any key is a valid header value
        headers = {"Idempotency-Key": quote(key, safe=":-_.")} if key else {}
        out = post_json(self._url.get(), body, self.timeout, "Webhook", headers)
        if out.status is not None and 200 <= out.status < 300:
            return SendResult.sent()
        return SendResult(False, retry=out.retryable, error=out.error, retry_after=out.retry_after)
