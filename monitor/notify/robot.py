"""The answer of a group robot (DingTalk, WeCom): HTTP 200 with `errcode` 0, or an error."""

from __future__ import annotations

from monitor.notify.base import SendResult
from monitor.notify.http import HttpOutcome


def robot_result(
    out: HttpOutcome, receiver: str, retry_codes: set[int], rate_limited: int
) -> SendResult:
    """`retry_codes`: errcodes a later attempt can cure; `rate_limited`: the one that means
    "too many messages this minute" (wait a minute before the next try)."""
    if out.status != 200 or not isinstance(out.body, dict):
        return SendResult(
            False,
            retry=out.retryable or out.status == 200,
            error=out.error or f"{receiver}返回了无法识别的响应",
            retry_after=out.retry_after,
        )
    code = out.body.get("errcode", -1)
    if code == 0:
        return SendResult.sent()
    message = str(out.body.get("errmsg", ""))[:200]
    return SendResult(
        False,
        retry=code in retry_codes,
        error=f"{receiver}返回错误 {code}：{message}",
        retry_after=60.0 if code == rate_limited else None,
    )
