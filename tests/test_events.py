"""Events on the bundled sample: profile, a person's merge and split, spikes as reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.samplesite import serve
from monitor.scoring.spikes import detect, hourly_counts
from monitor.service.context import Context
from monitor.storage.models import Event, Mention
from tests.helpers.cli import prepare


@pytest.fixture(scope="module")
def sample(tmp_path_factory):  # noqa: ANN001, ANN201
    tmp = tmp_path_factory.mktemp("events")
    site, _ = serve("127.0.0.1", 0)
    try:
        setup = prepare(tmp, sample_port=site.server_address[1])
        setup.ok("init")
        setup.ok("crawl", "--all")
        setup.ok("user", "add", "li", "--role", "duty_officer", "--no-password")
        ctx = Context(load_config(setup.config, environ=setup.env))
        yield ctx, setup
        ctx.db.dispose()
    finally:
        site.shutdown()


def event_of(ctx, fragment: str) -> Event:  # noqa: ANN001
    with ctx.db.session() as s:
        event_id = s.scalar(
            select(Mention.event_id).where(Mention.title.contains(fragment)).limit(1)
        )
        return s.get_one(Event, event_id)


def test_profile_shows_the_path_from_board_to_weibo_to_news(sample) -> None:  # noqa: ANN001
    ctx, setup = sample
    fee = event_of(ctx, "青峰山景区停车场乱收费")
    out = setup.ok("event", "profile", str(fee.id)).stdout
    lines = out.splitlines()
    path = lines[lines.index("传播路径：") + 1 :]
    assert "首发" in path[0]
    assert any("媒体跟进" in line for line in path)
    assert "时间线（北京时间，每小时条数）：" in out
    assert "情感构成：负面" in out
    assert "代表性观点：" in out
    assert "等级理由：" in out and "话题“景区收费”" in out
    assert "媒体已跟进" in out  # traditional-media pickup raises the event's heat


def test_merge_then_split_by_a_person(sample) -> None:  # noqa: ANN001
    ctx, setup = sample
    rumour = event_of(ctx, "永久闭馆")
    growth = event_of(ctx, "同比增长")
    assert rumour.id != growth.id
    with ctx.db.session() as s:
        growth_ids = list(s.scalars(select(Mention.id).where(Mention.event_id == growth.id)))
    done = setup.run("event", "merge", str(rumour.id), str(growth.id), "--as", "nobody")
    assert "用户 'nobody' 不存在" in done.stderr and "Traceback" not in done.stderr
    out = setup.ok("event", "merge", str(rumour.id), str(growth.id), "--as", "li").stdout
    assert f"并入事件 #{rumour.id}" in out
    with ctx.db.session() as s:
        assert s.get_one(Event, growth.id).state == "merged"
        moved = list(s.scalars(select(Mention.id).where(Mention.event_id == rumour.id)))
        merged = s.get_one(Event, rumour.id)
        assert merged.mention_count == len(moved) > rumour.mention_count
        assert set(growth_ids) <= set(moved)
    done = setup.run("event", "merge", str(rumour.id), str(growth.id), "--as", "li")
    assert done.returncode != 0 and "Traceback" not in done.stderr  # already merged

    out = setup.ok("event", "split", str(rumour.id), *map(str, growth_ids), "--as", "li").stdout
    assert "已拆出新事件" in out
    with ctx.db.session() as s:
        again = s.get_one(Event, rumour.id)
        assert again.mention_count == rumour.mention_count
        new_id = s.scalar(select(Mention.event_id).where(Mention.id == growth_ids[0]))
        new = s.get_one(Event, new_id)
        assert new.id not in (rumour.id, growth.id) and new.grade == "IV"
    done = setup.run("event", "split", str(rumour.id), "999999", "--as", "li")
    assert "没有信息 999999" in done.stderr


def test_spike_is_the_last_hour_above_mean_plus_three_sigma() -> None:
    until = datetime(2026, 11, 21, 12, tzinfo=UTC)
    quiet = [until - timedelta(hours=h, minutes=5) for h in range(1, 24) for _ in range(2)]
    burst = [until - timedelta(minutes=m) for m in range(0, 50, 5)]
    counts = hourly_counts(quiet + burst, until)
    assert counts[-1] == 10 and sum(counts[:-1]) == 46
    spike = detect(counts)
    assert spike is not None
    assert "近 1 小时 10 条" in spike.text("本事件")
    assert detect(hourly_counts(quiet, until)) is None  # steady chatter is no spike
    assert detect([0] * 24 + [3]) is None  # too few to call a spike


def test_spike_becomes_a_reason_of_the_event_grade(tmp_path, database_url) -> None:  # noqa: ANN001
    from monitor.clock import utcnow
    from monitor.ingest import Ingest
    from monitor.pipeline.analyse import analyse_pending
    from monitor.storage.migrate import upgrade

    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    for i in range(8):
        sink(
            {
                "source": "weibo-search",
                "kind": "weibo",
                "url": f"https://m.weibo.cn/detail/{i}",
                "title": "",
                "text": f"青峰山景区停车场乱收费，一小时五十元，游客投诉没人管 {i}",
                "fetched_at": now,
                "published": now - timedelta(minutes=5 * i),
                "author": f"user{i}",
            }
        )
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        ev = s.scalars(select(Event)).one()
        texts = [r["text"] for r in ev.grade_reasons]
    assert "本事件传播激增：近 1 小时 8 条，此前每小时均值 0.0 条" in texts, texts
    assert "话题“景区收费”传播激增：近 1 小时 8 条，此前每小时均值 0.0 条" in texts, texts
    ctx.db.dispose()


def test_backtest_shows_what_changed_rules_would_have_done(sample, tmp_path) -> None:  # noqa: ANN001
    ctx, setup = sample
    fee = event_of(ctx, "青峰山景区停车场乱收费")
    topics = (setup.config / "topics.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "topics.yaml"
    # the analyst narrows the fee topic to one scenic area that is not in the story
    changed.write_text(topics.replace("(景区 | 青峰山 | 旅游 | 游客 | 停车场)", "白云洞"), "utf-8")
    out = setup.ok("backtest", "--topics", str(changed), "--since", "30d").stdout
    assert "回放" in out and "话题变化" in out
    line = next(x for x in out.splitlines() if x.startswith(f"  事件 #{fee.id}「"))
    assert "话题 景区收费 → " in line and "景区收费 → 景区收费" not in line
    with ctx.db.session() as s:
        assert s.get_one(Event, fee.id).topics == ["景区收费"]  # nothing was changed
