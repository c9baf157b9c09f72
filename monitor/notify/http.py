"""POST JSON to a receiver and classify the outcome the way every HTTP channel needs."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpOutcome:
    status: int | None  # None: no HTTP answer at all
    body: Any = None  # parsed JSON when the answer was JSON
    error: str | None = None  # for people; never contains the URL (it holds the key)
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        """No answer, a rate limit or a server error: worth another try later."""
        return self.status is None or self.status == 429 or self.status >= 500


def post_json(
    url: str, payload: Any, timeout: float, receiver: str, headers: dict[str, str] | None = None
) -> HttpOutcome:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"} | (headers or {}),
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return HttpOutcome(resp.status, _json(resp.read()))
    except urllib.error.HTTPError as e:
        after = e.headers.get("Retry-After") if e.headers else None
        return HttpOutcome(
            e.code,
            _json(e.read()),
            f"{receiver} 返回 HTTP {e.code}",
            float(after) if after and after.replace(".", "", 1).isdigit() else None,
        )
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        what = "超时" if isinstance(reason, socket.timeout | TimeoutError) else "连接失败"
        return HttpOutcome(None, None, f"{receiver} {what}（{type(reason).__name__}）")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
