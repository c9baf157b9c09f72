"""Pages that block, break or lie, and feeds that carry only summaries, crawled in a
subprocess against a loopback site: every failure is reported with its reason."""

import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "collect"
HUGE = 50 * 1024 * 1024


class TroubleSite(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        p = self.path
        origin = f"http://{self.headers['Host']}"
        if p.startswith("/captcha/"):
            return self._file("captcha.html", "text/html; charset=utf-8")
        if p.startswith("/login/"):
            return self._file("login.html", "text/html; charset=utf-8")
        if p.startswith("/teapot/"):
            return self._send(418, "text/plain", b"I'm a teapot")
        if p.startswith("/waf/"):
            return self._send(432, "text/html", "<h1>访问被拦截</h1>".encode())
        if p.startswith("/truncated/"):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<?xml version='1.0'?><rss><channel><title>x</title>")
            self.wfile.flush()
            self.close_connection = True
            return None
        if p.startswith("/loop/"):
            target = "/loop/b.rss" if p.endswith("a.rss") else "/loop/a.rss"
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if p.startswith("/huge/"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            chunk = b"<p>" + "大".encode() * 20000 + b"</p>"
            try:
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the crawler hung up at its size cap, as it should
            self.close_connection = True
            return None
        if p == "/wanbao/index.html":
            return self._file("list-misdeclared.html", "text/html; charset=utf-8")
        if p == "/wanbao/a1.html":
            # GBK bytes under a header and <meta> that both say UTF-8
            text = (FIXTURES / "article-misdeclared.html").read_text(encoding="utf-8")
            return self._send(200, "text/html; charset=utf-8", text.encode("gbk"))
        if p == "/rdf/summaries.rdf":
            text = (FIXTURES / "summaries.rdf").read_text(encoding="utf-8")
            body = text.replace("{origin}", origin).encode()
            return self._send(200, "application/rdf+xml", body)
        return self._send(404, "text/html", b"not found")

    def _file(self, name, ctype):
        return self._send(200, ctype, (FIXTURES / name).read_bytes())

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


SOURCES = [
    ("captcha", "news", "/captcha/index.html", {"news": {"article_links": "."}}),
    (
        "login-wall",
        "board",
        "/login/index.html",
        {
            "board": {
                "item": "tr",
                "link": "a::attr(href)",
                "detail_title": "h1",
                "detail_body": "p",
            }
        },
    ),
    ("teapot", "feed", "/teapot/feed.rss", {}),
    ("waf", "feed", "/waf/feed.rss", {}),
    ("truncated", "feed", "/truncated/feed.rss", {}),
    ("loop", "feed", "/loop/a.rss", {}),
    ("huge", "news", "/huge/index.html", {"news": {"article_links": "."}}),
    ("misdeclared", "news", "/wanbao/index.html", {"news": {"article_links": r"/wanbao/a\d+"}}),
    ("summaries", "feed", "/rdf/summaries.rdf", {}),
]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), TroubleSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = tmp_path_factory.mktemp("trouble")
    config = tmp / "config"
    shutil.copytree(REPO / "config", config)
    sources = [
        {"name": n, "title": n, "kind": k, "url": base + path, **opts}
        for n, k, path, opts in SOURCES
    ]
    (config / "sources.yaml").write_text(
        yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8"
    )
    service = yaml.safe_load((config / "service.yaml").read_text(encoding="utf-8"))
    service["crawl"]["download_timeout"] = "5s"
    (config / "service.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    reports_file = tmp / "reports.json"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "spiders.run", "--config", str(config)]
            + ["--reports", str(reports_file)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        server.shutdown()
    items: dict[str, list[dict]] = {}
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        items.setdefault(item["source"], []).append(item)
    assert reports_file.exists(), proc.stderr[-3000:]
    return items, json.loads(reports_file.read_text(encoding="utf-8")), proc.stderr


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("captcha", "验证码、登录或拦截页面"),
        ("login-wall", "页面要求登录"),
        ("teapot", "HTTP 418：被站点识别为爬虫并拒绝"),
        ("waf", "HTTP 432：被站点的反爬虫机制拦截"),
        ("truncated", "响应数据不完整"),
        ("loop", "重定向次数过多"),
        ("huge", "超过 crawl.max_page_bytes"),
    ],
)
def test_blocked_and_broken_pages_are_reported_with_the_reason(crawled, source, message):
    items, reports, stderr = crawled
    report = reports[source]
    assert not report["ok"] and source not in items
    assert any(message in e for e in report["errors"]), report["errors"]
    assert message in stderr


def test_misdeclared_gbk_page_is_decoded(crawled):
    items, reports, _ = crawled
    assert reports["misdeclared"]["ok"], reports["misdeclared"]["errors"]
    (item,) = items["misdeclared"]
    assert item["title"] == "临江区老旧小区加装电梯试点启动"
    assert "政府按每部电梯二十万元的标准给予补助" in item["text"]
    assert item["published_raw"] == "2026年11月20日 09:15"
    assert item["site"] == "云川晚报" and item["author"] == "林晓"
    assert item["comments"] == 36
    assert "\ufffd" not in item["text"]


def test_summary_only_rss1_entry_gets_the_article_text(crawled):
    items, reports, _ = crawled
    assert reports["summaries"]["ok"], reports["summaries"]["errors"]
    (item,) = items["summaries"]
    assert item["title"] == "临江区老旧小区加装电梯试点启动"
    assert "剩余费用由业主按楼层分摊" in item["text"]  # from the article, not the summary
    assert item["published"].startswith("2026-11-20T01:15:00")  # from the feed, in UTC
    assert item["final_url"].endswith("/wanbao/a1.html") and item["raw_bytes"] > 500
