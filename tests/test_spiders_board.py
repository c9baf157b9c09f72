"""Board threads: every post of a message's thread, across the thread's own pages, stored
with the message (the official reply marked); a missing page is reported, not lost."""

import json
import shutil
from datetime import datetime

import pytest
from scrapy.http import HtmlResponse, Request

from monitor.config.sources import BoardSource
from monitor.samplesite import ROOT, serve
from spiders.kinds.board import BoardSpider
from tests.helpers.cli import prepare

LAMPS = "临江区滨江路路灯长期不亮"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(ROOT, root)
    server, thread = serve(port=0, root=root)
    yield server
    server.shutdown()
    thread.join(timeout=5)


def thread_of(setup, title):
    from sqlalchemy import create_engine, text

    engine = create_engine(setup.env["DATABASE_URL"])
    with engine.connect() as c:
        row = c.execute(
            text("select extra, comments, reply_status from mentions where title = :t"),
            {"t": title},
        ).one()
    engine.dispose()
    extra = row.extra if isinstance(row.extra, dict) else json.loads(row.extra)
    return extra, row.comments, row.reply_status


def test_every_post_of_a_thread_is_stored_with_the_official_reply_marked(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    setup.ok("init")
    out = setup.ok("crawl", "gov-board", "--no-analyse").stdout
    assert "gov-board：新入库 4 条" in out
    extra, comments, status = thread_of(setup, LAMPS)
    posts = extra["posts"]
    assert [p["author"] for p in posts] == [
        "滨江路晨练的老李",
        "春华街商户",
        "临江区城市管理局",
        "临江区居民",
    ]
    assert [p["official"] for p in posts] == [False, False, True, False]
    # cleaned like the message itself (NFKC: full-width punctuation becomes ASCII)
    assert posts[0]["text"] == "同样反映过,晚上骑电动车在这段差点摔倒,支持尽快修!"
    assert "<" not in posts[2]["text"] and "已于当日修复" in posts[2]["text"]
    times = [datetime.fromisoformat(p["at"]) for p in posts]
    assert all(t.utcoffset().total_seconds() == 0 for t in times) and times == sorted(times)
    assert extra["thread_pages"][1].endswith("/board/msg-1002-2.html")
    assert comments == 4 and status == "已回复" and "posts_incomplete" not in extra
    assert "临江区城市管理局" in extra["reply_text"]  # the message's own reply still kept
    others, _, _ = thread_of(setup, "青峰山景区停车场乱收费")
    assert others["posts"] == []  # a message nobody followed up


def test_a_missing_thread_page_is_reported_and_the_thread_read_again_later(site, tmp_path):
    page2 = site.root / "board" / "msg-1002-2.html"
    saved = page2.read_bytes()
    page2.unlink()
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    setup.ok("init")
    done = setup.run("crawl", "gov-board", "--no-analyse")
    assert done.returncode == 1 and "HTTP 404：页面不存在" in done.stderr
    assert "msg-1002-2.html" in done.stderr
    assert "gov-board：新入库 4 条" in done.stdout  # the message is kept with what was read
    extra, _, _ = thread_of(setup, LAMPS)
    assert len(extra["posts"]) == 2 and extra["posts_incomplete"] is True
    health = json.loads(setup.ok("sources", "--json").stdout)
    assert next(h for h in health if h["name"] == "gov-board")["status"] == "异常"

    page2.write_bytes(saved)  # the page is back: the answered message is read again, whole
    again = setup.ok("crawl", "gov-board", "--no-analyse").stdout
    assert "gov-board：新入库 0 条" in again
    extra, _, _ = thread_of(setup, LAMPS)
    assert len(extra["posts"]) == 4 and not extra.get("posts_incomplete")


def board(**opts):
    return BoardSource(
        name="b",
        title="论坛",
        kind="board",
        url="http://x/list",
        board={
            "item": "tr",
            "link": "a::attr(href)",
            "detail_title": "h1::text",
            "detail_body": "div.body",
            "post": "div.post",
            "post_author": "b::text",
            "thread_next": "a.next::attr(href)",
            **opts,
        },
    )


def page(url, posts, next_href=None, request=None):
    floors = "".join(f"<div class='post'><b>网友{i}</b><p>第{i}楼</p></div>" for i in posts)
    nxt = f"<a class='next' href='{next_href}'>下一页</a>" if next_href else ""
    body = f"<html><h1>标题</h1><div class='body'>正文</div>{floors}{nxt}</html>"
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def test_a_thread_whose_next_link_loops_ends_and_max_thread_pages_bounds_it():
    s = BoardSpider(source=board())
    first = "http://x/t/1"
    (req,) = s.parse_detail(page(first, [1, 2], "2", Request(first)), list_url="http://x/list")
    assert req.url == "http://x/t/2"
    # page 2 links back to page 1: the thread ends there with every post read once
    (item,) = s.parse_thread_page(page(req.url, [3], "1", req), **req.cb_kwargs)
    assert [p["text"] for p in item["extra"]["posts"]] == [
        "网友1\n第1楼",
        "网友2\n第2楼",
        "网友3\n第3楼",
    ]
    assert item["comments"] == 3 and item["text"] == "正文"
    s = BoardSpider(source=board(max_thread_pages=1))
    (item,) = s.parse_detail(page(first, [1], "2", Request(first)), list_url="http://x/list")
    assert len(item["extra"]["posts"]) == 1


def test_post_fields_need_a_post_selector():
    with pytest.raises(ValueError, match="须同时设 post"):
        BoardSource(
            name="b",
            title="论坛",
            kind="board",
            url="http://x/",
            board={
                "item": "tr",
                "link": "a",
                "detail_title": "h1",
                "detail_body": "p",
                "post_author": "b",
            },
        )
