"""Long Weibo posts (isLongText) stored whole: the full text from statuses/extend, the
post's detail page ($render_data) when that fails, for search results and reposted
originals; the evidence copy keeps the answer; when both fail the post is kept with the
list's text and the source says what failed. Crawled by `yuqing crawl` from loopback."""

from __future__ import annotations

import gzip
import sqlite3

import pytest
from scrapy.http import HtmlResponse, TextResponse

from monitor.config.sources import WeiboSource
from spiders.kinds.weibo import WeiboSpider
from tests.helpers.fake_weibo import (
    HOT,
    JSON,
    LONG,
    ORIGINAL,
    REPOST,
    SMALL,
    fake_weibo,
    fixture,
    health,
    mention_id,
    ok,
    shown,
    weibo_setup,
)

PASSPORT = "https://passport.weibo.cn/signin/login?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F"


def test_long_posts_are_stored_whole_from_extend_or_the_detail_page(tmp_path) -> None:
    routes = {
        "search": ok("search-cards.json"),
        f"extend {LONG}": ok("extend-long.json"),
        f"extend {ORIGINAL}": (500, JSON, b'{"ok":0}'),  # the detail page stands in
        f"detail {ORIGINAL}": ok("detail-page.html"),
    }
    with fake_weibo(routes) as site:
        setup = weibo_setup(tmp_path, site, comments={"enabled": False})
        done = setup.ok("crawl", "wb-test", "--no-analyse")
        assert "wb-test：新入库 5 条" in done.stdout, done.stdout + done.stderr

        notice = shown(setup, LONG)
        assert "被困的3辆车和5名群众均已安全转移" in notice["text"]
        assert notice["text"].endswith("我们深表歉意。#云川暴雨#")
        assert "全文" not in notice["text"] and "<br" not in notice["text"]
        assert notice["full_text"] is True
        assert notice["title"].startswith("【关于临江路隧道积水处置情况的通报】")

        original = shown(setup, ORIGINAL)  # a reposted original, read from its page
        assert original["text"].endswith("排水改造的钱花到哪里去了?")
        assert "也没有一块警示牌" in original["text"] and "全文" not in original["text"]
        assert shown(setup, REPOST)["reposted_from"].endswith(f"/detail/{ORIGINAL}")
        assert shown(setup, SMALL)["full_text"] is None  # not a long post: nothing more read

        # each full text was asked for once; the posts that are not long, never
        assert site.asked(f"extend {LONG}") == 1 and site.asked(f"detail {LONG}") == 0
        assert site.asked(f"extend {ORIGINAL}") == 2  # one retry of a 500, then the page
        assert site.asked(f"extend {HOT}") == site.asked(f"extend {SMALL}") == 0
        assert health(setup)["last_error"] is None

        # the evidence copy: the list answer, then the answer the full text came from
        path = setup.env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            (body,) = db.execute(
                "select body_gz from evidence where mention_id = ?", (mention_id(setup, LONG),)
            ).fetchone()
        raw = gzip.decompress(body).decode("utf-8")
        assert raw.index('"cards"') < raw.index("yuqing 存证：长微博全文") < raw.index("深表歉意")

        # a second crawl keeps the stored text and does not fetch it again
        setup.ok("crawl", "wb-test", "--no-analyse")
        assert site.asked(f"extend {LONG}") == 1
        assert shown(setup, LONG)["text"] == notice["text"]


def test_when_both_fail_the_post_is_kept_cut_and_the_source_says_why(tmp_path) -> None:
    routes = {
        "search": ok("search-cards.json"),
        f"extend {LONG}": ok("extend-ok0.json"),
        # a login wall: a redirect to passport.weibo.cn, never followed
        f"detail {LONG}": (302, {"Location": PASSPORT}, b""),
        f"extend {ORIGINAL}": ok("login-wall.html"),
        f"detail {ORIGINAL}": ok("login-wall.html"),
    }
    with fake_weibo(routes) as site:
        setup = weibo_setup(tmp_path, site, comments={"enabled": False})
        done = setup.run("crawl", "wb-test", "--no-analyse")
        assert done.returncode == 1
        assert "wb-test：新入库 5 条" in done.stdout, done.stdout + done.stderr
        assert not any("passport" in r.path for r in site.server.requests)

        notice = shown(setup, LONG)
        assert notice["full_text"] is False
        assert notice["text"].endswith("截至10时,隧道内积水已基本排除 ...全文")
        text = setup.ok("mention", "show", str(mention_id(setup, LONG))).stdout
        assert "注意：未能读取长微博全文" in text and "全文接口答复 ok=0" in text

        error = health(setup)["last_error"]
        assert f"长微博 {LONG} 的全文未能读取：全文接口答复 ok=0（请求过于频繁，歇歇吧）" in error
        assert "详情页被重定向到登录页面（https://passport.weibo.cn/signin/login" in error
        assert f"长微博 {ORIGINAL} 的全文未能读取：全文接口返回的是登录页面" in error
        assert "已按列表中截断的正文保存" in error
        assert shown(setup, ORIGINAL)["full_text"] is False


