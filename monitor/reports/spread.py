"""How an event spread: the propagation path (首发 → 转载/转发 → 媒体跟进) and the hourly
trend of its mentions with their negative share. The 舆情专报 and the console's case page
draw the same figures from these."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import as_utc, beijing
from monitor.pipeline.group import publisher
from monitor.reports.document import Chart, Flow, FlowStep, Series, Table
from monitor.storage.lookups import SEEN_AT
from monitor.storage.models import Event, Mention

MEDIA = ("news", "feed")
STAGES = ("首发", "转载/转发", "媒体跟进")


def when(m: Mention) -> datetime:
    """When a mention appeared: its publish time, else when it was fetched."""
    return as_utc(m.published_at or m.fetched_at)


def _flow(firsts: dict[str, Mention], counts: Mapping[str, int]) -> tuple[Flow, Table]:
    steps = [
        FlowStep(
            st,
            publisher(firsts[st]),
            beijing(when(firsts[st])).strftime("%m-%d %H:%M"),
            counts[st],
        )
        for st in STAGES
        if st in firsts
    ]
    flow = Flow(
        "传播路径",
        steps,
        alt=" → ".join(f"{s.stage}：{s.who}（{s.at}，{s.count} 条）" for s in steps),
    )
    table = Table(
        ["环节", "首条发布者", "首条时间", "信息量"],
        [[s.stage, s.who, s.at, str(s.count)] for s in steps],
    )
    return flow, table


def _chart(hours: Counter[datetime], negative: Counter[datetime]) -> Chart:
    last = max(hours)
    first = max(min(hours), last - timedelta(hours=71))
    slots, t = [], first
    while t <= last:
        slots.append(t)
        t = t + timedelta(hours=1)
    labels = [t.strftime("%d日%H时") for t in slots]
    return Chart(
        "信息量与负面占比走势（每小时）",
        labels,
        [
            Series("信息量（条）", [float(hours[t]) for t in slots], "bar", "left", "条"),
            Series(
                "负面占比",
                [round(negative[t] * 100 / hours[t], 1) if hours[t] else None for t in slots],
                "line",
                "right",
                "%",
            ),
        ],
        label_every=max(1, len(slots) // 8),
        alt="；".join(
            f"{lb} {hours[t]} 条" for lb, t in zip(labels, slots, strict=True) if hours[t]
        ),
    )


# -- the same figures counted by the database: an event of 50,000 mentions is one query
# -- per figure, not 50,000 rows loaded (the console's case page, bench/console.py)

APPEARED = SEEN_AT  # the expression ix_mentions_event_seen indexes, with the event id


def _hour(session: Session, at: ColumnElement[datetime]) -> ColumnElement[Any]:
    """The hour of a stored UTC time, as the database groups it cheaply: a truncated
    timestamp on PostgreSQL (hours start at the same instants in UTC and Beijing time, so
    the session's time zone does not matter), 'YYYY-MM-DD HH' text on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", at)
    return func.substr(at, 1, 13)  # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC


def _hour_at(key: datetime | str) -> datetime:
    """An hour as `_hour` gave it, as an aware UTC time."""
    if isinstance(key, datetime):
        return key.astimezone(UTC)
    return datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)


def _oldest(session: Session, ev: Event, *where: ColumnElement[bool]) -> Mention | None:
    return session.scalars(
        select(Mention)
        .options(selectinload(Mention.source))
        .where(Mention.event_id == ev.id, *where)
        .order_by(APPEARED, Mention.id)
        .limit(1)
    ).first()


@dataclass(frozen=True)
class KindCount:
    mentions: int
    analysed: int  # scored for sentiment
    negative: int


def kind_counts(session: Session, ev: Event, negative_at: float) -> dict[str, KindCount]:
    """An event's mentions per kind with their sentiment counts: one pass over one index
    (ix_mentions_event_figures), shared by the propagation path and the sentiment mix."""
    rows = session.execute(
        select(
            Mention.kind,
            func.count(),  # count(*): read from the index alone
            func.count(Mention.negative),
            func.sum(case((Mention.negative >= negative_at, 1), else_=0)),
        )
        .where(Mention.event_id == ev.id)
        .group_by(Mention.kind)
    ).all()
    return {k: KindCount(int(n), int(a), int(neg or 0)) for k, n, a, neg in rows}


def event_propagation(
    session: Session, ev: Event, by_kind: Mapping[str, int] | None = None
) -> tuple[Flow, Table] | None:
    """首发 → 转载/转发 → 媒体跟进 of a stored event: the first mention is 首发; a news or
    feed item after a first publication of another kind is 媒体跟进; the rest 转载/转发.
    `by_kind`: its mentions per kind, when already counted. None without mentions."""
    first = _oldest(session, ev)
    if first is None:
        return None
    if by_kind is None:
        by_kind = {k: c.mentions for k, c in kind_counts(session, ev, 0.0).items()}
    total = sum(by_kind.values())
    firsts: dict[str, Mention] = {STAGES[0]: first}
    counts = {STAGES[0]: 1}
    others = Mention.id != first.id
    if ev.origin_kind not in MEDIA:
        media = sum(n for k, n in by_kind.items() if k in MEDIA) - (first.kind in MEDIA)
        if media and (m := _oldest(session, ev, others, Mention.kind.in_(MEDIA))) is not None:
            firsts[STAGES[2]], counts[STAGES[2]] = m, media
        rest = total - 1 - media
        if rest and (m := _oldest(session, ev, others, Mention.kind.not_in(MEDIA))) is not None:
            firsts[STAGES[1]], counts[STAGES[1]] = m, rest
    elif total > 1 and (m := _oldest(session, ev, others)) is not None:
        firsts[STAGES[1]], counts[STAGES[1]] = m, total - 1
    return _flow(firsts, counts)


def event_trend(session: Session, ev: Event, negative_at: float) -> Chart | None:
    """Mentions and the negative share per Beijing hour, from the first mention to the last
    (at most the last 72 hours, so a long event stays readable); None without mentions."""
    hour = _hour(session, APPEARED).label("hour")
    rows = session.execute(
        select(
            hour,
            func.count(),  # count(*): read from the index alone
            func.sum(case((Mention.negative >= negative_at, 1), else_=0)),
        )
        .where(Mention.event_id == ev.id)
        .group_by(hour)
    ).all()
    if not rows:
        return None
    hours: Counter[datetime] = Counter()
    negative: Counter[datetime] = Counter()
    for key, n, neg in rows:
        at = beijing(_hour_at(key))
        hours[at] += int(n)
        negative[at] += int(neg or 0)
    return _chart(hours, negative)
