"""Pages whose charset claim is wrong or missing are stored as readable Chinese: the HTTP
header, <meta charset>, <meta http-equiv> and BOM weighed against what the bytes decode to;
bytes no charset decodes kept as replacement characters, the page not lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse

from monitor.clock import BEIJING
from monitor.config.sources import NewsSource
from monitor.pipeline.datetimes import parse_published
from spiders.charset import best_encoding, declared_encodings
from spiders.kinds.news import NewsSpider
from spiders.middlewares import CharsetFixMiddleware

FIXTURES = Path(__file__).parent / "fixtures" / "charset"
FETCHED = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
SOURCE = NewsSource(
    name="n", title="n", kind="news", url="http://x/", news={"article_links": r"\d+\.html"}
)


def fetched(body: bytes, content_type: str | None = None) -> Response:
    """A page as the downloader hands it on: through CharsetFixMiddleware."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse("http://x/news/1.html", body=body, headers=headers)
    return CharsetFixMiddleware().process_response(None, response)


def stored(body: bytes, content_type: str | None = None) -> dict:
    """What the news spider keeps of the page, with its publish time in Beijing."""
    (item,) = NewsSpider(source=SOURCE).parse_article(fetched(body, content_type), "http://x/")
    published = parse_published(item["published_raw"], FETCHED)
    return {**item, "published": published.astimezone(BEIJING) if published else None}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    "content_type",
    [None, "text/html", "text/html; charset=utf-8", "text/html; charset=ISO-8859-1"],
)
def test_gbk_page_declaring_utf8_is_read_as_gbk(content_type):
    item = stored(fixture("gbk-declares-utf8.html"), content_type)
    assert item["title"] == "临江区启动背街小巷改造"
    assert item["text"].startswith("本报讯 临江区今天启动背街小巷改造工程")
    assert "\ufffd" not in item["text"]
    assert item["published"] == datetime(2026, 11, 20, 9, 15, tzinfo=BEIJING)
    assert item["site"] == "云川日报"


def test_gb2312_page_with_gbk_and_gb18030_only_characters_keeps_the_names():
    item = stored(fixture("gb2312-with-gbk-names.html"), "text/html; charset=gb2312")
    assert "李喆、王堃、刘䶮等二十人" in item["text"]
    assert "\ufffd" not in item["text"]
    assert item["published"] == datetime(2026, 11, 19, 16, 30, tzinfo=BEIJING)


@pytest.mark.parametrize("content_type", [None, "text/html; charset=gbk"])
def test_utf8_page_declaring_gbk_is_read_as_utf8(content_type):
    item = stored(fixture("utf8-declares-gbk.html"), content_type)
    assert item["title"] == "云川市发布冬季供暖保障方案"
    assert item["text"].startswith("市住房和城乡建设局今天发布冬季供暖保障方案")
    assert item["published"] == datetime(2026, 11, 18, 10, 0, tzinfo=BEIJING)


def test_gbk_page_served_as_latin1_with_the_right_meta_is_read_as_gbk():
    body = fixture("gbk-declares-utf8.html").replace(b'charset="utf-8"', b'charset="gbk"')
    item = stored(body, "text/html; charset=ISO-8859-1")  # a server default, the meta is right
    assert item["text"].startswith("本报讯 临江区今天启动背街小巷改造工程")


def test_undeclared_page_with_broken_bytes_is_kept_with_replacement_characters():
    response = fetched(fixture("undeclared-gbk-broken.html"))
    assert response.encoding == "gb18030"  # not a single-byte guess that reads as Cyrillic
    item = stored(fixture("undeclared-gbk-broken.html"))
    assert item["title"] == "网友反映临江隧道排水不畅"
    # the two broken bytes show where they were; the rest of the page is whole
    assert "每逢大雨临江隧道就会积水，\ufffd\ufffd希望有关部门尽快疏通排水管道" in item["text"]
    assert "有关部门将在五个工作日内答复处理结果" in item["text"]
    assert item["published"] == datetime(2005, 8, 28, 20, 56, 20, tzinfo=BEIJING)


def test_a_byte_order_mark_is_taken_as_it_is():
    body = b"\xef\xbb\xbf" + fixture("utf8-declares-gbk.html")
    assert fetched(body, "text/html; charset=gbk").encoding == "utf-8"


def test_english_page_with_a_few_symbols_keeps_its_charset():
    text = "<html><body><p>Copyright © 2026 Café Société – all rights reserved.</p></body></html>"
    response = fetched(text.encode("utf-8"), "text/html; charset=utf-8")
    assert response.encoding == "utf-8" and "Café Société" in response.text  # type: ignore[attr-defined]


def test_a_right_declaration_is_left_alone():
    response = HtmlResponse(
        "http://x/1.html",
        body=fixture("gb2312-with-gbk-names.html"),
        headers={"Content-Type": "text/html; charset=gb18030"},
    )
    assert CharsetFixMiddleware().process_response(None, response) is response


def test_not_text_responses_pass_through():
    response = Response("http://x/a.jpg", body=b"\xff\xd8\xff\xe0")
    assert CharsetFixMiddleware().process_response(None, response) is response
    ascii_page = TextResponse("http://x/a.txt", body=b"plain", encoding="utf-8")
    assert CharsetFixMiddleware().process_response(None, ascii_page) is ascii_page


def test_declared_encodings_in_order_of_strength():
    body = b'\xef\xbb\xbf<meta charset="gb2312">'
    assert declared_encodings(body, "text/html; charset=ISO-8859-1") == [
        "utf-8",
        "cp1252",  # what browsers (and w3lib) take ISO-8859-1 to mean
        "gb18030",  # gb2312 read as its superset
    ]
    assert declared_encodings(b"<p>x</p>", None) == []


def test_best_encoding_without_any_declaration():
    gbk = "市民反映临江路井盖缺失，请有关部门尽快处理。".encode("gbk")
    assert best_encoding(gbk, []) == "gb18030"
    assert best_encoding(b"plain ascii", []) == "utf-8"
    assert best_encoding(gbk, ["no-such-codec"]) == "gb18030"
