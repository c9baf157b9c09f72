"""A news source's `comments:` options: the 跟帖 read from the article page (CSS) or from the
site's comment API (JSON, paged), the article yielded once with them; an API that fails
part-way keeps the article and the comments read so far, and the source says what failed."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.config.sources import NewsSource
from spiders.items import MentionItem
from spiders.kinds.news import NewsSpider

ARTICLE_URL = "http://news.example/20261121/8812.html"
HOSTILE = "<script>alert(1)</script>"
ESCAPED = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>城东隧道积水 市政部门连夜排涝</title></head>
<body><h1>城东隧道积水 市政部门连夜排涝</h1>
<div class="article">
<p>21日凌晨，城东隧道因暴雨积水，市政部门组织排涝车辆连夜处置，目前隧道已恢复通行。</p>
<p>市民反映，该隧道近年多次积水，希望相关部门彻底整治排水设施。</p></div>
<div class="comments">
  <div class="cmt" data-id="a1"><span class="nick">云川老张</span>
    <span class="t">2026-11-21 09:12</span>
    <p class="c">年年淹，年年修，排水什么时候能根治？</p><span class="up">赞 1.2万</span></div>
  <div class="cmt" data-id="a2"><span class="nick">&lt;b&gt;路人&lt;/b&gt;</span>
    <span class="t">10分钟前</span>
    <p class="c">{ESCAPED}感谢连夜排涝的工人</p><span class="up">36</span></div>
  <div class="cmt" data-id="a3"><span class="nick">空评论</span><p class="c"> </p></div>
</div></body></html>"""


def source(**comments: object) -> NewsSource:
    return NewsSource(
        name="city-news",
        title="城市新闻网",
        kind="news",
        url="http://news.example/",
        news={"article_links": r"\d+\.html$", "comments": comments},
    )


def article(spider: NewsSpider) -> list:
    request = Request(ARTICLE_URL)
    response = HtmlResponse(ARTICLE_URL, body=PAGE.encode(), encoding="utf-8", request=request)
    return list(spider.parse_article(response, list_url="http://news.example/"))


def answer(request: Request, body: object, status: int = 200) -> TextResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return TextResponse(request.url, body=raw, status=status, encoding="utf-8", request=request)


def follow(request: Request, body: object) -> list:
    return list(request.callback(answer(request, body), **request.cb_kwargs))


API = {
    "api": "http://cmt.example/api/list?doc={id}&page={page}",
    "id_pattern": r"/(\d+)\.html$",
    "items": "result.comments",
    "fields": {
        "id": "cid",
        "author": "user.nick",
        "time": "ctime",
        "text": "content",
        "likes": "up",
    },
}


def entry(k: int, text: str | None = None) -> dict:
    return {
        "cid": k,
        "user": {"nick": f"网友{k}"},
        "ctime": "2026-11-21 10:00",
        "content": text or f"第{k}条跟帖：排水设施该整治了",
        "up": k * 3,
    }


def test_comments_on_the_article_page_are_read_with_it() -> None:
    spider = NewsSpider(
        source=source(
            item="div.cmt",
            id="::attr(data-id)",
            author="span.nick::text",
            time="span.t::text",
            text="p.c",
            likes="span.up::text",
        )
    )
    (item,) = article(spider)
    assert isinstance(item, MentionItem) and item["title"].startswith("城东隧道积水")
    assert item["hot_comments"] == [
        {
            "id": "a1",
            "author": "云川老张",
            "published_raw": "2026-11-21 09:12",
            "text": "年年淹，年年修，排水什么时候能根治？",
            "likes": 12000,
        },
        {
            "id": "a2",
            "author": "<b>路人</b>",  # the name as the site shows it, kept as text
            "published_raw": "10分钟前",
            "text": HOSTILE + "感谢连夜排涝的工人",
            "likes": 36,
        },
    ]
    assert spider.errors == []


def test_comments_from_the_api_are_paged_until_an_empty_page() -> None:
    spider = NewsSpider(source=source(**API))
    (first,) = article(spider)
    assert first.url == "http://cmt.example/api/list?doc=8812&page=1"
    assert first.headers["Referer"] == ARTICLE_URL.encode()
    (second,) = follow(first, {"result": {"comments": [entry(1), entry(2)]}})
    assert second.url.endswith("page=2")
    # page 2 repeats one comment (a new one arrived meanwhile): it is kept once
    (third,) = follow(second, {"result": {"comments": [entry(2), entry(3, ESCAPED)]}})
    (item,) = follow(third, {"result": {"comments": []}})
    assert isinstance(item, MentionItem)
    assert [c["id"] for c in item["hot_comments"]] == ["1", "2", "3"]
    assert item["hot_comments"][2]["text"] == HOSTILE  # plain text, escaped where shown
    assert item["hot_comments"][0] == {
        "id": "1",
        "author": "网友1",
        "published_raw": "2026-11-21 10:00",
        "text": "第1条跟帖：排水设施该整治了",
        "likes": 3,
    }
    assert spider.comment_requests == 3 and spider.errors == []
    assert "comments_error" not in item["extra"]


