"""Storing collected items: evidence (存证), no re-ingest, near-duplicates linked into one
story's propagation path, what can change refreshed, incremental crawl memory."""

import gzip
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.collection.crawlstate import load_memory, save_memory
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.dedup import propagation
from monitor.pipeline.simhash import NEAR, distance, simhash
from monitor.storage.collection import Fingerprint
from monitor.storage.models import Event, Evidence, Mention
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)

STORY = (
    "青峰山景区被指乱收费：多名游客反映，景区观光车单程收费八十元，比公示价格高出一倍，"
    "且售票处不开具发票。市文化和旅游局表示已介入调查，将依法处理违规收费行为。"
)
# 转载 with small edits: another outlet's opening words, one phrase changed, a credit line.
REPRINT = (
    "据云川晚报消息，青峰山景区被指乱收费：多名游客反映，景区观光车单程收费八十元，"
    "比公示价格高出一倍，且售票处不开具发票。市文化和旅游局表示已介入调查，将依法处理违规收费行为。"
)
REPOST = "//@云川生活:" + STORY  # a post that copies the text with a repost chain
OTHER = (
    "云川市今日召开防汛工作会议，部署应对新一轮强降雨天气，要求各区县做好人员转移、"
    "物资储备和隐患排查工作，确保群众生命财产安全。"
)


def item(url, text, source="yunchuan-news", kind="news", published=None, **kw):
    raw = f"<html><body><p>{text}</p></body></html>".encode()
    return {
        "source": source,
        "kind": kind,
        "url": url,
        "final_url": url,
        "fetched_at": kw.pop("fetched_at", NOW),
        "raw": raw,
        "title": kw.pop("title", text[:20]),
        "text": text,
        "published": published,
        **kw,
    }


def test_reposts_and_reprints_are_near_but_other_stories_are_far():
    assert distance(simhash(STORY), simhash(REPRINT)) <= NEAR
    assert distance(simhash(STORY), simhash(REPOST)) <= NEAR
    assert distance(simhash(STORY), simhash(OTHER)) > 10


