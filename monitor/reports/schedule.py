"""When reports are made by themselves: the daily digest at `digest.at`, the month's
assessment on `digest.assessment_day`, and the one missed while the service was down.

Each run claims its report's key first (monitor/reports/store.py), so however many service
processes share the database, and however often a job fires, each scheduled report is made
and delivered once. On start only the latest missed digest is made, not one per missed day
(`yuqing digest --since` makes those), and only if the service was collecting by then: a
new installation does not open with an empty digest for the day before it existed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from monitor.clock import beijing
from monitor.config.loader import AppConfig
from monitor.reports.assessment import build_assessment
from monitor.reports.common import at_beijing
from monitor.reports.daily import build_daily, window_for
from monitor.reports.periods import Period, previous_month
from monitor.reports.store import Made, scheduled
from monitor.storage.db import Database
from monitor.storage.models import Mention

log = logging.getLogger(__name__)


def digest_key(day: date) -> str:
    return f"daily:{day.isoformat()}"


def assessment_key(period: Period) -> str:
    return f"assessment:{period.text}"


def latest_digest_day(at: str, now: datetime) -> date:
    """The newest digest whose time has come: today's once `at` has passed, else yesterday's."""
    today = beijing(now).date()
    return today if at_beijing(today, at) <= now else today - timedelta(days=1)


def make_digest(db: Database, app: AppConfig, day: date, now: datetime) -> Made | None:
    made = scheduled(
        db, app, "daily", lambda s: build_daily(s, app, day, now), digest_key(day), now
    )
    if made is not None:
        log.info("舆情日报 %s 已生成并排队投递：%s", day, made.summary)
    return made


def make_assessment(db: Database, app: AppConfig, period: Period, now: datetime) -> Made | None:
    made = scheduled(
        db,
        app,
        "assessment",
        lambda s: build_assessment(s, app, period, now),
        assessment_key(period),
        now,
    )
    if made is not None:
        log.info("考核通报 %s 已生成并排队投递：%s", period.text, made.summary)
    return made


def _collecting_before(db: Database, moment: datetime) -> bool:
    with db.session() as s:
        first = s.scalar(select(func.min(Mention.fetched_at)))
    return first is not None and first < moment


def catch_up(db: Database, app: AppConfig, now: datetime) -> list[Made]:
    """On start: the latest digest and the latest monthly assessment, if they were due while
    the service was down (made once; a key already made is left alone)."""
    cfg = app.settings.service.digest
    out = []
    day = latest_digest_day(cfg.at, now)
    if _collecting_before(db, window_for(day, cfg.at).end):
        made = make_digest(db, app, day, now)
        if made:
            out.append(made)
    if cfg.assessment_day:
        this_month = beijing(now).date().replace(day=cfg.assessment_day)
        due = at_beijing(this_month, cfg.assessment_at)
        period = previous_month(now) if due <= now else previous_month(due - timedelta(days=31))
        if _collecting_before(db, period.window.end):
            made = make_assessment(db, app, period, now)
            if made:
                out.append(made)
    return out


def digests_since(
    db: Database, app: AppConfig, first: date, now: datetime
) -> list[tuple[date, Made | None]]:
    """`yuqing digest --since`: every scheduled digest from `first` to the latest due; a
    day already made is left as it is (None)."""
    last = latest_digest_day(app.settings.service.digest.at, now)
    out = []
    day = first
    while day <= last:
        out.append((day, make_digest(db, app, day, now)))
        day += timedelta(days=1)
    return out
