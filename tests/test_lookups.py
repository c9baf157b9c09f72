"""The term and topic look-ups grouping and spikes query by stay in step with the events.

A deployment upgraded from before the look-ups existed must find its open events too.
"""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import select

from monitor.cases import SYSTEM
from monitor.clock import utcnow
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.scoring.events import merge
from monitor.service.context import Context
from monitor.storage.lookups import EventTerm, MentionTopic
from monitor.storage.migrate import _alembic_config, upgrade
from monitor.storage.models import Event, Mention
from tests.helpers.cli import prepare

FEE = "青峰山景区停车场乱收费，一小时五十元，游客投诉没人管"


def post(sink: Ingest, i: int, text: str, when) -> None:  # noqa: ANN001
    sink(
        {
            "source": "weibo-search",
            "kind": "weibo",
            "url": f"https://m.weibo.cn/detail/{i}",
            "title": "",
            "text": text,
            "fetched_at": when,
            "published": when,
            "author": f"user{i}",
        }
    )


def lookups(ctx: Context) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    with ctx.db.session() as s:
        terms = {(t.event_id, t.term) for t in s.scalars(select(EventTerm))}
        topics = {(t.mention_id, t.topic) for t in s.scalars(select(MentionTopic))}
    return terms, topics


def test_upgrading_an_older_database_indexes_what_it_holds(tmp_path, database_url) -> None:  # noqa: ANN001
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    post(sink, 1, FEE, now - timedelta(minutes=30))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        ev = s.scalars(select(Event)).one()
        expected_terms = {(ev.id, t) for t in ev.terms}
        expected_topics = {(m.id, t) for m in s.scalars(select(Mention)) for t in m.topics}
    assert expected_topics, "the fee post is on the 景区收费 topic"
    assert lookups(ctx) == (expected_terms, expected_topics)

    cfg = _alembic_config(ctx.db)
    command.downgrade(cfg, "0007")  # as a deployment was before this release
    command.upgrade(cfg, "heads")
    assert lookups(ctx) == (expected_terms, expected_topics)

    # and grouping finds the old event by its terms
    post(sink, 2, "青峰山景区停车场乱收费还是没人管，游客继续投诉", now)
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        assert len(list(s.scalars(select(Event)))) == 1
        assert s.scalars(select(Event)).one().mention_count == 2
    ctx.db.dispose()


def test_a_merged_events_terms_lead_to_the_event_it_joined(tmp_path) -> None:  # noqa: ANN001
    app = load_config(
        prepare(tmp_path).config, environ={"DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    )
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    post(sink, 1, FEE, now - timedelta(hours=2))
    post(sink, 2, "暴雨后城东隧道积水严重，两辆车被困，有人求助", now - timedelta(hours=2))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        fee, flood = (
            s.scalar(select(Event).join(Mention).where(Mention.text.contains(w)))
            for w in ("停车场", "隧道")
        )
        assert fee is not None and flood is not None and fee.id != flood.id
        flood_terms = set(flood.terms)
        merge(s, fee, flood, SYSTEM, app.settings, now)
        fee_id = fee.id
    terms, _ = lookups(ctx)
    assert flood_terms & {t for e, t in terms if e == fee_id}
    post(sink, 3, "城东隧道积水退了没有，被困车辆拖走了吗", now)
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        joined = s.scalar(select(Mention.event_id).where(Mention.text.contains("拖走")))
    assert joined == fee_id  # not a new event, and not the merged-away one
    ctx.db.dispose()


def test_hourly_counts_from_the_database_match_counting_the_times(tmp_path, database_url) -> None:  # noqa: ANN001
    from monitor.pipeline.group import recent_counts
    from monitor.scoring.spikes import hourly_counts

    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    until = utcnow().replace(microsecond=0)
    sink = Ingest(app, ctx.db, now=lambda: until)
    # at, just inside and just outside hour boundaries, and outside the day
    ages = [0, 59, 60, 61, 3599, 3600, 3601, 7199.5, 7200, 36_000, 86_399, 90_000, 90_001]
    for i, age in enumerate(ages):
        post(sink, i, f"{FEE}（第{i}条）", until - timedelta(seconds=age))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, until)
    with ctx.db.session() as s:
        ms = list(s.scalars(select(Mention)))
        ev = {m.event_id for m in ms}
        assert len(ev) == 1 and all(m.topics == ["景区收费"] for m in ms)
        times = [m.published_at for m in ms]
        expected = hourly_counts(times, until)
        assert sum(expected) == len(ages) - 2  # the last two are older than 25 hours
        assert recent_counts(s, until, event_id=ev.pop()) == expected
        assert recent_counts(s, until, topic="景区收费") == expected
        assert recent_counts(s, until, topic="别的话题") == [0] * len(expected)
    ctx.db.dispose()
