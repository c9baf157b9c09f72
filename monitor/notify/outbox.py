"""Write alerts to the outbox, in the caller's transaction, one row per routed channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clock import beijing, fmt_beijing
from monitor.config.channels import Route
from monitor.config.models import Settings
from monitor.config.types import at_least
from monitor.notify.audience import audience
from monitor.scoring.grade import grade_label, one_line
from monitor.storage.models import Alert, Event
from monitor.storage.reports import KIND_NAMES as REPORT_NAMES
from monitor.storage.reports import Report

KINDS = {
    "new_event": "新舆情事件",
    "grade_up": "事件等级上升",
    "deadline_breach": "时限已超期",
    "deadline_reminder": "时限提醒",
    "escalation": "升级通知",
    "source_health": "信息源异常",
    "calendar_fallback": "工作日历缺少官方数据",
    "digest": "舆情报告",
}


def in_hours(window: str | None, now: datetime) -> bool:
    """Whether Beijing time `now` falls in "HH:MM-HH:MM" (a window may cross midnight)."""
    if window is None:
        return True
    start, end = window.split("-")
    t = beijing(now).strftime("%H:%M")
    return start <= t < end if start <= end else (t >= start or t < end)


def channels_for(
    settings: Settings,
    grade: str,
    department: str | None,
    kind: str = "new_event",
    topics: list[str] | None = None,
    now: datetime | None = None,
    roles: list[str] | None = None,
) -> list[str]:
    """The channels of every route whose conditions all hold (Alertmanager's `continue`).
    `roles`: whom the alert is meant for; by default, what `audience` says for its kind."""
    meant_for = audience(kind, grade) if roles is None else roles
    out: list[str] = []
    for r in settings.channels.routes:
        if not at_least(grade, r.min_grade):
            continue
        if r.departments and department not in r.departments:
            continue
        if r.kinds and kind not in r.kinds:
            continue
        if r.topics and not set(r.topics).intersection(topics or []):
            continue
        if not _for_roles(r, meant_for):
            continue
        if now is not None and not in_hours(r.hours, now):
            continue
        if r.channel not in out:
            out.append(r.channel)
    return out


def _for_roles(route: Route, meant_for: list[str]) -> bool:
    return not route.roles or bool(set(route.roles).intersection(meant_for))


def notice_channels(settings: Settings, kind: str) -> list[str]:
    """Notices (about the service, not an event) go to the routes that name their kind in
    `kinds`; when none does, to the routes that filter on nothing but grade. Either way a
    route with `roles` takes them only when it is for the notices' audience."""
    meant_for = audience(kind)
    routes = [r for r in settings.channels.routes if _for_roles(r, meant_for)]
    named = [r.channel for r in routes if kind in r.kinds]
    if named:
        return list(dict.fromkeys(named))
    plain = [r.channel for r in routes if not (r.kinds or r.departments or r.topics)]
    return list(dict.fromkeys(plain))


def enqueue_notice(
    session: Session,
    settings: Settings,
    kind: str,
    key: str,
    title: str,
    detail: str,
    now: datetime,
    path: str = "/",
) -> list[Alert]:
    """One alert per channel for a notice; a key seen before is not queued again."""
    url = settings.service.web.public_url.rstrip("/") + path
    payload = {
        "notice": True,
        "kind": kind,
        "kind_label": KINDS[kind],
        "grade_label": "运行提示",
        "title": title,
        "detail": detail,
        "url": url,
    }
    channels = notice_channels(settings, kind)
    return _queue(session, channels, kind, key, None, payload, now, audience(kind))


def report_payload(report: Report, public_url: str) -> dict[str, Any]:
    """What an alert about a finished report carries: names of its files, never their bytes
    (the dispatcher attaches those from `report_files` at each send). `notice` and `detail`
    let a renderer that knows nothing of reports still show a sensible notice."""
    return {
        "report": True,
        "notice": True,
        "kind": "digest",
        "kind_label": KINDS["digest"],
        "grade_label": REPORT_NAMES.get(report.kind, KINDS["digest"]),
        "report_id": report.id,
        "report_kind": report.kind,
        "title": report.title,
        "detail": report.summary,
        "summary": report.summary,
        "period": report.period,
        "url": f"{public_url.rstrip('/')}/reports/{report.id}",
        "files": {f.format: f.filename for f in report.files},
    }


def enqueue_report(
    session: Session, settings: Settings, report: Report, now: datetime
) -> list[Alert]:
    """One alert per channel for a finished report, in the caller's transaction: to the routes
    that name `digest` in `kinds`, or, when none does, to those that filter on nothing but
    grade. Keyed `report:<id>:<channel>`: a report queued before is never queued again."""
    if report.status != "ready":
        raise ValueError(f"report {report.id}: status {report.status!r}, not ready to send")
    if report.id is None:
        session.flush()  # the key and the console link need its id
    payload = report_payload(report, settings.service.web.public_url)
    channels = notice_channels(settings, "digest")
    roles = audience("digest")
    return _queue(session, channels, "digest", f"report:{report.id}", None, payload, now, roles)


def event_payload(ev: Event, public_url: str) -> dict[str, Any]:
    return {
        "event_id": ev.id,
        "title": ev.title,
        "grade": ev.grade,
        "grade_label": grade_label(ev.grade),
        "reasons": one_line(ev.grade_reasons),
        "department": ev.department.name if ev.department else "未分派",
        "owner": ev.owner,
        "first_source": ev.first_source,
        "discovered_at": fmt_beijing(ev.discovered_at),
        "mention_count": ev.mention_count,
        "deadlines": [
            {"clock": d.clock, "title": d.title, "due_at": d.due_at.isoformat()}
            for d in ev.deadlines
            if not d.superseded and d.met_at is None
        ],
        "url": f"{public_url.rstrip('/')}/events/{ev.id}",
    }


def enqueue(
    session: Session,
    settings: Settings,
    kind: str,
    ev: Event,
    now: datetime,
    key: str,
    extra: dict[str, Any] | None = None,
) -> list[Alert]:
    """One alert per channel that the routes select; a key seen before is not queued again."""
    dept = ev.department.code if ev.department else None
    payload = event_payload(ev, settings.service.web.public_url) | {
        "kind": kind,
        "kind_label": KINDS[kind],
    }
    payload |= extra or {}
    roles = audience(kind, ev.grade)
    channels = channels_for(settings, ev.grade, dept, kind, list(ev.topics), now, roles)
    return _queue(session, channels, kind, key, ev.id, payload, now, roles)


def _queue(
    session: Session,
    channels: list[str],
    kind: str,
    key: str,
    event_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    roles: list[str],
) -> list[Alert]:
    """One alert per channel, keyed `key:channel`; a key queued before is not queued again."""
    out = []
    for channel in channels:
        full_key = f"{key}:{channel}"
        if session.scalar(select(Alert.id).where(Alert.key == full_key)):
            continue
        alert = Alert(
            key=full_key,
            channel=channel,
            kind=kind,
            event_id=event_id,
            payload=payload,
            audience=roles,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(alert)
        out.append(alert)
    return out