def test_evidence_kept_and_a_second_crawl_stores_nothing_again(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    first = item("https://news.example.cn/a/1.html?utm_source=wx", STORY)
    sink(first)
    sink(item("https://m.news.example.cn/a/1.html", STORY))  # the mobile edition
    again = Ingest(APP, database, now=lambda: NOW)  # a restart: a new process, same DB
    again(first)
    assert sink.counts["yunchuan-news"].stored == 1
    assert sink.counts["yunchuan-news"].duplicates == 1
    assert again.counts["yunchuan-news"].duplicates == 1
    with database.session() as s:
        (m,) = s.scalars(select(Mention)).all()
        ev = s.scalar(select(Evidence).where(Evidence.mention_id == m.id))
        assert gzip.decompress(ev.body_gz) == first["raw"]
        assert ev.sha256 == hashlib.sha256(first["raw"]).hexdigest()
        assert ev.final_url == first["url"] and ev.fetched_at == NOW


def test_copies_form_one_story_with_its_propagation_path(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    t0 = NOW - timedelta(hours=5)
    # stored out of order: the reprint is crawled before the original
    sink(
        item(
            "https://wb.example.cn/2.html",
            REPRINT,
            published=t0 + timedelta(hours=2),
            site="云川晚报",
        )
    )
    sink(
        item(
            "https://board.example.cn/msg/1",
            STORY,
            source="gov-board",
            kind="board",
            published=t0,
            author="游客",
        )
    )
    sink(
        item(
            "https://m.weibo.cn/detail/9",
            REPOST,
            source="weibo-search",
            kind="weibo",
            published=t0 + timedelta(hours=3),
            author="云川生活",
        )
    )
    sink(item("https://news.example.cn/b/2.html", OTHER, published=t0))
    with database.session() as s:
        ids = {m.url: m.id for m in s.scalars(select(Mention))}
        fps = {f.mention_id: f for f in s.scalars(select(Fingerprint))}
        assert fps[ids["https://news.example.cn/b/2.html"]].duplicate_of_id is None
        path = propagation(s, ids["https://m.weibo.cn/detail/9"])
    assert [(c.url, c.role) for c in path] == [
        ("https://board.example.cn/msg/1", "首发"),
        ("https://wb.example.cn/2.html", "转载"),
        ("https://m.weibo.cn/detail/9", "转发"),
    ]
    assert path[1].site == "云川晚报"


def test_a_message_answered_later_is_refreshed_not_duplicated(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    url = "https://board.example.cn/msg/7"
    sink(item(url, OTHER, source="gov-board", kind="board", reply_status="未回复"))
    sink(
        item(
            url,
            OTHER,
            source="gov-board",
            kind="board",
            reply_status="已回复",
            reply_text="您好，已转交临江区办理。",
            comments=3,
        )
    )
    with database.session() as s:
        (m,) = s.scalars(select(Mention)).all()
        assert (m.reply_status, m.comments) == ("已回复", 3)
        assert "已转交临江区办理" in m.extra["reply_text"]


def test_crawl_memory_skips_what_cannot_change(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    sink(item("https://news.example.cn/a/1.html", STORY))
    sink(
        item(
            "https://board.example.cn/msg/1",
            OTHER,
            source="gov-board",
            kind="board",
            reply_status="未回复",
        )
    )
    sink(
        item(
            "https://board.example.cn/msg/2",
            STORY,
            source="gov-board",
            kind="board",
            reply_status="已回复",
        )
    )
    news = load_memory(database, "yunchuan-news", "news")
    assert news.is_done("http://news.example.cn/a/1.html?spm=1")
    board = load_memory(database, "gov-board", "board")
    assert board.is_done("https://board.example.cn/msg/2")
    assert not board.is_done("https://board.example.cn/msg/1")  # may still be answered
    board.saw("https://board.example.cn/msg/1", '"abc"', "Sat, 21 Nov 2026 04:00:00 GMT", None)
    save_memory(database, "gov-board", board, NOW)
    again = load_memory(database, "gov-board", "board")
    assert again.conditional_headers("https://board.example.cn/msg/1") == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Sat, 21 Nov 2026 04:00:00 GMT",
    }


def put_in_event(s, url: str, state: str, grade: str, source: str) -> None:  # noqa: ANN001
    """An event of `state` and `grade` holding the mention stored at `url`."""
    mention = s.scalars(select(Mention).where(Mention.url == url)).one()
    event = Event(
        title=url,
        state=state,
        grade=grade,
        origin_kind=mention.kind,
        first_source=source,
        first_url=url,
        discovered_at=NOW,
        last_mention_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    s.add(event)
    s.flush()
    mention.event_id = event.id


def test_weibo_memory_holds_the_stored_posts_and_their_open_events_grades(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    urls = [f"https://m.weibo.cn/detail/50{i}" for i in range(3)]
    for url, text in zip(urls, (STORY, OTHER, REPRINT), strict=True):
        sink(item(url, text, source="weibo-search", kind="weibo"))
    with database.session() as s:
        for url, state, grade in ((urls[0], "judged", "II"), (urls[1], "closed", "I")):
            put_in_event(s, url, state, grade, "weibo-search")
    memory = load_memory(database, "weibo-search", "weibo")
    assert all(memory.is_stored(u) for u in urls) and not memory.done
    # the closed event's post and the post in no event have their comments left as they are
    assert memory.open_event_grade(urls[0]) == "II"
    assert memory.open_event_grade(urls[1]) is None and memory.open_event_grade(urls[2]) is None


def test_news_memory_lists_the_open_events_articles_to_read_again(database):
    sink = Ingest(APP, database, now=lambda: NOW)
    urls = [f"http://news.example.cn/a/{i}.html" for i in range(6)]
    texts = (STORY, OTHER, REPRINT, STORY + "一", OTHER + "二", REPRINT + "三")
    for i, (url, text) in enumerate(zip(urls, texts, strict=True)):
        sink(item(url, text, published=NOW - timedelta(hours=i), comments=10 * (i % 2)))
    with database.session() as s:
        events = {
            urls[0]: ("judged", "IV"),
            urls[1]: ("collected", "III"),  # 10 comments
            urls[2]: ("consulting", "III"),  # none, newer than urls[4]
            urls[3]: ("closed", "I"),
            urls[4]: ("collected", "III"),  # none, older
            urls[5]: ("responding", "II"),
        }
        for url, (state, grade) in events.items():
            put_in_event(s, url, state, grade, "yunchuan-news")
    memory = load_memory(database, "yunchuan-news", "news")
    assert all(memory.is_done(u) for u in urls)  # not fetched again from the list page
    # read again for their comments: the highest graded, then most comments, then newest
    assert memory.open_articles == [
        (urls[5], "II"),
        (urls[1], "III"),
        (urls[2], "III"),
        (urls[4], "III"),
        (urls[0], "IV"),
    ]


def test_evidence_older_than_the_retention_is_dropped_mention_kept(database):
    from monitor.evidence import drop_expired

    sink = Ingest(APP, database, now=lambda: NOW)
    sink(item("https://news.example.cn/old.html", STORY, fetched_at=NOW - timedelta(days=400)))
    sink(item("https://news.example.cn/new.html", OTHER))
    assert drop_expired(database, 365, NOW) == 1
    with database.session() as s:
        assert len(s.scalars(select(Mention)).all()) == 2
        (kept,) = s.scalars(select(Evidence)).all()
        assert kept.final_url == "https://news.example.cn/new.html"


def test_a_batch_stores_at_once_and_links_copies_within_it(database):
    sink = Ingest(APP, database, now=lambda: NOW, batch=10)
    sink(item("https://news.example.cn/a/1.html", STORY))
    sink(item("https://news.example.cn/a/1.html?utm_source=wx", STORY))  # the same, again
    sink(item("https://wb.example.cn/2.html", REPRINT, published=NOW - timedelta(hours=1)))
    sink(item("https://news.example.cn/b/2.html", OTHER))
    with database.session() as s:
        assert s.scalars(select(Mention)).all() == []  # nothing until the batch is full
    sink.close()
    counts = sink.counts["yunchuan-news"]
    assert (counts.stored, counts.duplicates, counts.rejected) == (3, 1, [])
    with database.session() as s:
        ids = {m.url: m.id for m in s.scalars(select(Mention))}
        fps = {f.mention_id: f for f in s.scalars(select(Fingerprint))}
        copy = fps[ids["https://wb.example.cn/2.html"]]
        assert copy.duplicate_of_id == ids["https://news.example.cn/a/1.html"]
        assert fps[ids["https://news.example.cn/b/2.html"]].duplicate_of_id is None
        proofs = s.scalars(select(Evidence)).all()
        assert len(proofs) == 3 and all(gzip.decompress(e.body_gz) for e in proofs)
    # a later batch finds the story stored before it
    later = Ingest(APP, database, now=lambda: NOW, batch=10)
    later(item("https://m.weibo.cn/detail/9", REPOST, source="weibo-search", kind="weibo"))
    later.close()
    with database.session() as s:
        path = propagation(s, ids["https://news.example.cn/a/1.html"])
    assert [c.role for c in path] == ["首发", "转载", "转发"]


def test_one_bad_item_in_a_batch_is_rejected_alone(database):
    sink = Ingest(APP, database, now=lambda: NOW, batch=10)
    sink(item("https://news.example.cn/a/1.html", STORY))
    sink(item("https://news.example.cn/bad.html", OTHER, extra={"x": object()}))
    sink(item("https://news.example.cn/b/2.html", REPRINT))
    sink.close()
    counts = sink.counts["yunchuan-news"]
    assert counts.stored == 2 and len(counts.rejected) == 1
    assert "bad.html" in counts.rejected[0] and "未能入库" in counts.rejected[0]
    with database.session() as s:
        assert len(s.scalars(select(Mention)).all()) == 2
        assert len(s.scalars(select(Fingerprint)).all()) == 2
