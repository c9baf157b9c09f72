"""Deliver the outbox: per channel in order, within its rate limit, with backoff, every attempt
recorded. An alert that backs off holds back the later alerts of its channel, so that after an
outage they arrive in the order they were raised, each saying how late it is.

Exactly once across crashes: an alert is marked `sending` (committed) before it is handed to
its channel. One still `sending` when a new dispatcher starts was interrupted mid-send (kill -9,
power loss); its outcome is unknown, so it is reconciled, not blindly repeated: the channel is
asked whether it arrived (Slack: message metadata, or for a report the file it uploads); when
the receiver deduplicates (webhooks: Idempotency-Key) it is simply sent again; otherwise it is
sent again saying it may duplicate.

A finished report goes through the same outbox (kind `digest`); its files are read from
`report_files` just before each send and handed to the channel in a copy of the payload.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from monitor.clock import as_utc, fmt_beijing
from monitor.notify.base import Channel, SendResult
from monitor.notify.reports import is_report, with_attachments
from monitor.storage.alerts import AlertAttempt
from monitor.storage.db import Database
from monitor.storage.models import Alert

log = logging.getLogger(__name__)
BACKOFF_FIRST = 30.0  # seconds
BACKOFF_MAX = 3600.0
LATE_AFTER = timedelta(minutes=5)  # older than this when sent: the message says so
IN_DOUBT_AFTER = timedelta(minutes=10)  # no send takes this long: its process died
DUPLICATE_NOTE = "服务中断后补发：此前的发送结果无法确认，可能与已收到的消息重复"
# Updates of one event queued together go out as one message (its newest state).
MERGEABLE = ("new_event", "grade_up")


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    merged: int = 0
    deferred: int = 0  # held back by a rate limit or an earlier alert of the channel
    reconciled: int = 0  # interrupted sends found delivered, not sent again


def backoff(attempts: int, result: SendResult) -> timedelta:
    if result.retry_after:
        return timedelta(seconds=result.retry_after)
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def late_label(created_at: datetime, now: datetime, what: str = "预警") -> str | None:
    """'延迟送达：本预警生成于 …，晚 N 分钟' (`what`: 预警, or 报告 for a report)."""
    delay = as_utc(now) - as_utc(created_at)
    if delay < LATE_AFTER:
        return None
    minutes = int(delay.total_seconds() // 60)
    return f"延迟送达：本{what}生成于 {fmt_beijing(created_at)}，晚 {minutes} 分钟"


def deliver_due(
    db: Database,
    channels: dict[str, Channel],
    now: datetime,
    limits: dict[str, int] | None = None,
    batch: int = 500,
    in_doubt_before: datetime | None = None,
) -> DispatchReport:
    """Deliver what is due. `limits`: messages per minute per channel (0/absent: none).
    `in_doubt_before`: an alert marked `sending` before this moment was interrupted (the
    service passes its own start time); by default, one sending for over 10 minutes."""
    report = DispatchReport()
    doubt = in_doubt_before or now - IN_DOUBT_AFTER
    with db.session() as s:
        due = (
            select(Alert)
            .where(
                (Alert.status == "pending")
                | ((Alert.status == "sending") & (Alert.next_attempt_at < doubt))
            )
            .order_by(Alert.id)
            .limit(batch)
        )
        pending = list(s.scalars(due))
    queues: dict[str, list[Alert]] = defaultdict(list)
    for alert in pending:
        queues[alert.channel].append(alert)
    for name, queue in queues.items():
        per_minute = (limits or {}).get(name, 0)
        _deliver_channel(db, name, channels.get(name), queue, now, per_minute, report)
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
    for alert in _merge_updates(db, queue, now, report):
        note = None
        if alert.status == "sending":  # interrupted mid-send by a crash
            outcome = _reconcile(channel, alert)
            if outcome is True:
                _record(db, alert.id, name, SendResult(True), 0, now, report)
                report.reconciled += 1
                continue
            if outcome is None and channel is not None and not channel.idempotent:
                note = DUPLICATE_NOTE
        elif as_utc(alert.next_attempt_at) > as_utc(now):
            report.deferred += 1
            return  # the head of the line is backing off: keep the channel's order
        if per_minute and _sent_last_minute(db, name, now) >= per_minute:
            report.deferred += 1
            return
        _mark_sending(db, alert.id, now)
        result, ms = _send(db, channel, name, alert, now, note)
        _record(db, alert.id, name, result, ms, now, report)
        if not result.ok and result.retry:
            return


def _reconcile(channel: Channel | None, alert: Alert) -> bool | None:
    if channel is None:
        return None
    try:
        since = alert.next_attempt_at - timedelta(minutes=1)
        return channel.delivered(alert.key, since, payload=alert.payload)
    except Exception:  # asking is best effort; not knowing is handled
        log.exception("channel %s could not be asked about alert %s", channel.name, alert.id)
        return None


def _merge_updates(
    db: Database, queue: list[Alert], now: datetime, report: DispatchReport
) -> list[Alert]:
    """Several due updates of one event: keep the newest, mark the others merged into it."""

    def mergeable(a: Alert) -> bool:
        return (
            a.status == "pending"
            and a.kind in MERGEABLE
            and a.event_id is not None
            and as_utc(a.next_attempt_at) <= as_utc(now)
        )

    newest = {a.event_id: a for a in queue if mergeable(a)}
    keep: list[Alert] = []
    merged: list[tuple[int, int]] = []
    for a in queue:
        winner = newest.get(a.event_id) if mergeable(a) else None
        if winner is not None and winner.id != a.id:
            merged.append((a.id, winner.id))
        else:
            keep.append(a)
    if merged:
        with db.session() as s:
            for loser, winner_id in merged:
                row = s.get_one(Alert, loser)
                row.status, row.sent_at = "merged", now
                row.last_error = f"并入预警 #{winner_id}"
        report.merged += len(merged)
    return keep


def _sent_last_minute(db: Database, name: str, now: datetime) -> int:
    with db.session() as s:
        since = now - timedelta(minutes=1)
        count = select(func.count(AlertAttempt.id)).where(
            AlertAttempt.channel == name, AlertAttempt.at > since
        )
        return s.scalar(count) or 0


def _mark_sending(db: Database, alert_id: int, now: datetime) -> None:
    """Committed before the send: a crash from here on leaves the alert in doubt, not lost."""
    with db.session() as s:
        row = s.get_one(Alert, alert_id)
        row.status, row.next_attempt_at = "sending", now


def _thread_of(db: Database, alert: Alert) -> str | None:
    """The receipt of the first message about this event on this channel, if any: later
    updates go into its thread instead of the channel's main flow."""
    if alert.event_id is None:
        return None
    with db.session() as s:
        first = (
            select(AlertAttempt.receipt)
            .join(Alert, Alert.id == AlertAttempt.alert_id)
            .where(
                Alert.event_id == alert.event_id,
                Alert.channel == alert.channel,
                Alert.id != alert.id,
                AlertAttempt.ok.is_(True),
                AlertAttempt.receipt.is_not(None),
            )
            .order_by(AlertAttempt.id)
            .limit(1)
        )
        return s.scalar(first)