# ---- in-process: the parser on answers the fake site gives as files ------------------------


def spider(**options: object) -> WeiboSpider:
    source = WeiboSource(
        name="wb",
        title="微博",
        kind="weibo",
        url="https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}",
        keywords=["云川"],
        **options,
    )
    return WeiboSpider(source=source)


def listed(s: WeiboSpider) -> list:
    request = s._page("云川", 1)
    response = TextResponse(request.url, body=fixture("search-cards.json"), request=request)
    return list(s.parse(response, **request.cb_kwargs))


def test_a_pages_posts_are_handed_on_in_its_order_each_whole() -> None:
    s = spider(comments={"enabled": False})
    (first,) = listed(s)  # the first post is long: the rest of the page waits for it
    assert first.url == f"https://m.weibo.cn/statuses/extend?id={LONG}"  # url's own site
    assert first.headers["Referer"] == f"https://m.weibo.cn/detail/{LONG}".encode()
    assert first.dont_filter and first.meta["dont_redirect"]
    extended = TextResponse(first.url, body=fixture("extend-long.json"), request=first)
    item, second = first.callback(extended, **first.cb_kwargs)
    assert item["url"].endswith(LONG) and "深表歉意" in item["text"]
    assert second.url == f"https://m.weibo.cn/statuses/extend?id={ORIGINAL}"
    failed = TextResponse(second.url, body=b'{"ok":0}', request=second)
    (detail,) = second.callback(failed, **second.cb_kwargs)
    assert detail.url == f"https://m.weibo.cn/detail/{ORIGINAL}"
    page = HtmlResponse(detail.url, body=fixture("detail-page.html"), request=detail)
    rest = list(detail.callback(page, **detail.cb_kwargs))
    # the original before its repost, then the rest of the page as listed
    assert [i["url"].rsplit("/", 1)[1] for i in rest] == [ORIGINAL, REPOST, HOT, SMALL]
    assert rest[0]["extra"]["full_text"] is True and s.errors == []


def test_the_endpoints_can_be_set() -> None:
    s = spider(
        comments={"enabled": False},
        full_text_url="http://127.0.0.1:9/extend/{id}.json",
        detail_url="http://127.0.0.1:9/status/{id}",
    )
    (first,) = listed(s)
    assert first.url == f"http://127.0.0.1:9/extend/{LONG}.json"
    failed = TextResponse(first.url, status=200, body=b'{"ok":0}', request=first)
    (detail,) = list(first.callback(failed, **first.cb_kwargs))
    assert detail.url == f"http://127.0.0.1:9/status/{LONG}"


@pytest.mark.parametrize(
    ("page", "said"),
    [
        (b"<html><body>hello</body></html>", "页面中没有 $render_data"),
        (b"<script>var $render_data = [{][0] || {};</script>", "不是有效的 JSON"),
        (b'<script>var $render_data = [{"call": "1"}][0] || {};</script>', "没有 status"),
    ],
)
def test_a_detail_page_without_the_post_is_reported(page: bytes, said: str) -> None:
    s = spider(comments={"enabled": False})
    (first,) = listed(s)
    (detail,) = list(
        first.callback(TextResponse(first.url, body=b"{", request=first), **first.cb_kwargs)
    )
    response = HtmlResponse(detail.url, body=page, request=detail, encoding="utf-8")
    item, following = detail.callback(response, **detail.cb_kwargs)  # the page goes on
    assert following.url.endswith(f"extend?id={ORIGINAL}")
    assert item["extra"]["full_text"] is False and said in item["extra"]["full_text_error"]
    assert "全文接口返回的不是 JSON" in s.errors[0] and said in s.errors[0]