def test_the_api_stops_at_comments_max_and_max_pages() -> None:
    spider = NewsSpider(source=source(**API, max=3))
    (first,) = article(spider)
    (second,) = follow(first, {"result": {"comments": [entry(1), entry(2)]}})
    (item,) = follow(second, {"result": {"comments": [entry(3), entry(4), entry(5)]}})
    assert [c["id"] for c in item["hot_comments"]] == ["1", "2", "3"]
    spider = NewsSpider(source=source(**API, max_pages=1))
    (first,) = article(spider)
    (item,) = follow(first, {"result": {"comments": [entry(1), entry(2)]}})
    assert len(item["hot_comments"]) == 2 and spider.comment_requests == 1


def test_an_article_without_comments_yet_is_stored_with_none() -> None:
    spider = NewsSpider(source=source(**API))
    (first,) = article(spider)
    (item,) = follow(first, {"result": {}})  # many APIs leave the list out
    assert item["hot_comments"] == [] and spider.errors == []


def test_an_api_failing_on_page_two_keeps_the_article_and_what_was_read() -> None:
    spider = NewsSpider(source=source(**API))
    (first,) = article(spider)
    (second,) = follow(first, {"result": {"comments": [entry(1), entry(2)]}})
    failed = answer(second, b"<h1>500</h1>", status=500)
    failure = Failure(HttpError(failed))
    failure.request = second  # as Scrapy hands it to the errback
    (item,) = list(second.errback(failure))
    assert [c["id"] for c in item["hot_comments"]] == ["1", "2"]
    assert item["extra"]["comments_error"].startswith("评论接口第 2 页：HTTP 500")
    failed_page = f"评论接口第 2 页：HTTP 500：站点服务器内部错误（{second.url}）"
    assert spider.errors == [f"{failed_page}；文章已保存，评论只读到 2 条"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html>login</html>", "返回的不是 JSON"),
        ({"result": {"comments": "none"}}, "result.comments 不是列表"),
    ],
)
def test_an_api_answering_nonsense_keeps_the_article(body: object, said: str) -> None:
    spider = NewsSpider(source=source(**API))
    (first,) = article(spider)
    (item,) = follow(first, body)
    assert item["hot_comments"] == [] and said in item["extra"]["comments_error"]
    assert len(spider.errors) == 1 and said in spider.errors[0]


def test_an_article_url_without_the_comment_id_is_kept_and_reported() -> None:
    spider = NewsSpider(source=source(**API | {"id_pattern": r"/doc-(\w+)\.html$"}))
    (item,) = article(spider)
    assert isinstance(item, MentionItem) and item["hot_comments"] == []
    assert "找不到 id_pattern" in item["extra"]["comments_error"]
    assert spider.comment_requests == 0


def test_without_comment_options_nothing_more_is_read() -> None:
    spider = NewsSpider(source=source(count="span.up::text"))
    (item,) = article(spider)
    assert item["hot_comments"] is None and spider.comment_requests == 0


@pytest.mark.parametrize(
    ("comments", "said"),
    [
        ({"item": "div.c", "api": "http://x/{url}"}, "只能从页面（item）或接口（api）之一读取"),
        ({"api": "http://x/list?page={page}"}, "api 应含 {url} 或 {id}"),
        ({"api": "http://x/{id}"}, "须设 id_pattern"),
        ({"api": "http://x/{id}", "id_pattern": r"\d+"}, "须含一个括号分组"),
        ({"api": "ftp://x/{url}"}, "http:// 或 https://"),
        ({"item": "div.c", "max": 0}, "greater than or equal to 1"),
    ],
)
def test_comment_options_are_checked(comments: dict, said: str) -> None:
    with pytest.raises(ValidationError) as e:
        source(**comments)
    assert said in str(e.value)


def test_a_bare_selector_still_names_where_the_count_is() -> None:
    s = NewsSource(
        name="n",
        title="n",
        kind="news",
        url="http://x/",
        news={"article_links": r"\d+", "comments": "span.count::text"},
    )
    assert s.news.comments is not None and s.news.comments.count == "span.count::text"
    assert not s.news.comments.reads
