"""The four spiders against the sample site, crawled in a subprocess (Twisted's reactor
cannot restart inside pytest), plus failing sources that must be reported, not skipped."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request

from monitor.clock import BEIJING
from monitor.config.loader import load_config
from monitor.config.models import CrawlConfig
from monitor.config.sources import NewsSource
from monitor.errors import NotFound
from monitor.pipeline.datetimes import parse_published
from monitor.samplesite import ROOT, serve
from spiders.kinds import SPIDERS
from spiders.kinds.base import html_to_text
from spiders.kinds.news import NewsSpider
from spiders.kinds.weibo import parse_count
from spiders.pipelines import SinkPipeline
from spiders.run import crawl
from spiders.settings import build_settings

REPO = Path(__file__).resolve().parent.parent
BASE = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 2026-11-21 12:00 Beijing
COOKIE = "SUB=_2A25test; SUBP=0033test"


class HostileSite(BaseHTTPRequestHandler):
    """403s, a hanging page, a robots.txt that forbids /private/, Weibo APIs wanting cookies."""

    cookies: list[str | None] = []

    def do_GET(self):  # noqa: N802
        if self.path == "/robots.txt":
            return self._send(200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
        if self.path.startswith("/slow/"):
            time.sleep(3)  # longer than the download_timeout the test config sets
            return self._send(200, "text/plain", b"too late")
        if self.path.startswith("/forbidden/"):
            return self._send(403, "text/html", "<h1>403 禁止访问</h1>".encode())
        if self.path.startswith("/api/container/getIndex"):
            HostileSite.cookies.append(self.headers.get("Cookie"))
            return self._send(200, "application/json", b'{"ok":0,"data":{"cards":[]}}')
        if self.path.startswith("/login-wall/api/container/getIndex"):
            return self._send(200, "application/json", b'{"ok":-100,"url":"https://passport"}')
        self._send(404, "text/html", b"not found")

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Serve the sample site and the hostile site, crawl every source once, return
    (items by source, reports by source, exit code, stderr)."""
    site, site_thread = serve(port=0, base=BASE)
    hostile = ThreadingHTTPServer(("127.0.0.1", 0), HostileSite)
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    h = f"http://127.0.0.1:{hostile.server_address[1]}"
    tmp = tmp_path_factory.mktemp("crawl")
    config = tmp / "config"
    shutil.copytree(REPO / "config", config)
    sources_file = config / "sources.yaml"
    text = sources_file.read_text(encoding="utf-8").replace("127.0.0.1:8765", site.url[7:])
    data = yaml.safe_load(text)
    weibo_url = "/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}&page={page}"
    data["sources"] += [
        {
            "name": "missing-404",
            "title": "不存在的订阅源",
            "kind": "feed",
            "url": f"{site.url}/feeds/missing.rss",
        },
        {
            "name": "forbidden-403",
            "title": "拒绝访问的网站",
            "kind": "news",
            "url": f"{h}/forbidden/index.html",
            "news": {"article_links": "."},
        },
        {
            "name": "refused",
            "title": "没有运行的站点",
            "kind": "feed",
            "url": f"http://127.0.0.1:{free_port()}/feed.rss",
        },
        {
            "name": "robots-forbidden",
            "title": "robots 禁止的订阅源",
            "kind": "feed",
            "url": f"{h}/private/feed.rss",
        },
        {
            "name": "html-not-feed",
            "title": "其实是网页",
            "kind": "feed",
            "url": f"{site.url}/board/list.html",
        },
        {
            "name": "news-no-links",
            "title": "选择器写错的新闻源",
            "kind": "news",
            "url": f"{site.url}/news/index.html",
            "news": {"article_links": r"/nothing/\d+$"},
        },
        {
            "name": "weibo-cookie",
            "title": "带 Cookie 的微博",
            "kind": "weibo",
            "url": h + weibo_url,
            "keywords": ["云川"],
            "cookie_env": "YUQING_TEST_WEIBO_COOKIE",
        },
        {
            "name": "weibo-login",
            "title": "要求登录的微博",
            "kind": "weibo",
            "url": h + "/login-wall" + weibo_url,
            "keywords": ["云川"],
        },
    ]
    data["sources"] += [
        {"name": "slow", "title": "响应太慢的站点", "kind": "feed", "url": f"{h}/slow/feed.rss"},
        {
            "name": "board-bad-selector",
            "title": "选择器语法错误的留言板",
            "kind": "board",
            "url": f"{site.url}/board/list.html",
            "board": {
                "item": "table[[",
                "link": "a::attr(href)",
                "detail_title": "h1",
                "detail_body": "div",
            },
        },
    ]
    service_file = config / "service.yaml"
    service = yaml.safe_load(service_file.read_text(encoding="utf-8"))
    service["crawl"]["download_timeout"] = "1s"
    service_file.write_text(yaml.safe_dump(service, allow_unicode=True), encoding="utf-8")
    sources_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    reports_file = tmp / "reports.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "YUQING_TEST_WEIBO_COOKIE": COOKIE}
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "spiders.run",
                "--config",
                str(config),
                "--reports",
                str(reports_file),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        site.shutdown()
        hostile.shutdown()
        site_thread.join(timeout=5)
    items: dict[str, list[dict]] = {}
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        items.setdefault(item["source"], []).append(item)
    assert reports_file.exists(), proc.stderr[-3000:]
    reports = json.loads(reports_file.read_text(encoding="utf-8"))
    return items, reports, proc.returncode, proc.stderr