def _send(
    db: Database,
    channel: Channel | None,
    name: str,
    alert: Alert,
    now: datetime,
    note: str | None,
) -> tuple[SendResult, int]:
    if channel is None:
        return SendResult(False, retry=False, error=f"渠道 {name} 未配置"), 0
    payload = dict(alert.payload) | {"alert_key": alert.key}
    if is_report(payload):
        # the files' bytes go to the channel in this copy only, never into the outbox row
        payload, gone = with_attachments(db, payload)
        if gone:
            return SendResult(False, retry=False, error=gone), 0
    thread = _thread_of(db, alert)
    if thread:
        payload["thread_ts"] = thread
    if note:
        payload["duplicate_label"] = note
    late = late_label(alert.created_at, now, "报告" if alert.kind == "digest" else "预警")
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
                receipt=result.receipt,
            )
        )
        if result.ok:
            row.status, row.sent_at, row.last_error = "sent", now, None
            report.sent += 1
        elif result.retry:
            row.status = "pending"
            row.next_attempt_at = now + backoff(row.attempts, result)
            row.last_error = result.error
            report.retrying += 1
            log.warning("alert %s via %s will be retried: %s", row.id, name, result.error)
        else:
            row.status, row.last_error = "failed", result.error
            report.failed += 1
            log.error("alert %s via %s failed: %s", row.id, name, result.error)
