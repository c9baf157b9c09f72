"""The bundled sample site: real formats, times relative to start-up, GBK served as GBK."""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from urllib.robotparser import RobotFileParser

import feedparser
import pytest

from monitor.pipeline.datetimes import parse_published
from monitor.samplesite import ROOT, render, serve

# 2026-11-21 12:00 in Beijing.
BASE = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
TEXT_SUFFIXES = {".html", ".rss", ".atom", ".json", ".txt"}


@pytest.fixture(scope="module")
def site():
    server, thread = serve(port=0, base=BASE)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def get(site, path):
    try:
        with urllib.request.urlopen(site.url + path, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def search(site, keyword, page):
    query = quote(f"100103type=1&q={keyword}", safe="")
    path = f"/weibo/api/container/getIndex?containerid={query}&page_type=searchall&page={page}"
    status, ctype, body = get(site, path)
    assert status == 200 and ctype == "application/json; charset=utf-8"
    return json.loads(body)


def test_render_counts_back_from_base_in_beijing_time():
    assert render("{{ago:3h}}", BASE, "") == "2026-11-21 09:00"
    assert render("{{ago:1d2h|%Y年%m月%d日 %H:%M}}", BASE, "") == "2026年11月20日 10:00"
    assert render("{{ago:45m|%H:%M}} {{ago:30s|%S}}", BASE, "") == "11:15 30"
    assert render("{{origin}}/a", BASE, "http://h:1") == "http://h:1/a"


def test_every_text_file_is_served_with_placeholders_filled(site):
    files = [p for p in ROOT.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]
    assert len(files) >= 15
    for file in files:
        status, ctype, body = get(site, "/" + file.relative_to(ROOT).as_posix())
        assert status == 200, file
        text = body.decode("gbk" if ctype == "text/html" else "utf-8")
        assert "{{" not in text, file


def test_board_message_shows_time_relative_to_base(site):
    status, ctype, body = get(site, "/board/msg-1001.html")
    assert (status, ctype) == (200, "text/html; charset=utf-8")
    page = body.decode("utf-8")
    assert '<span class="msg-time">2026-11-19 14:00</span>' in page  # base - 46h
    assert '<span class="msg-status">未回复</span>' in page


def test_gbk_portal_has_no_charset_in_header_and_is_gbk_bytes(site):
    status, ctype, body = get(site, "/news/index.html")
    assert (status, ctype) == (200, "text/html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = body.decode("gbk")
    assert '<meta charset="gbk">' in page and "云川新闻网" in page
    status, ctype, body = get(site, "/news/20261120/1123.html")
    page = body.decode("gbk")
    assert ctype == "text/html"
    assert "青峰山景区被指乱收费 市文旅局：已介入调查" in page
    assert "来源：云川新闻网　发布时间：2026-11-20 16:00" in page  # base - 20h


def test_weibo_search_pages_then_empty_like_the_real_api(site):
    first = search(site, "云川", 1)
    assert first["ok"] == 1
    cards = first["data"]["cards"]
    assert [c["card_type"] for c in cards] == [9, 9, 11]
    assert any(c.get("mblog") for c in cards[2]["card_group"])
    created = cards[0]["mblog"]["created_at"]
    assert created == "Sat Nov 21 09:00:00 +0800 2026"  # base - 3h, Weibo's own form
    assert parse_published(created, BASE) == BASE - timedelta(hours=3)
    assert search(site, "云川", 2)["data"]["cards"]
    assert search(site, "云川", 3) == {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
    assert search(site, "没有这个词", 1)["data"]["cards"] == []
    first_post = search(site, "青峰山", 1)["data"]["cards"][0]["mblog"]
    assert first_post["user"]["screen_name"] == "爱旅行的小鱼"


def test_weibo_detail_pages_exist_for_posts_and_originals(site):
    status, _, body = get(site, "/weibo/detail/5039112233440001")
    assert status == 200 and "爱旅行的小鱼" in body.decode()
    status, _, body = get(site, "/weibo/detail/5039112233440002")
    assert "@爱旅行的小鱼" in body.decode()  # the repost quotes its original
    assert get(site, "/weibo/detail/1")[0] == 404


def test_weibo_long_post_and_comment_thread_like_the_real_api(site):
    status, ctype, body = get(site, "/weibo/statuses/extend?id=5039112233440003")
    assert status == 200 and ctype == "application/json; charset=utf-8"
    full = json.loads(body)["data"]["longTextContent"]
    assert "别让青峰山的好风景被这样的管理毁了" in full
    assert json.loads(get(site, "/weibo/statuses/extend?id=5039112233440001")[2])["ok"] == 0
    # the detail page embeds the post, its full text included, as m.weibo.cn does
    page = get(site, "/weibo/detail/5039112233440003")[2].decode()
    assert "var $render_data = [" in page and "好风景被这样的管理毁了" in page
    first = json.loads(get(site, "/weibo/comments/hotflow?id=5039112233440005&max_id_type=0")[2])
    assert len(first["data"]["data"]) == 12 and first["data"]["max_id"] > 0
    following = f"id=5039112233440005&max_id={first['data']['max_id']}&max_id_type=0"
    last = json.loads(get(site, f"/weibo/comments/hotflow?{following}")[2])
    assert len(last["data"]["data"]) == 11 and last["data"]["max_id"] == 0
    # a post without a thread: no comments to show, not an error
    none = json.loads(get(site, "/weibo/comments/hotflow?id=5039112233440007&max_id_type=0")[2])
    assert none["ok"] == 1 and none["data"]["data"] == []


@pytest.mark.parametrize(
    ("path", "ctype", "titles"),
    [
        (
            "/feeds/province.rss",
            "application/rss+xml; charset=utf-8",
            [
                "云川市博物馆回应：'永久闭馆'系不实消息 仅部分展厅升级改造",
                "云川今年前十月接待游客同比增长12%",
            ],
        ),
        (
            "/feeds/gov.atom",
            "application/atom+xml; charset=utf-8",
            ["云川市防汛应急指挥部启动IV级应急响应", "市图书馆新馆正式开放 市民点赞"],
        ),
    ],
)
def test_feeds_parse_with_times_in_the_last_two_days(site, path, ctype, titles):
    status, got_type, body = get(site, path)
    assert (status, got_type) == (200, ctype)
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == titles
    for entry in feed.entries:
        when = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert BASE - timedelta(days=2) <= when <= BASE
        assert entry.link.startswith(site.url + "/")  # {{origin}} is this server
        assert get(site, entry.link.removeprefix(site.url))[0] == 200


def test_unknown_and_escaping_paths_are_404(site):
    assert get(site, "/nope.html")[0] == 404
    assert get(site, "/news/20261120/9999.html")[0] == 404
    assert get(site, "/../pyproject.toml")[0] == 404
    assert get(site, "/%2e%2e/%2e%2e/etc/passwd")[0] == 404


def test_robots_txt_allows_everything(site):
    status, ctype, body = get(site, "/robots.txt")
    assert (status, ctype) == (200, "text/plain; charset=utf-8")
    robots = RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert robots.can_fetch("yuqing-monitor/0.1", site.url + "/news/index.html")
    assert robots.can_fetch("*", site.url + "/weibo/api/container/getIndex?page=1")


def test_base_defaults_to_now_and_shutdown_stops_the_thread():
    server, thread = serve(port=0)
    try:
        assert abs(server.base - datetime.now(UTC)) < timedelta(seconds=30)
        assert get(server, "/")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()