def by_title(items, title):
    found = [i for i in items if i["title"] == title]
    assert len(found) == 1, [i["title"] for i in items]
    return found[0]


def test_every_sample_source_yields_its_items_without_errors(crawled):
    items, reports, _, _ = crawled
    expected = {
        "gov-board": 4,
        "weibo-search": 7,
        "yunchuan-news": 3,
        "province-daily-rss": 2,
        "yunchuan-gov-atom": 2,
    }
    for name, count in expected.items():
        assert reports[name]["errors"] == [], name
        assert reports[name]["items"] == count == len(items[name]), name
        assert reports[name]["pages"] >= 1 and reports[name]["finish_reason"] == "finished"
    for item in (i for name in expected for i in items[name]):
        assert item["raw_bytes"] > 0 and item["title"] and item["text"]
        fetched = datetime.fromisoformat(item["fetched_at"])
        assert fetched.utcoffset() == timedelta(0)
        when = item["published"] or item["published_raw"]
        published = (
            datetime.fromisoformat(when) if item["published"] else parse_published(when, fetched)
        )
        assert published is not None, item
        if item["kind"] != "weibo" or "前" not in item["published_raw"]:
            assert BASE - timedelta(days=3) <= published <= BASE, item["title"]


def test_board_messages_with_reply_status(crawled):
    board = crawled[0]["gov-board"]
    msg = by_title(board, "青峰山景区停车场乱收费")
    assert msg["reply_status"] == "未回复" and msg["reply_text"] is None
    assert msg["author"] == "游客张女士"
    assert msg["published_raw"] == "2026-11-19 14:00"
    assert "停车费" in msg["text"] and "乱收费" in msg["text"] and "<p>" not in msg["text"]
    replied = by_title(board, "临江区滨江路路灯长期不亮")
    assert replied["reply_status"] == "已回复"
    assert "临江区城市管理局" in replied["reply_text"]
    # the fourth message is on the second list page, reached through next_page
    assert by_title(board, "建议开通青峰区至市图书馆新馆的公交线路")["extra"]["list_url"].endswith(
        "/board/list-2.html"
    )


def test_weibo_posts_counts_and_repost_chain(crawled):
    weibo = crawled[0]["weibo-search"]
    by_author = {i["author"]: i for i in weibo}
    assert len(by_author) == 7  # a post found under both keywords is yielded once
    original = by_author["爱旅行的小鱼"]
    assert (original["reposts"], original["comments"], original["likes"]) == (356, 512, 1203)
    assert original["reposted_from"] is None
    assert "[怒]" in original["text"] and "<" not in original["text"]
    repost = by_author["云川吃瓜群众"]
    assert repost["reposted_from"] == original["url"]
    assert original["url"].endswith("/weibo/detail/5039112233440001")
    rain = by_author["临江路的阿杰"]
    assert rain["text"].startswith("云川城区暴雨，临江路隧道积水严重，有车辆被困！")
    assert min(rain["reposts"], rain["comments"], rain["likes"]) >= 1000
    assert rain["published_raw"] == "Sat Nov 21 09:00:00 +0800 2026"
    assert by_author["青峰区小李"]["reposted_from"] == rain["url"]
    assert by_author["青峰区小李"]["published_raw"] == "12分钟前"
    rumour = by_author["云川同城热议"]
    assert "网传云川市博物馆下月起永久闭馆" in rumour["text"] and rumour["reposts"] >= 100


def test_gbk_news_articles_are_decoded(crawled):
    news = crawled[0]["yunchuan-news"]
    article = by_title(news, "青峰山景区被指乱收费 市文旅局：已介入调查")
    assert article["site"] == "云川新闻网" and article["author"] == "林晓"
    assert article["published_raw"] == "2026-11-20 16:00"
    assert article["text"].startswith("近日，有游客在网络上反映")
    assert "版权所有" not in article["text"] and "相关新闻" not in article["text"]
    rain = by_title(news, "云川遭遇强降雨 临江隧道积水 多辆车辆被困")  # declared gb2312
    assert "临江路隧道" in rain["text"]
    # its 跟帖, from the site's comment API (news.comments), read with it
    comments = rain["hot_comments"]
    assert len(comments) == 8 and comments[0] == {
        "id": "n1130-1",
        "author": "江边住户",
        "published_raw": (BASE - timedelta(hours=1, minutes=50))
        .astimezone(BEIJING)
        .strftime("%Y-%m-%d %H:%M"),
        "text": "临江隧道每逢大雨必淹，排水改造喊了几年了，到底什么时候落实？",
        "likes": 412,
    }
    assert comments[-1]["text"] == '<a href="javascript:alert(1)">点这里看现场视频</a>'  # text
    assert by_title(news, "青峰山景区被指乱收费 市文旅局：已介入调查")["hot_comments"] == []
    positive = by_title(news, "云川文旅消费季启动 发放惠民券")
    assert positive["site"] == "云川日报"
    assert positive["published_raw"] == "2026年11月20日 04:00"
    assert not any(w in positive["text"] for w in ("乱收费", "宰客", "闭馆"))


