"""Deliver the outbox: per channel in order, within its rate limit, with backoff, every attempt
recorded. An alert that backs off holds back the later alerts of its channel, so that after an
outage they arrive in the order they were raised, each saying how late it is."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from monitor.clock import as_utc, fmt_beijing
from monitor.notify.base import Channel, SendResult
from monitor.storage.alerts import AlertAttempt
from monitor.storage.db import Database
from monitor.storage.models import Alert

log = logging.getLogger(__name__)
BACKOFF_FIRST = 30.0  # seconds
BACKOFF_MAX = 3600.0
LATE_AFTER = timedelta(minutes=5)  # older than this when sent: the message says so
# Updates of one event queued together go out as one message (its newest state).
MERGEABLE = ("new_event", "grade_up")


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    merged: int = 0
    deferred: int = 0  # held back by a rate limit or an earlier alert of the channel


def backoff(attempts: int, result: SendResult) -> timedelta:
    if result.retry_after:
        return timedelta(seconds=result.retry_after)
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def late_label(created_at: datetime, now: datetime) -> str | None:
    delay = as_utc(now) - as_utc(created_at)
    if delay < LATE_AFTER:
        return None
    minutes = int(delay.total_seconds() // 60)
    return f"延迟送达：本预警生成于 {fmt_beijing(created_at)}，晚 {minutes} 分钟"


def deliver_due(
    db: Database,
    channels: dict[str, Channel],
    now: datetime,
    limits: dict[str, int] | None = None,
    batch: int = 500,
) -> DispatchReport:
    """`limits`: messages per minute per channel name (0 or absent: no limit)."""
    report = DispatchReport()
    with db.session() as s:
        pending = list(
            s.scalars(
                select(Alert).where(Alert.status == "pending").order_by(Alert.id).limit(batch)
            )
        )
    queues: dict[str, list[Alert]] = defaultdict(list)
    for alert in pending:
        queues[alert.channel].append(alert)
    for name, queue in queues.items():
        _deliver_channel(
            db, name, channels.get(name), queue, now, (limits or {}).get(name, 0), report
        )
    return report


def _deliver_channel(
    db: Database,
    name: str,
    channel: Channel | None,
    queue: list[Alert],
    now: datetime,
    per_minute: int,
    report: DispatchReport,
) -> None:
    queue = _merge_updates(db, queue, now, report)
    for alert in queue:
        if as_utc(alert.next_attempt_at) > as_utc(now):
            report.deferred += 1
            return  # head of the line is backing off: keep the channel's order
        if per_minute and _sent_last_minute(db, name, now) >= per_minute:
            report.deferred += 1
            return
        result, ms = _send(channel, name, alert, now)
        _record(db, alert.id, name, result, ms, now, report)
        if not result.ok and result.retry:
            return


def _merge_updates(
    db: Database, queue: list[Alert], now: datetime, report: DispatchReport
) -> list[Alert]:
    """Several due updates of one event: keep the newest, mark the others merged into it."""
    newest: dict[int, Alert] = {}
    for a in queue:
        if a.kind in MERGEABLE and a.event_id is not None and a.next_attempt_at <= now:
            newest[a.event_id] = a
    keep = []
    merged: list[tuple[int, int]] = []
    for a in queue:
        winner = newest.get(a.event_id) if a.kind in MERGEABLE and a.event_id else None
        if winner is not None and winner.id != a.id and a.next_attempt_at <= now:
            merged.append((a.id, winner.id))
        else:
            keep.append(a)
    if merged:
        with db.session() as s:
            for loser, winner in merged:
                row = s.get_one(Alert, loser)
                row.status, row.sent_at = "merged", now
                row.last_error = f"并入预警 #{winner}"
        report.merged += len(merged)
    return keep


def _sent_last_minute(db: Database, name: str, now: datetime) -> int:
    with db.session() as s:
        return (
            s.scalar(
                select(func.count(AlertAttempt.id)).where(
                    AlertAttempt.channel == name, AlertAttempt.at > now - timedelta(minutes=1)
                )
            )
            or 0
        )


def _send(
    channel: Channel | None, name: str, alert: Alert, now: datetime
) -> tuple[SendResult, int]:
    if channel is None:
        return SendResult(False, retry=False, error=f"渠道 {name} 未配置"), 0
    payload = dict(alert.payload)
    late = late_label(alert.created_at, now)
    if late:
        payload["late_label"] = late
    started = time.monotonic()
    try:
        result = channel.send(payload, now)
    except Exception as e:  # a bug in one channel must not stop the others
        log.exception("channel %s raised", name)
        result = SendResult(False, retry=True, error=f"渠道异常：{type(e).__name__}")
    return result, int((time.monotonic() - started) * 1000)


def _record(
    db: Database,
    alert_id: int,
    name: str,
    result: SendResult,
    ms: int,
    now: datetime,
    report: DispatchReport,
) -> None:
    with db.session() as s:
        row = s.get_one(Alert, alert_id)
        row.attempts += 1
        s.add(
            AlertAttempt(
                alert_id=alert_id,
                channel=name,
                at=now,
                ok=result.ok,
                retry=result.retry,
                error=result.error,
                duration_ms=ms,
            )
        )
        if result.ok:
            row.status, row.sent_at, row.last_error = "sent", now, None
            report.sent += 1
        elif result.retry:
            row.next_attempt_at = now + backoff(row.attempts, result)
            row.last_error = result.error
            report.retrying += 1
            log.warning("alert %s via %s will be retried: %s", row.id, name, result.error)
        else:
            row.status, row.last_error = "failed", result.error
            report.failed += 1
            log.error("alert %s via %s failed: %s", row.id, name, result.error)
