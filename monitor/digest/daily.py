"""舆情日报: one Beijing day's mentions, events, deadlines and source health, as HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from monitor.clock import BEIJING
from monitor.config.loader import AppConfig
from monitor.config.types import GRADES
from monitor.storage.db import Database
from monitor.storage.models import Deadline, Event, Mention, Source
from monitor.templating import html_env
from workflow.states import OPEN_STATES, STATES


@dataclass
class Digest:
    day: date
    generated_at: datetime
    mentions: int
    negative: int
    by_grade: dict[str, int]
    new_events: list[Event]
    open_events: list[Event]
    breached: list[Deadline]
    due_soon: list[Deadline]
    sources: list[Source]
    public_url: str
    states: dict[str, str] = field(default_factory=lambda: dict(STATES))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), BEIJING)
    return start, start + timedelta(days=1)


def build_daily(db: Database, app: AppConfig, day: date, now: datetime) -> Digest:
    start, end = day_bounds(day)
    negative_at = app.settings.scoring.sentiment.negative_at
    with db.session() as s:
        in_day = (Mention.fetched_at >= start) & (Mention.fetched_at < end)
        mentions = s.scalar(select(func.count(Mention.id)).where(in_day)) or 0
        negative = (
            s.scalar(select(func.count(Mention.id)).where(in_day, Mention.negative >= negative_at))
            or 0
        )
        load = (selectinload(Event.department), selectinload(Event.deadlines))
        new_events = list(
            s.scalars(
                select(Event)
                .where(Event.discovered_at >= start, Event.discovered_at < end)
                .options(*load)
            )
        )
        open_events = list(
            s.scalars(select(Event).where(Event.state.in_(OPEN_STATES)).options(*load))
        )
        deadlines = list(
            s.scalars(
                select(Deadline)
                .join(Event)
                .where(
                    Deadline.superseded.is_(False),
                    Deadline.met_at.is_(None),
                    Event.state.in_(OPEN_STATES),
                )
                .options(selectinload(Deadline.event))
                .order_by(Deadline.due_at)
            )
        )
        sources = list(s.scalars(select(Source).order_by(Source.name)))
    rank = {g: i for i, g in enumerate(GRADES)}
    new_events.sort(key=lambda e: (rank[e.grade], -e.heat))
    open_events.sort(key=lambda e: (rank[e.grade], -e.heat))
    by_grade = {g: sum(1 for e in new_events if e.grade == g) for g in GRADES}
    return Digest(
        day=day,
        generated_at=now,
        mentions=mentions,
        negative=negative,
        by_grade=by_grade,
        new_events=new_events,
        open_events=open_events,
        breached=[d for d in deadlines if d.due_at <= now],
        due_soon=[d for d in deadlines if now < d.due_at <= now + timedelta(hours=48)],
        sources=sources,
        public_url=app.settings.service.web.public_url.rstrip("/"),
    )


def render_html(digest: Digest) -> str:
    return html_env().get_template("digest/daily.html.j2").render(d=digest)


def write_daily(db: Database, app: AppConfig, day: date, now: datetime) -> Path:
    html = render_html(build_daily(db, app, day, now))
    out_dir = app.path(app.settings.service.digest.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"舆情日报-{day.isoformat()}.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report
    return path
