"""The kept counts (storage/counts.py) equal a recount from the mentions, whatever moved them.

Spike detection and the source check read them in place of the mentions; they must give
the same figures as counting the mentions, after grouping, a merge, a split, and a
deployment upgraded from before they existed.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

from alembic import command
from sqlalchemy import select

from monitor.cases import SYSTEM
from monitor.clock import utcnow
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.pipeline.group import recent_counts
from monitor.scoring.events import merge, split
from monitor.scoring.spikes import hourly_counts
from monitor.service.context import Context
from monitor.storage.counts import EventMinute, EventSource, TopicMinute, minute_of
from monitor.storage.lookups import MentionTopic
from monitor.storage.migrate import _alembic_config, upgrade
from monitor.storage.models import Event, Mention
from tests.helpers.cli import prepare

FEE = "青峰山景区停车场乱收费，一小时五十元，游客投诉没人管"
OFFICER = SimpleNamespace(name="zhiban", role="duty_officer", department_id=None)
FLOOD = "暴雨后城东隧道积水严重，两辆车被困，有人求助"


def post(sink: Ingest, i: int, text: str, when, source: str = "weibo-search") -> None:  # noqa: ANN001
    sink(
        {
            "source": source,
            "kind": "weibo",
            "url": f"https://m.weibo.cn/detail/{i}",
            "title": "",
            "text": text,
            "fetched_at": when,
            "published": when,
            "author": f"user{i}",
        }
    )


def kept(ctx: Context) -> tuple[Counter, Counter, Counter]:
    with ctx.db.session() as s:
        minutes = Counter({(r.event_id, r.minute): r.n for r in s.scalars(select(EventMinute))})
        sources = Counter({(r.event_id, r.source_id): r.n for r in s.scalars(select(EventSource))})
        topics = Counter({(r.topic, r.minute): r.n for r in s.scalars(select(TopicMinute))})
    return minutes, sources, topics


def recount(ctx: Context) -> tuple[Counter, Counter, Counter]:
    with ctx.db.session() as s:
        ms = [m for m in s.scalars(select(Mention)) if m.event_id is not None]
        minutes = Counter((m.event_id, minute_of(m.published_at or m.fetched_at)) for m in ms)
        sources = Counter((m.event_id, m.source_id) for m in ms)
        topics = Counter((t.topic, minute_of(t.seen_at)) for t in s.scalars(select(MentionTopic)))
    return minutes, sources, topics


def source_counts_agree(ctx: Context) -> None:
    with ctx.db.session() as s:
        for ev in s.scalars(select(Event).where(Event.state != "merged")):
            held = {
                m.source_id for m in s.scalars(select(Mention).where(Mention.event_id == ev.id))
            }
            assert ev.source_count == len(held), ev.id


def test_kept_counts_equal_a_recount_after_grouping_a_merge_and_a_split(
    tmp_path,
    database_url,  # noqa: ANN001
) -> None:
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    rng = random.Random(3)
    n = 0
    for text in (FEE, FLOOD):
        for _ in range(6):
            n += 1
            when = now - timedelta(seconds=rng.randint(0, 30 * 3600))
            source = "weibo-search" if n % 2 else "weibo-timeline"
            post(sink, n, f"{text}（第{n}条）", when, source)
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    assert kept(ctx) == recount(ctx)
    source_counts_agree(ctx)

    with ctx.db.session() as s:
        fee, flood = (
            s.scalar(select(Event).join(Mention).where(Mention.text.contains(w)))
            for w in ("停车场", "隧道")
        )
        assert fee is not None and flood is not None and fee.id != flood.id
        moved = merge(s, fee, flood, SYSTEM, app.settings, now)  # moves the flood's mentions
        assert moved == 6
        fee_id = fee.id
    assert kept(ctx) == recount(ctx)
    assert all(e == fee_id for e, _ in kept(ctx)[0])  # nothing left on the merged event
    source_counts_agree(ctx)

    with ctx.db.session() as s:
        fee = s.get_one(Event, fee_id)
        out = list(
            s.scalars(
                select(Mention.id).where(Mention.event_id == fee_id, Mention.text.contains("隧道"))
            )
        )[:3]
        split(s, fee, out, OFFICER, app.settings, ctx.book, now)
    assert kept(ctx) == recount(ctx)
    source_counts_agree(ctx)

    # more of both after: they join the events as they stand
    for text in (FEE, FLOOD):
        n += 1
        post(sink, n, f"{text}（第{n}条）", now - timedelta(minutes=n))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    assert kept(ctx) == recount(ctx)
    source_counts_agree(ctx)

    # and the figures spike detection reads are those of counting the mentions' times
    with ctx.db.session() as s:
        for ev in s.scalars(select(Event).where(Event.state != "merged")):
            times = [
                m.published_at or m.fetched_at
                for m in s.scalars(select(Mention).where(Mention.event_id == ev.id))
            ]
            until = ev.last_mention_at
            assert recent_counts(s, until, event_id=ev.id) == hourly_counts(times, until)
    ctx.db.dispose()


def test_counts_back_from_a_moment_off_the_minute_equal_counting_the_times(
    tmp_path,
    database_url,  # noqa: ANN001
) -> None:
    """Boundaries inside a minute, mentions a millisecond either side of them."""
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    until = utcnow().replace(second=37, microsecond=250_000)
    sink = Ingest(app, ctx.db, now=lambda: until)
    ages = [0, 0.001, 0.002, 1, 37.25, 37.26, 59, 3599.999, 3600, 3600.001, 3637.25]
    ages += [7199.998, 7200, 7200.002, 50_000, 86_399.999, 86_400, 89_999.999, 90_000, 90_001]
    rng = random.Random(5)
    ages += [rng.uniform(0, 26 * 3600) for _ in range(40)]
    for i, age in enumerate(ages):
        post(sink, i, f"{FEE}（第{i}条）", until - timedelta(seconds=age))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, until)
    with ctx.db.session() as s:
        ms = list(s.scalars(select(Mention)))
        (event_id,) = {m.event_id for m in ms}
        times = [m.published_at for m in ms]
        for back in (0, 0.001, 0.5, 37.25, 1800, 3600):
            at = until - timedelta(seconds=back)
            expected = hourly_counts(times, at)
            assert recent_counts(s, at, event_id=event_id) == expected, back
            assert recent_counts(s, at, topic="景区收费") == expected, back
    ctx.db.dispose()


def test_an_upgrade_counts_what_the_database_already_holds(tmp_path, database_url) -> None:  # noqa: ANN001
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    for i in range(5):
        post(sink, i, f"{FLOOD}（第{i}条）", now - timedelta(minutes=37 * i))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    before = kept(ctx)
    assert sum(before[0].values()) == 5 and before == recount(ctx)
    cfg = _alembic_config(ctx.db)
    command.downgrade(cfg, "0015")  # as a deployment was before the kept counts
    command.upgrade(cfg, "heads")
    assert kept(ctx) == before
    ctx.db.dispose()
