"""Comments read under a post (公众反应): stored once per site comment and kept current,
scored and summed per event, named in the grade's reasons, raising the grade when a later
crawl brings angrier ones, shown as views, and `yuqing mention show` printing them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.pipeline.comments import keep_comments
from monitor.pipeline.normalise import clean_text, normalise
from monitor.scoring.comment_views import comment_views
from monitor.scoring.comments import sum_comments
from monitor.scoring.sentiment import load_model
from monitor.service.context import Context
from monitor.storage.comments import Comment
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert, Event, Mention
from monitor.web import create_app
from tests.helpers.case import APP, T0, seed_case
from tests.helpers.cli import prepare
from tests.helpers.forms import signed_in

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
POST = "城东暴雨后隧道积水，多辆车被困，市民求助"
# Clearly angry or worried comments, and clearly grateful ones, in a few recognisable views.
ANGRY = [
    "排水系统太差了，每次下雨都淹，气死人",
    "排水设施年年修年年淹，钱都花哪去了，太让人失望",
    "预警通知太晚了，早干嘛去了，不负责任",
    "暴雨预警发得太晚，害得我们被困在路上，太气人了",
    "隧道积水这么严重也没人管，太糟糕了",
    "又淹了，受够了，投诉无门",
]
THANKS = ["感谢消防员连夜救援，辛苦了", "致敬救援人员，你们辛苦了，谢谢"]
HOSTILE = '<script>alert("c")</script>'


def comments(n_angry: int, n_thanks: int, start: int = 0, likes: int = 10) -> list[dict]:
    out = []
    for i in range(n_angry):
        out.append(
            {
                "id": f"c{start + i}",
                "author": f"网友{start + i}",
                "published_raw": "2026-11-21 11:30",
                "text": f"{ANGRY[i % len(ANGRY)]}（{start + i}）",
                "likes": likes + i,
            }
        )
    for i in range(n_thanks):
        k = start + n_angry + i
        out.append(
            {
                "id": f"c{k}",
                "author": f"网友{k}",
                "published_raw": None,
                "text": f"{THANKS[i % len(THANKS)]}（{k}）",
                "likes": 5,
            }
        )
    return out


def post(hot: list[dict] | None, comments_count: int = 800, **extra: object) -> dict:
    return {
        "source": "weibo-search",
        "kind": "weibo",
        "url": "https://m.weibo.cn/detail/5001",
        "title": "",
        "text": POST,
        "fetched_at": NOW - timedelta(minutes=5),
        "published": NOW - timedelta(hours=1),
        "author": "城东居民",
        "comments": comments_count,
        "reposts": 100,
        "likes": 300,
        "hot_comments": hot,
        "extra": dict(extra),
    }


def stored(ctx: Context) -> list[Comment]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Comment).order_by(Comment.position)))


@pytest.fixture
def app_ctx(tmp_path: Path, database_url: str):  # noqa: ANN201
    app = load_config(prepare(tmp_path).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    yield app, ctx
    ctx.db.dispose()


def test_normalised_comments_are_cleaned_each_once_in_utc() -> None:
    n = normalise(
        post(
            [
                {
                    "id": "1",
                    "author": " 网友甲 ",
                    "published_raw": "2026-11-21 11:30",
                    "text": " 好 ",
                    "likes": "7",
                },
                {"id": "1", "author": "重复", "text": "同一条再次出现", "likes": 1},
                {"id": None, "author": None, "text": "没有编号的评论", "likes": None},
                {"id": "3", "text": "   "},  # nothing to keep
                "not a comment",
            ]
        )
    )
    assert n.hot_comments is not None
    assert [c.text for c in n.hot_comments] == ["好", "没有编号的评论"]
    first, second = n.hot_comments
    assert (first.key, first.author, first.likes) == ("1", "网友甲", 7)
    assert first.published_at == datetime(2026, 11, 21, 3, 30, tzinfo=UTC)  # 11:30 Beijing
    assert second.key.startswith("t:") and second.likes == 0 and second.published_at is None
    assert normalise(post(None)).hot_comments is None


def test_comments_are_stored_once_and_kept_current_by_later_crawls(app_ctx) -> None:  # noqa: ANN001
    app, ctx = app_ctx
    sink = Ingest(app, ctx.db, now=lambda: NOW)
    first = comments(2, 1)
    first[0]["text"] = HOSTILE
    sink(post(first))
    rows = stored(ctx)
    assert [(c.key, c.text, c.likes) for c in rows] == [
        ("c0", HOSTILE, 10),  # kept as text, escaped wherever it is shown
        ("c1", clean_text(f"{ANGRY[1]}（1）"), 11),  # NFKC, as every stored text
        ("c2", clean_text(f"{THANKS[0]}（2）"), 5),
    ]
    # a later crawl: more likes on one, a new comment, one no longer among the hot ones
    later = [dict(first[1], likes=90), *comments(0, 1, start=7)]
    sink(post(later))
    rows = {c.key: c for c in stored(ctx)}
    assert sorted(rows) == ["c0", "c1", "c2", "c7"]  # nothing copied, nothing dropped
    assert rows["c1"].likes == 90 and rows["c1"].position == 0
    # a crawl that read no comments leaves them; a failed reading is kept on the mention
    sink(post(None))
    sink(post(comments(0, 0), comments_error="HTTP 500：站点服务器内部错误（第 2 页）"))
    assert len(stored(ctx)) == 4
    with ctx.db.session() as s:
        m = s.scalars(select(Mention)).one()
        assert m.extra["comments_read"] == 4
        assert m.extra["comments_error"] == "HTTP 500：站点服务器内部错误（第 2 页）"


def test_the_comments_negative_share_is_a_grade_reason_and_a_later_crawl_raises_the_grade(
    tmp_path: Path, database_url: str
) -> None:
    setup = prepare(tmp_path)
    scoring = setup.config / "scoring.yaml"
    # comments weigh heavily here, so that the later, angrier crawl must raise the grade
    scoring.write_text(
        scoring.read_text(encoding="utf-8").replace("comment_points: 15", "comment_points: 60"),
        encoding="utf-8",
    )
    app = load_config(setup.config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    sink = Ingest(app, ctx.db, now=lambda: NOW)
    sink(post(comments(4, 16)))  # 20 read, mostly thanks: no comment reason
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, NOW)
    with ctx.db.session() as s:
        ev = s.scalars(select(Event)).one()
        assert ev.comments_read == 20 and not ev.comments_stale
        assert ev.comments_negative < 10
        assert not [r for r in ev.grade_reasons if r["factor"] == "comments"]
        grade_before, event_id = ev.grade, ev.id
    # the next crawl reads 40 more, angry: no new mention, yet the event is regraded
    sink(post(comments(40, 0, start=100, likes=50)))
    later = NOW + timedelta(minutes=10)
    report = analyse_pending(ctx.db, app, ctx.scorer, ctx.book, later)
    assert report.mentions == 0
    with ctx.db.session() as s:
        ev = s.get(Event, event_id)
        assert ev.comments_read == 60
        negative = s.scalars(
            select(Comment).where(Comment.negative >= app.settings.scoring.sentiment.negative_at)
        ).all()
        assert ev.comments_negative == len(negative) >= 40
        [reason] = [r for r in ev.grade_reasons if r["factor"] == "comments"]
        pct = round(len(negative) * 100 / 60)
        assert reason["text"] == f"评论负面占比 {pct}%（60 条评论）"
        assert ev.grade != grade_before  # risen, alerted and back to 研判
        [alert] = s.scalars(select(Alert).where(Alert.kind == "grade_up")).all()
        assert "评论负面占比" in json.dumps(alert.payload, ensure_ascii=False), alert.payload
    # a third crawl of the same comments changes nothing and alerts nothing more
    with ctx.db.session() as s:
        alerts = len(s.scalars(select(Alert)).all())
    sink(post(comments(40, 0, start=100, likes=50)))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, later + timedelta(minutes=10))
    with ctx.db.session() as s:
        assert len(s.scalars(select(Alert)).all()) == alerts
    ctx.db.dispose()


def test_views_group_comments_that_say_one_thing_in_other_words() -> None:
    said = [
        ("排水系统太差了，每次下雨都淹", 300, 0.9),
        ("下雨就淹，排水设施年年修年年淹", 120, 0.9),
        ("排水管网该整治了，一下暴雨就内涝", 80, 0.8),
        ("预警通知太晚了，早干嘛去了", 200, 0.9),
        ("暴雨预警发得太晚，很多人已经出门了", 90, 0.85),
        ("感谢消防员连夜救援，辛苦了", 150, 0.1),
        ("致敬救援人员，辛苦了", 70, 0.1),
        ("今天天气不错", 1, 0.2),
    ]
    views = comment_views([{"text": t, "likes": k, "negative": n} for t, k, n in said], 0.5)
    assert [(v["words"][0], v["count"], v["tone"]) for v in views] == [
        ("排水", 3, "负面"),
        ("预警", 2, "负面"),
        ("辛苦", 2, "非负面"),
    ]
    assert views[0]["share"] == 37.5  # 3 of 8
    assert views[0]["example"]["text"] == "排水系统太差了，每次下雨都淹"  # the most liked
    assert comment_views([], 0.5) == []
    assert comment_views([{"text": "只有一条", "likes": 3, "negative": 0.9}], 0.5) == []


def test_mention_show_prints_the_mention_and_its_comments(tmp_path: Path) -> None:
    setup = prepare(tmp_path)
    app = load_config(setup.config, environ=setup.env)
    ctx = Context(app)
    upgrade(ctx.db)
    hot = comments(2, 1)
    hot[2]["text"] = HOSTILE
    Ingest(app, ctx.db, now=lambda: NOW)(post(hot, comments_error="HTTP 500（第 2 页）"))
    with ctx.db.session() as s:
        mention_id = s.scalars(select(Mention.id)).one()
    ctx.db.dispose()
    shown = json.loads(setup.ok("mention", "show", str(mention_id), "--json").stdout)
    assert shown["source"] == "weibo-search" and shown["author"] == "城东居民"
    assert shown["url"] == "https://m.weibo.cn/detail/5001" and shown["text"] == clean_text(POST)
    assert shown["counts"] == {"reposts": 100, "comments": 800, "likes": 300}
    assert shown["published"] == "2026-11-21T03:00:00+00:00"
    assert [c["text"] for c in shown["comments"]] == [
        clean_text(f"{ANGRY[0]}（0）"),
        clean_text(f"{ANGRY[1]}（1）"),
        HOSTILE,
    ]
    assert shown["comments"][0] | {"negative": None} == {
        "author": "网友0",
        "published": "2026-11-21T03:30:00+00:00",
        "text": clean_text(f"{ANGRY[0]}（0）"),
        "likes": 10,
        "negative": None,
    }
    text = setup.ok("mention", "show", str(mention_id)).stdout
    assert "评论读取未完成：HTTP 500（第 2 页）" in text
    assert re.search(
        r"1\. 网友0，2026-11-21 11:30，赞 10：" + re.escape(clean_text(ANGRY[0])), text
    ), text
    missing = setup.run("mention", "show", "999")
    assert missing.returncode != 0 and "没有编号为 999 的信息" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr


def test_the_event_page_shows_the_comments_mix_views_and_top_comments_as_text(
    database: Database,
) -> None:
    seeded = seed_case(database)
    model = load_model("linear")
    hot = [*comments(6, 2), {"id": "x", "author": HOSTILE, "text": HOSTILE, "likes": 999}]
    with database.session() as s:
        m = s.get(Mention, seeded.mention)
        keep_comments(s, [(m, normalise(post(hot) | {"url": m.url}))])
        ev = s.get(Event, seeded.event)
        sum_comments(s, ev, model, 0.5, APP.settings.scoring.grading)
        read, negative = ev.comments_read, ev.comments_negative
    app = create_app(APP, database, now=lambda: T0)
    client = signed_in(app, database, seeded.users["leader"], T0)
    page = client.get(f"/events/{seeded.event}").text
    assert f"已读取评论 {read} 条：负面 {negative} 条" in page
    assert "<h4>评论观点</h4>" in page and "排水" in page
    assert re.search(r"信息与评论合计负面占比 [\d.]+%", page)
    # the most liked comment comes first, its text and its author's name inert
    assert "&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt;" in page
    assert HOSTILE not in page
    top = page.index('class="top-comments"')
    assert page.index("&lt;script&gt;", top) < page.index(clean_text(f"{ANGRY[5]}（5）"), top)


def test_an_event_without_comments_says_none_were_read(database: Database) -> None:
    seeded = seed_case(database)
    app = create_app(APP, database, now=lambda: T0)
    client = signed_in(app, database, seeded.users["duty_officer"], T0)
    page = client.get(f"/events/{seeded.event}").text
    assert "暂未读取评论" in page and "评论观点" not in page