def test_feed_entries_have_parsed_times(crawled):
    items = crawled[0]
    rumour = by_title(
        items["province-daily-rss"], "云川市博物馆回应：'永久闭馆'系不实消息 仅部分展厅升级改造"
    )
    assert all(w in rumour["text"] for w in ("不实", "网传", "辟谣"))
    assert rumour["published"] == (BASE - timedelta(hours=6)).isoformat()
    assert rumour["site"] == "省日报网·地方频道"
    assert rumour["url"].endswith("/daily/content_2031.html")
    alert = by_title(items["yunchuan-gov-atom"], "云川市防汛应急指挥部启动IV级应急响应")
    assert alert["published"] == (BASE - timedelta(minutes=90)).isoformat()
    assert alert["author"] == "云川市防汛应急指挥部办公室"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing-404", "HTTP 404：页面不存在"),
        ("forbidden-403", "HTTP 403：站点拒绝访问"),
        ("refused", "连接被拒绝"),
        ("robots-forbidden", "robots.txt 禁止抓取"),
        ("html-not-feed", "不是有效的 RSS/Atom 订阅源"),
        ("news-no-links", "没有与 article_links"),
        ("weibo-login", "微博接口要求登录"),
        ("slow", "连接超时"),
        ("board-bad-selector", "解析页面时出错"),
    ],
)
def test_failing_sources_are_reported_not_silent(crawled, source, message):
    _, reports, code, stderr = crawled
    report = reports[source]
    assert report["items"] == 0 and not report["ok"]
    assert any(message in e for e in report["errors"]), report["errors"]
    assert code == 1  # the CLI exits non-zero when a source failed
    assert message in stderr


def test_weibo_cookie_from_env_is_sent(crawled):
    assert crawled[1]["weibo-cookie"]["errors"] == []
    assert HostileSite.cookies == [COOKIE]  # one page: no cards, so no second page


# ---- in-process units: no reactor needed ----------------------------------------------


def test_news_decodes_gbk_from_meta_when_header_has_no_charset():
    body = (ROOT / "news/20261120/1123.html").read_bytes()
    body = body.replace(b"{{ago:20h}}", b"2026-11-20 16:00")
    final = "http://x/news/20261120/1123.html"
    request = Request(final, meta={"redirect_urls": ["http://x/a/1123"]})  # linked, then moved
    response = HtmlResponse(
        final, body=body, headers={"Content-Type": "text/html"}, request=request
    )
    source = NewsSource(
        name="n", title="n", kind="news", url="http://x/", news={"article_links": r"\d+\.html"}
    )
    (item,) = NewsSpider(source=source).parse_article(response, list_url="http://x/")
    assert item["title"] == "青峰山景区被指乱收费 市文旅局：已介入调查"
    assert item["raw"] == body and item["kind"] == "news" and item["source"] == "n"
    assert item["published_raw"] == "2026-11-20 16:00"
    assert (item["url"], item["final_url"]) == ("http://x/a/1123", final)


def test_registry_and_descriptions():
    assert set(SPIDERS) == {"feed", "news", "weibo", "board"}
    for kind, cls in SPIDERS.items():
        assert cls.kind == kind
        assert any("\u4e00" <= c <= "\u9fff" for c in cls.description)


def test_settings_come_from_service_config():
    crawl_config = CrawlConfig(
        user_agent="ua/1", obey_robots=False, download_timeout="7s", max_page_bytes=1234
    )
    settings = build_settings(crawl_config)
    assert settings["USER_AGENT"] == "ua/1" and settings.getbool("ROBOTSTXT_OBEY") is False
    assert settings.getfloat("DOWNLOAD_TIMEOUT") == 7
    assert settings.getint("DOWNLOAD_MAXSIZE") == 1234
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_sink_pipeline_needs_a_sink():
    class FakeCrawler:
        settings = build_settings(CrawlConfig())

    with pytest.raises(NotConfigured):
        SinkPipeline.from_crawler(FakeCrawler())
    got = []
    assert SinkPipeline(got.append).process_item({"a": 1}) == {"a": 1} and got == [{"a": 1}]


def test_crawl_rejects_unknown_source_before_starting():
    with pytest.raises(NotFound, match="没有这个来源"):
        crawl(load_config(REPO / "config"), ["没有这个来源"], print)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("345", 345),
        ("1.2万", 12000),
        ("100万+", 1000000),
        (None, None),
        ("很多", None),
    ],
)
def test_weibo_counts(value, expected):
    assert parse_count(value) == expected


def test_html_to_text_keeps_blocks_and_emoji():
    markup = '<p>第一段<br/>第二行</p><script>x()</script><span><img alt="[赞]" src=""/></span>尾'
    assert html_to_text(markup) == "第一段\n第二行\n[赞]尾"
