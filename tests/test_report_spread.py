"""The propagation path and hourly trend counted by the database give the same figures as
counted from the mentions in memory (the 舆情专报 and the console's case page use the
first; bench/console.py is why)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.clock import beijing
from monitor.reports.spread import (
    MEDIA,
    STAGES,
    _chart,
    _flow,
    event_propagation,
    event_trend,
    when,
)
from monitor.storage.db import Database
from monitor.storage.models import Event, Mention, Source
from tests.helpers.report_cases import h, seed_cases

NEGATIVE_AT = 0.5


# -- the definitions, counted from the mentions in memory (what the SQL must agree with)


def propagation(ev: Event, ms: list[Mention]):  # noqa: ANN201
    first, firsts, counts = ms[0], {}, Counter()
    for m in ms:
        if m.id == first.id:
            st = STAGES[0]
        elif m.kind in MEDIA and ev.origin_kind not in MEDIA:
            st = STAGES[2]
        else:
            st = STAGES[1]
        counts[st] += 1
        firsts.setdefault(st, m)
    return _flow(firsts, counts)


def hourly_trend(ms: list[Mention], negative_at: float):  # noqa: ANN201
    hours, negative = Counter(), Counter()
    for m in ms:
        at = beijing(when(m)).replace(minute=0, second=0, microsecond=0)
        hours[at] += 1
        negative[at] += 1 if (m.negative or 0) >= negative_at else 0
    return _chart(hours, negative)


def in_memory(s, ev: Event):  # noqa: ANN001, ANN201
    ms = sorted(
        s.scalars(
            select(Mention).options(selectinload(Mention.source)).where(Mention.event_id == ev.id)
        ),
        key=when,
    )
    return propagation(ev, ms), hourly_trend(ms, NEGATIVE_AT)


def test_the_sample_cases_agree(database: Database) -> None:
    seed_cases(database)
    with database.session() as s:
        events = list(s.scalars(select(Event)))
        checked = 0
        for ev in events:
            if s.scalar(select(Mention.id).where(Mention.event_id == ev.id).limit(1)) is None:
                assert event_propagation(s, ev) is None and event_trend(s, ev, NEGATIVE_AT) is None
                continue
            flow, trend = in_memory(s, ev)
            assert event_propagation(s, ev) == flow
            assert event_trend(s, ev, NEGATIVE_AT) == trend
            checked += 1
        assert checked >= 3


def test_a_large_mixed_event_agrees(database: Database) -> None:
    """Every kind, missing publish times, ties, 0/1 negative around the threshold, and more
    than 72 hours (the chart keeps the last 72)."""
    rng = random.Random(7)
    with database.session() as s:
        kinds = ["weibo", "news", "feed", "board", "manual"]
        srcs = {k: Source(name=f"src-{k}", kind=k, title=f"来源{k}", tier="local") for k in kinds}
        s.add_all(srcs.values())
        s.flush()
        for origin in ("weibo", "news"):
            ev = Event(
                title=f"事件{origin}",
                origin_kind=origin,
                first_source="x",
                first_url="http://127.0.0.1/x",
                discovered_at=h(0),
                last_mention_at=h(90),
                created_at=h(0),
                updated_at=h(0),
            )
            s.add(ev)
            s.flush()
            for i in range(600):
                kind = origin if i == 0 else rng.choice(kinds)
                fetched = h(0) + timedelta(minutes=rng.randrange(0, 90 * 60))
                published = None if rng.random() < 0.2 else fetched - timedelta(minutes=3)
                s.add(
                    Mention(
                        source_id=srcs[kind].id,
                        kind=kind,
                        url=f"http://127.0.0.1/{origin}/{i}",
                        canonical_url=f"http://127.0.0.1/{origin}/{i}",
                        content_hash=f"{origin}-{i}",
                        title=f"标题{i}",
                        text="正文",
                        author=f"网友{i % 17}",
                        published_at=h(-1) if i == 0 else published,
                        fetched_at=fetched,
                        negative=rng.choice([0.0, 0.49, 0.5, 0.51, 1.0, None]),
                        event_id=ev.id,
                    )
                )
        s.flush()
        for ev in s.scalars(select(Event)):
            flow, trend = in_memory(s, ev)
            sql_flow = event_propagation(s, ev)
            assert sql_flow == flow
            assert [st.stage for st in sql_flow[0].steps] == (
                ["首发", "转载/转发", "媒体跟进"]
                if ev.origin_kind == "weibo"
                else ["首发", "转载/转发"]
            )
            assert sum(st.count for st in sql_flow[0].steps) == 600
            sql_trend = event_trend(s, ev, NEGATIVE_AT)
            assert sql_trend == trend
            assert len(sql_trend.labels) == 72
