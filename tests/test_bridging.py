"""One matter that arrives in two pieces becomes one event: a mention about two open events
merges the one nobody has acted on into the other, live and in the backtest's replay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from monitor.cases import transition
from monitor.clock import utcnow
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.scoring.replay import replay
from monitor.service.context import Context
from monitor.storage.migrate import upgrade
from monitor.storage.models import AuditLog, Event, Mention
from tests.helpers.cli import prepare

# An official notice and a citizen's post about one flood, in words that barely overlap,
# then a news report that tells both stories.
NOTICE = (
    "市防汛指挥部启动应急响应",
    "市防汛指挥部决定自即日起启动防汛四级应急响应，各区防汛指挥部加强值守，"
    "排查低洼道路积水点，做好应急抢险准备，群众如遇险情请拨打求助电话。",
)
POST = (
    "",
    "城区暴雨，东门隧道里水已经漫到车窗了，好几辆车被困在里面，大家千万别往东门这边走！",
)
REPORT = (
    "城区暴雨致东门隧道积水 市防汛指挥部启动应急响应",
    "今天上午城区暴雨，东门隧道严重积水，多辆车被困。市防汛指挥部随即启动应急响应，"
    "消防人员赶到东门隧道救援。",
)


def _analyse(tmp_path, database_url, before_report=None):  # noqa: ANN001, ANN202
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    items = [("yunchuan-news", "news", NOTICE), ("weibo-search", "weibo", POST)]
    for i, (source, kind, (title, text)) in enumerate(items):
        sink(_item(source, kind, i, title, text, now - timedelta(hours=2 - i)))
    sink.close()
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    if before_report:
        before_report(ctx)
    sink(_item("yunchuan-news", "news", 9, *REPORT, now - timedelta(minutes=30)))
    sink.close()
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    return ctx


def _item(source: str, kind: str, i: int, title: str, text: str, at, **extra) -> dict:  # noqa: ANN001, ANN003
    return extra | {
        "source": source,
        "kind": kind,
        "url": f"http://news.example.cn/{kind}/{i}",
        "title": title,
        "text": text,
        "fetched_at": at,
        "published": at,
        "author": f"author{i}",
    }


def _events(ctx) -> dict[int, Event]:  # noqa: ANN001
    with ctx.db.session() as s:
        return {e.id: e for e in s.scalars(select(Event))}


def test_the_terms_overlap_as_the_story_needs(tmp_path) -> None:  # noqa: ANN001
    """The premise: notice and post share too little; the report shares enough with each."""
    scorer = Context(load_config(prepare(tmp_path).config, environ={})).scorer
    notice, post, report = (set(scorer.terms(f"{t}\n{x}")) for t, x in (NOTICE, POST, REPORT))
    assert len(notice & post) < 2 <= min(len(report & notice), len(report & post))
    topics = [scorer.score(t, x, 0, 0, 0, "local").topics for t, x in (NOTICE, POST, REPORT)]
    assert topics == [["城市内涝"]] * 3


def test_a_report_about_both_merges_the_later_event_into_the_first(
    tmp_path,
    database_url,  # noqa: ANN001
) -> None:
    ctx = _analyse(tmp_path, database_url)
    events = _events(ctx)
    assert len(events) == 2
    first, second = sorted(events.values(), key=lambda e: e.id)
    assert first.state == "collected" and first.mention_count == 3
    assert second.state == "merged"
    with ctx.db.session() as s:
        members = set(s.scalars(select(Mention.event_id)))
        audit = s.scalars(
            select(AuditLog).where(
                AuditLog.object_id == str(second.id), AuditLog.action == "transition"
            )
        ).all()
    assert members == {first.id}
    assert any(f"并入事件 #{first.id}" in (a.detail or {}).get("reason", "") for a in audit), [
        a.detail for a in audit
    ]
    ctx.db.dispose()


def test_an_event_people_are_working_on_is_never_merged_away(
    tmp_path,
    database_url,  # noqa: ANN001
) -> None:
    def consult_the_second(ctx) -> None:  # noqa: ANN001
        with ctx.db.session() as s:
            ev = s.scalars(select(Event).order_by(Event.id.desc())).first()
            transition(s, ev, "consulting", "system", "会商", utcnow())

    ctx = _analyse(tmp_path, database_url, before_report=consult_the_second)
    first, second = sorted(_events(ctx).values(), key=lambda e: e.id)
    # the one in people's hands survives and takes the untouched one in
    assert second.state == "consulting" and second.mention_count == 3
    assert first.state == "merged"
    ctx.db.dispose()


def test_the_backtest_replay_merges_the_same_way(tmp_path, database_url) -> None:  # noqa: ANN001
    ctx = _analyse(tmp_path, database_url)
    now = utcnow()
    sink = Ingest(ctx.app, ctx.db, now=lambda: now)
    sink(_item("gov-board", "board", 7, "路灯不亮", "滨江路路灯坏了一个多月，晚上一片漆黑。", now))
    sink.close()
    with ctx.db.session() as s:
        notice, post, report, lamp = s.scalars(select(Mention).order_by(Mention.id)).all()
        for m in (notice, post, report, lamp):
            _ = m.source
        # the post first: the notice's event, discovered earlier, survives the merge
        result = replay([post, notice, report, lamp], ctx.scorer, ctx.app, now)
    assert len(result.events) == 2
    assert set(result.event_of.values()) == set(result.events)
    flood = result.event_of[notice.id]
    assert result.event_of[post.id] == result.event_of[report.id] == flood
    assert result.events[flood].mention_count == 3
    assert (
        result.event_of[lamp.id] != flood
        and result.events[result.event_of[lamp.id]].mention_count == 1
    )
    ctx.db.dispose()


def test_a_person_merging_in_a_major_event_puts_the_kept_one_on_its_clocks(
    tmp_path,
    database_url,  # noqa: ANN001
) -> None:
    setup = prepare(tmp_path, database_url)
    setup.ok("init")
    setup.ok("user", "add", "li", "--role", "duty_officer", "--no-password")
    app = load_config(setup.config, environ=setup.env)
    ctx = Context(app)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    flood = "城区暴雨，东门隧道严重积水，多辆车被困，有人员被困车内等待救援，情况危急！"
    lamp = "滨江路路灯坏了一个多月，晚上一片漆黑，希望尽快维修。"
    sink(_item("gov-board", "board", 0, "", lamp, now))
    sink(_item("weibo-search", "weibo", 1, "", flood, now, reposts=20000, comments=8000))
    sink.close()
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        keep = s.scalar(select(Event).where(Event.title.contains("路灯")))
        major = s.scalar(select(Event).where(Event.title.contains("隧道")))
        assert keep.grade not in ("I", "II") and major.grade in ("I", "II")
        assert "info-5h" not in {d.clock for d in keep.deadlines}
    setup.ok("event", "merge", str(keep.id), str(major.id), "--as", "li")
    with ctx.db.session() as s:
        kept = s.get_one(Event, keep.id)
        clocks = {d.clock for d in kept.deadlines if not d.superseded}
        assert kept.grade == major.grade
        assert {"info-5h", "presser-24h"} <= clocks, clocks
    out = setup.ok("events").stdout
    assert "发布权威信息" in out
    ctx.db.dispose()
