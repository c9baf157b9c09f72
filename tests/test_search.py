"""Mention search (issue 14 part 3): Chinese words and phrases found through the index,
filters, escaped highlights, the handler's scope, the index kept by ingest and built by
the migration, and Chinese refusals of bad parameters; on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.ingest import Ingest
from monitor.intake import IntakeRecord, record
from monitor.search.filters import from_params
from monitor.search.find import search
from monitor.search.query import QueryError, parse
from monitor.storage.db import Database
from monitor.storage.migrate import _alembic_config, upgrade
from monitor.storage.models import Event, Mention
from monitor.web import create_app
from tests.helpers.console import APP, NOW, bearer, seed

# Roles of these are tested here (tests/test_web.py imports the set).
ROUTE_PATHS = {"/search", "/api/search"}

STORY = (
    "青峰山景区被指乱收费：多名游客反映，景区观光车单程收费八十元，比公示价格高出一倍，"
    "且售票处不开具发票。市文化和旅游局表示已介入调查，将依法处理违规收费行为。"
)
FLOOD = (
    "云川市今日召开防汛工作会议，部署应对新一轮强降雨天气，要求各区县做好人员转移、"
    "物资储备和隐患排查工作，确保群众生命财产安全。"
)
HOSTILE_TITLE = '<script>alert("x")</script>景区通报'
HOSTILE_TEXT = "景区公告 \"><img src=x onerror=alert(1)> 'quoted' & 更多"
REPORTER = "张三丰"


def item(url, text, source="yunchuan-news", kind="news", published=None, title=None):
    return {
        "source": source,
        "kind": kind,
        "url": url,
        "final_url": url,
        "fetched_at": NOW,
        "raw": f"<html><body><p>{text}</p></body></html>".encode(),
        "title": title or text[:20],
        "text": text,
        "published": published,
    }


def ingest(db: Database, items: list[dict], batch: int = 1) -> None:
    sink = Ingest(APP, db, now=lambda: NOW, batch=batch)
    for it in items:
        sink(it)
    sink.close()


@pytest.fixture
def found(database: Database) -> SimpleNamespace:
    """The seeded console plus mentions stored by the real ingest path and by intake."""
    ns = seed(database)
    # Beijing 2026-11-20 23:30 (UTC 15:30): the day boundary is tested on it
    late_evening = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    ingest(
        database,
        [
            item("https://news.example.cn/a/1.html", STORY, published=late_evening),
            item("https://weibo.example.cn/2", FLOOD, source="weibo-search", kind="weibo"),
        ],
        batch=10,  # store_batch
    )
    ingest(
        database,
        [item("https://news.example.cn/a/3.html", HOSTILE_TEXT, title=HOSTILE_TITLE)],
    )  # store, one by one
    with database.session() as s:
        intake = record(
            s,
            IntakeRecord(
                channel="phone",
                title="来电反映景区厕所脏乱",
                text="游客来电反映青峰山景区厕所长期无人打扫。",
                received_at=NOW - timedelta(hours=1),
                reporter_name=REPORTER,
                reporter_phone="13800000000",
            ),
            "值班员",
            NOW,
        )
        story = s.scalar(select(Mention).where(Mention.url == "https://news.example.cn/a/1.html"))
        flood = s.scalar(select(Mention).where(Mention.url == "https://weibo.example.cn/2"))
        story.negative, story.topics, story.event_id = 0.92, ["景区收费"], ns.late
        flood.negative, flood.event_id = 0.1, ns.other
        intake.event_id = ns.late
        hostile = s.scalar(select(Mention.id).where(Mention.title == HOSTILE_TITLE))
        ns.story, ns.flood, ns.intake, ns.hostile = story.id, flood.id, intake.id, hostile
    ns.db = database
    ns.client = TestClient(create_app(APP, database, now=lambda: NOW))
    return ns


def ids(ns: SimpleNamespace, role: str = "duty_officer", **params: str) -> list[int]:
    r = ns.client.get("/api/search", params=params, headers=bearer(ns, role))
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["items"]]


def test_two_character_words_inside_longer_text_are_found(found) -> None:
    assert ids(found, q="收费") == [found.story]  # inside 乱收费 and 收费八十元
    assert ids(found, q="防汛") == [found.flood]  # inside 防汛工作会议
    assert ids(found, q="云川") == [found.flood]  # a name jieba does not know
    assert len(ids(found, q="景区")) == 3  # the story, the hostile notice, the phone call
    assert ids(found, q="游客 发票") == [found.story]  # both words, apart
    assert ids(found, q="收费", order="relevance") == [found.story]


def test_phrases_must_appear_as_written_and_exclusions_drop(found) -> None:
    assert ids(found, q='"观光车单程收费"') == [found.story]
    assert ids(found, q="“观光车单程收费”") == [found.story]  # Chinese quotes
    assert ids(found, q='"单程观光车"') == []
    assert ids(found, q="单程 观光车") == [found.story]
    assert found.story not in ids(found, q="景区 -发票")
    assert found.intake in ids(found, q="景区 -发票")
    assert ids(found, q='景区 -"观光车单程"') == ids(found, q="景区 -观光车单程")


def test_each_filter_narrows(found) -> None:
    assert ids(found, q="景区", source="yunchuan-news") == ids(found, q="景区", kind="news")
    assert found.intake not in ids(found, q="景区", kind="news")
    assert ids(found, q="景区", kind="manual") == [found.intake]
    assert ids(found, q="景区", source="manual-phone") == [found.intake]
    assert ids(found, q="景区", sentiment="negative") == [found.story]
    assert ids(found, q="工作", sentiment="non_negative") == [found.flood]
    assert found.story not in ids(found, q="景区", sentiment="unscored")
    assert ids(found, q="景区", topic="景区收费") == [found.story]
    # published 23:30 Beijing on 11-20: that day, not the 21st
    assert ids(found, q="收费", since="2026-11-20", until="2026-11-20") == [found.story]
    assert ids(found, q="收费", since="2026-11-21") == []
    assert ids(found, q="收费", until="2026-11-19") == []
    everything = ids(found, q="景区", per_page="100")
    assert len(everything) >= 3
    assert ids(found, q="景区", per_page="1", page="2") == everything[1:2]
    newest = ids(found, q="景区")
    assert newest[-1] == found.story  # newest stored first: the story was stored first


def test_no_hits_say_so_in_chinese(found) -> None:
    r = found.client.get("/search", params={"q": "火星移民"}, headers=bearer(found, "leader"))
    assert r.status_code == 200 and "没有找到" in r.text
    r = found.client.get("/api/search", params={"q": "火星移民"}, headers=bearer(found, "leader"))
    assert r.json()["items"] == [] and "没有找到" in r.json()["message"]


def test_hostile_text_is_escaped_and_only_marks_are_markup(found) -> None:
    r = found.client.get("/search", params={"q": "景区"}, headers=bearer(found, "duty_officer"))
    assert r.status_code == 200
    page = r.text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<mark>景区</mark>通报" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &#39;quoted&#39; &amp; 更多" in page
    r = found.client.get("/api/search", params={"q": "公告"}, headers=bearer(found, "office"))
    (hit,) = r.json()["items"]
    assert hit["snippet_html"].startswith("景区<mark>公告</mark> &#34;&gt;&lt;img")
    assert hit["title"] == HOSTILE_TITLE  # JSON gives the text; the _html fields are safe


def test_hits_link_the_event_and_the_source_url(found) -> None:
    r = found.client.get("/search", params={"q": "观光车"}, headers=bearer(found, "duty_officer"))
    assert f'href="/events/{found.late}"' in r.text
    assert 'href="https://news.example.cn/a/1.html" rel="noopener noreferrer nofollow"' in r.text
    r = found.client.get("/search", params={"q": "帖子"}, headers=bearer(found, "duty_officer"))
    assert "javascript:" not in r.text  # a scraped javascript: link is not made a link


def test_a_handler_sees_only_its_departments_mentions(found) -> None:
    assert found.flood in ids(found, "duty_officer", q="工作")
    # the handler is of culture-tourism; the flood belongs to the emergency department
    assert ids(found, "handler", q="工作") == []
    assert ids(found, "handler", q="收费") == [found.story]
    r = found.client.get("/search", params={"q": "防汛"}, headers=bearer(found, "handler"))
    assert "没有找到" in r.text and "防汛工作会议" not in r.text


def test_the_reporter_of_an_intake_item_never_appears(found) -> None:
    for role in ("duty_officer", "leader", "confidentiality"):
        r = found.client.get("/api/search", params={"q": "厕所"}, headers=bearer(found, role))
        assert [h["id"] for h in r.json()["items"]] == [found.intake]
        assert REPORTER not in r.text and "13800000000" not in r.text
        page = found.client.get("/search", params={"q": "厕所"}, headers=bearer(found, role))
        assert REPORTER not in page.text and "13800000000" not in page.text
    assert ids(found, q=REPORTER) == []


def test_the_index_follows_ingest_edits_and_deletes(found) -> None:
    ingest(found.db, [item("https://news.example.cn/a/9.html", "北站出租车拒载投诉增多")], 5)
    (new,) = ids(found, q="拒载")
    with found.db.session() as s:
        s.get(Mention, new).title = "北站网约车调查"
    assert ids(found, q="网约车") == [new]
    with found.db.session() as s:
        doomed = s.scalar(select(Mention).where(Mention.title.like("帖子1%")))
        gone = doomed.id
        assert gone in ids(found, q="帖子")
        s.delete(doomed)
    assert gone not in ids(found, q="帖子")


def test_the_migration_indexes_mentions_stored_before_it(database_url) -> None:
    db = Database(database_url)
    try:
        command.upgrade(_alembic_config(db), "0009")
        ingest(db, [item("https://news.example.cn/old/1", STORY)], batch=1)
        with db.session() as s:
            assert s.scalar(select(Mention.id)) is not None
        upgrade(db)
        with db.session() as s:
            hits = search(s, from_params({"q": "乱收费"}), 0.5).hits
            assert [h["url"] for h in hits] == ["https://news.example.cn/old/1"]
            assert s.scalar(select(Event.id)) is None
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"q": ""}, "请输入要搜索的词"),
        ({"q": "！！"}, "没有可查找的文字"),
        ({"q": "-景区"}, "只有排除词"),
        ({"q": "景" * 201}, "搜索词过长"),
        ({"q": "景区", "page": "0"}, "页码“0”无效"),
        ({"q": "景区", "per_page": "abc"}, "每页条数“abc”无效"),
        ({"q": "景区", "since": "2026-13-01"}, "起始日期“2026-13-01”无效"),
        ({"q": "景区", "since": "2026-11-21", "until": "2026-11-20"}, "起始日期晚于截止日期"),
        ({"q": "景区", "sentiment": "angry"}, "情感“angry”无效"),
        ({"q": "景区", "kind": "tv"}, "来源类型“tv”无效"),
        ({"q": "景区", "order": "oldest"}, "排序“oldest”无效"),
        ({"q": "景区", "source": "nowhere"}, "没有名为“nowhere”的信息源"),
        ({"q": "景区", "sort": "x"}, "不认识的参数：sort"),
    ],
)
def test_bad_parameters_are_refused_in_chinese(found, params, said) -> None:
    r = found.client.get("/api/search", params=params, headers=bearer(found, "office"))
    assert r.status_code == 400 and said in r.json()["error"], r.text
    if params["q"]:
        r = found.client.get("/search", params=params, headers=bearer(found, "office"))
        assert r.status_code == 400 and said in r.text


def test_every_role_may_search_and_strangers_are_sent_to_log_in(found) -> None:
    r = found.client.get("/api/search", params={"q": "景区"})
    assert r.status_code == 401 and "未登录" in r.json()["error"]
    r = found.client.get("/search", params={"q": "景区"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for role in found.tokens:
        assert found.client.get("/search", headers=bearer(found, role)).status_code == 200
        r = found.client.get("/api/search", params={"q": "景区"}, headers=bearer(found, role))
        assert r.status_code == 200, role


def test_the_query_parser() -> None:
    q = parse('景区  "停车 乱收费" -演练 -"应急 演练"')
    assert [t.text for t in q.terms] == ["景区", "停车 乱收费"]
    assert [t.text for t in q.excluded] == ["演练", "应急 演练"]
    assert q.terms[1].phrase and q.terms[1].words == ("停车", "乱收费")
    with pytest.raises(QueryError, match="搜索词过多"):
        parse(" ".join(f"词{i}" for i in range(9)))
