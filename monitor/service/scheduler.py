"""APScheduler jobs: each a one-liner calling a service function; no job overlaps itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.clock import BEIJING, utcnow
from monitor.collection.crawl import crawl_child
from monitor.emergency import run_emergency
from monitor.evidence import drop_expired
from monitor.notices import notify_calendar_fallback, notify_source_health
from monitor.notify import escalation
from monitor.notify.base import Channel
from monitor.notify.dispatcher import deliver_due
from monitor.overdue import check_overdue
from monitor.pipeline.analyse import analyse_pending
from monitor.reports import schedule as reports
from monitor.reports.periods import previous_month
from monitor.service.context import Context

log = logging.getLogger(__name__)


def _guarded(name: str, fn: Callable[[], object]) -> Callable[[], None]:
    """A failing job logs and waits for its next run; it never kills the scheduler."""

    def run() -> None:
        try:
            fn()
        except Exception:
            log.exception("job %s failed; it will run again at its next time", name)

    return run


def build_scheduler(ctx: Context, channels: dict[str, Channel]) -> BackgroundScheduler:
    svc = ctx.settings.service
    sched = BackgroundScheduler(
        timezone=BEIJING,
        executors={
            "default": ThreadPoolExecutor(4),
            "crawl": ThreadPoolExecutor(svc.crawl.concurrent_crawls),
            "reports": ThreadPoolExecutor(1),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    start = utcnow()
    limits = {c.name: c.rate() for c in ctx.settings.channels.channels}
    config_dir = str(ctx.app.config_dir)

    def wake(job_id: str) -> None:
        """Run a job now rather than at its next tick (it still never overlaps itself):
        what a crawl stores is analysed at once, and what analysis raises is sent at once."""
        job = sched.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=datetime.now(BEIJING))

    def crawl_then_analyse(name: str) -> None:
        crawl_child(config_dir, name)
        wake("analyse")

    def analyse_then_dispatch() -> None:
        report = analyse_pending(ctx.db, ctx.app, ctx.scorer, ctx.book, utcnow())
        if report.alerts:
            wake("dispatch")

    for i, src in enumerate(s for s in ctx.settings.sources.sources if s.enabled):
        sched.add_job(
            _guarded(f"crawl {src.name}", lambda n=src.name: crawl_then_analyse(n)),
            "interval",
            seconds=src.interval.total_seconds(),
            id=f"crawl:{src.name}",
            name=f"采集 {src.name}",
            executor="crawl",
            next_run_time=start + timedelta(seconds=i),
        )
    sched.add_job(
        _guarded("analyse", analyse_then_dispatch),
        "interval",
        seconds=svc.analysis.interval.total_seconds(),
        id="analyse",
        name="分析",
        next_run_time=start,
    )
    sched.add_job(
        _guarded(
            "dispatch",
            # sends still marked `sending` from before this start were cut off by a crash
            lambda: deliver_due(ctx.db, channels, utcnow(), limits, in_doubt_before=start),
        ),
        "interval",
        seconds=svc.dispatch.interval.total_seconds(),
        id="dispatch",
        name="预警投递",
    )
    sched.add_job(
        _guarded("overdue", lambda: check_overdue(ctx.db, ctx.settings, utcnow())),
        "interval",
        seconds=30,
        id="overdue",
        name="超期检查",
        next_run_time=start,
    )
    sched.add_job(
        _guarded("emergency", lambda: run_emergency(ctx.db, ctx.settings, config_dir)),
        "interval",
        seconds=svc.crawl.emergency_interval.total_seconds(),
        id="emergency",
        name="应急监测",
        executor="crawl",
    )
    sched.add_job(
        _guarded("evidence", lambda: drop_expired(ctx.db, svc.crawl.evidence_days, utcnow())),
        "interval",
        hours=6,
        id="evidence",
        name="存证保留期清理",
    )
    sched.add_job(
        _guarded("escalation", lambda: escalation.step(ctx.db, ctx.settings, utcnow())),
        "interval",
        seconds=30,
        id="escalation",
        name="升级",
    )
    sched.add_job(
        _guarded("source health", lambda: notify_source_health(ctx.db, ctx.settings, utcnow())),
        "interval",
        minutes=10,
        id="source-health",
        name="信息源健康检查",
    )
    sched.add_job(
        _guarded(
            "calendar",
            lambda: notify_calendar_fallback(ctx.db, ctx.settings, ctx.book, utcnow()),
        ),
        "interval",
        hours=12,
        id="calendar",
        name="工作日历检查",
        next_run_time=start,
    )
    # Reports: made once per period however many processes run (reports/schedule.py), on
    # the "reports" executor so a long build never delays a crawl, analysis or alert.
    hour, minute = (int(x) for x in svc.digest.at.split(":"))
    sched.add_job(
        _guarded(
            "digest",
            lambda: reports.make_digest(
                ctx.db, ctx.app, reports.latest_digest_day(svc.digest.at, utcnow()), utcnow()
            ),
        ),
        "cron",
        hour=hour,
        minute=minute,
        id="digest",
        name="舆情日报",
        executor="reports",
    )
    if svc.digest.assessment_day:
        hour, minute = (int(x) for x in svc.digest.assessment_at.split(":"))
        sched.add_job(
            _guarded(
                "assessment",
                lambda: reports.make_assessment(
                    ctx.db, ctx.app, previous_month(utcnow()), utcnow()
                ),
            ),
            "cron",
            day=svc.digest.assessment_day,
            hour=hour,
            minute=minute,
            id="assessment",
            name="月度考核通报",
            executor="reports",
        )
    sched.add_job(
        _guarded("reports catch-up", lambda: reports.catch_up(ctx.db, ctx.app, utcnow())),
        "date",
        run_date=start + timedelta(seconds=30),
        id="reports-catch-up",
        name="补发停机期间的报告",
        executor="reports",
    )
    return sched
