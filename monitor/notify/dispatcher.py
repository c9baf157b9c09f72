"""Deliver the outbox: due alerts in order, with backoff, recording every outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from monitor.notify.base import Channel, SendResult
from monitor.storage.db import Database
from monitor.storage.models import Alert

log = logging.getLogger(__name__)
BACKOFF_FIRST = 30.0  # seconds
BACKOFF_MAX = 3600.0


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int, result: SendResult) -> timedelta:
    if result.retry_after:
        return timedelta(seconds=result.retry_after)
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def deliver_due(
    db: Database, channels: dict[str, Channel], now: datetime, limit: int = 200
) -> DispatchReport:
    report = DispatchReport()
    with db.session() as s:
        due = list(
            s.scalars(
                select(Alert)
                .where(Alert.status == "pending", Alert.next_attempt_at <= now)
                .order_by(Alert.id)
                .limit(limit)
            )
        )
    for alert in due:
        channel = channels.get(alert.channel)
        if channel is None:
            result = SendResult(False, retry=False, error=f"渠道 {alert.channel} 未配置")
        else:
            try:
                result = channel.send(alert.payload, now)
            except Exception as e:  # a bug in one channel must not stop the others
                log.exception("channel %s raised", alert.channel)
                result = SendResult(False, retry=True, error=f"渠道异常：{type(e).__name__}")
        with db.session() as s:
            row = s.get_one(Alert, alert.id)
            row.attempts += 1
            if result.ok:
                row.status, row.sent_at, row.last_error = "sent", now, None
                report.sent += 1
            elif result.retry:
                row.next_attempt_at = now + backoff(row.attempts, result)
                row.last_error = result.error
                report.retrying += 1
                log.warning(
                    "alert %s via %s will be retried: %s", row.id, row.channel, result.error
                )
            else:
                row.status, row.last_error = "failed", result.error
                report.failed += 1
                log.error("alert %s via %s failed: %s", row.id, row.channel, result.error)
    return report
