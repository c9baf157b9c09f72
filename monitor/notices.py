"""Operational notices: a source failing or gone silent, the working-day calendar falling back.

Each problem alerts once (its key names the outage or the year), through the same outbox and
channels as event alerts (see notify/outbox.enqueue_notice for which routes receive them).
"""

from __future__ import annotations

from datetime import datetime

from monitor.cases.deadlines import DeadlineBook
from monitor.clock import beijing
from monitor.collection.health import FAILING, SILENT, all_health
from monitor.config.models import Settings
from monitor.notify.outbox import enqueue_notice
from monitor.storage.db import Database

ADVICE = "请检查该站点是否改版、封禁或需要登录（yuqing sources 查看详情）。"


def notify_source_health(db: Database, settings: Settings, now: datetime) -> int:
    """Alert on sources with no success for `crawl.unhealthy_after`, or silent for
    `crawl.silent_after`; a single failed run between successes is not yet an alert."""
    crawl = settings.service.crawl
    queued = 0
    with db.session() as s:
        for h in all_health(s, crawl, now):
            outage_since = h.last_success_at.isoformat() if h.last_success_at else "never"
            if h.status == FAILING:
                if (
                    h.last_success_at is not None
                    and now - h.last_success_at <= crawl.unhealthy_after
                ):
                    continue  # failed lately but succeeded recently: wait before alerting
                key = f"source:{h.source}:failing:{outage_since}"
            elif h.status == SILENT:
                last = h.last_item_at.isoformat() if h.last_item_at else "never"
                key = f"source:{h.source}:silent:{last}"
            else:
                continue
            queued += len(
                enqueue_notice(
                    s,
                    settings,
                    "source_health",
                    key,
                    f"信息源“{h.title}”{h.status}",
                    f"{h.reason}。{ADVICE}",
                    now,
                )
            )
    return queued


def notify_calendar_fallback(
    db: Database, settings: Settings, book: DeadlineBook, now: datetime
) -> int:
    """Once per missing year, while working-day clocks use the fallback calendar."""
    warning = book.fallback_warning(now)
    if warning is None:
        return 0
    year = beijing(now).year
    missing = [y for y in (year, year + 1) if not book.calendar.has_official_data(y)]
    with db.session() as s:
        return len(
            enqueue_notice(
                s,
                settings,
                "calendar_fallback",
                f"calendar:{missing[0]}",
                f"{missing[0]} 年工作日历缺少官方数据",
                warning,
                now,
            )
        )
