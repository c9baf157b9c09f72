"""Distributed mode: two crawler processes on scrapy-redis (the real Redis on loopback)
share one frontier, so each page of a loopback site is fetched exactly once between them."""

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("YUQING_TEST_REDIS", "redis://127.0.0.1:6379/0")
PAGES = 120


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({e}); `.ci/run` starts it")


class Site(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802
        with Site.lock:
            Site.hits[self.path] += 1
        if self.path == "/list.html":
            links = "".join(f'<li><a href="/a/{i}.html">第{i}条</a></li>' for i in range(PAGES))
            return self._send(200, f"<html><body><ul>{links}</ul></body></html>")
        if self.path.startswith("/a/"):
            time.sleep(0.05)  # a real site's latency, so both processes get work
            n = self.path[3:-5]
            body = (
                f"<html><head><title>云川新闻第{n}条</title></head><body><h1>云川新闻第{n}条</h1>"
                f"<p>发布时间：2026-11-20 10:{int(n) % 60:02d}</p>"
                f"<div class='c'><p>这是云川市第{n}条新闻的正文，"
                "用于检验分布式抓取时每个页面只抓取一次。</p>"
                "</div></body></html>"
            )
            return self._send(200, body)
        return self._send(404, "not found")

    def _send(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _configure(tmp_path: Path, server: ThreadingHTTPServer) -> Path:
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    source = {
        "name": "shared-news",
        "title": "共享抓取的新闻站",
        "kind": "news",
        "url": f"http://127.0.0.1:{server.server_address[1]}/list.html",
        "news": {"article_links": r"/a/\d+\.html$"},
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    service = yaml.safe_load((config / "service.yaml").read_text(encoding="utf-8"))
    service["crawl"] |= {"autothrottle": False, "per_domain": 8}
    service["sample_site"]["enabled"] = False
    (config / "service.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    return config


def _serve() -> ThreadingHTTPServer:
    Site.hits.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _forget(slot: str) -> list[int]:
    """Delete the run's keys from Redis; returns the time each had left to live."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys(f"yuqing:crawl:shared-news:{slot}:*")
    ttl = [client.ttl(k) for k in keys]
    client.delete(*keys or ["-"])
    return ttl


def test_two_processes_fetch_each_page_exactly_once(tmp_path):
    redis_or_skip()
    server = _serve()
    config = _configure(tmp_path, server)
    slot = str(random.randrange(10**9))
    env = {**os.environ, "PYTHONPATH": str(REPO), "REDIS_URL": REDIS_URL}
    env["YUQING_CRAWL_SLOT"] = slot
    procs = []
    try:
        for i in range(2):
            cmd = [sys.executable, "-m", "spiders.run", "--config", str(config)]
            cmd += ["--reports", str(tmp_path / f"r{i}.json")]
            procs.append(
                subprocess.Popen(
                    cmd,
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outs = [p.communicate(timeout=180) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        server.shutdown()
        ttl = _forget(slot)
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    pages = {path: n for path, n in Site.hits.items() if path != "/robots.txt"}
    assert len(pages) == PAGES + 1 and set(pages.values()) == {1}, pages
    items = [json.loads(line) for out, _ in outs for line in out.splitlines()]
    assert sorted(i["url"] for i in items) == sorted({i["url"] for i in items})
    assert len(items) == PAGES
    reports = [json.loads((tmp_path / f"r{i}.json").read_text())["shared-news"] for i in (0, 1)]
    assert all(r["pages"] > 0 for r in reports), reports  # both did part of the work
    assert sum(r["pages"] for r in reports) == PAGES + 1
    assert ttl and all(t > 0 for t in ttl)  # the keys expire by themselves


def test_yuqing_crawl_in_distributed_mode_stores_every_page_and_logs_no_library_noise(tmp_path):
    redis_or_skip()
    server = _serve()
    config = _configure(tmp_path, server)
    slot = str(random.randrange(10**9))
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"}
    yuqing = [sys.executable, "-m", "monitor", "--config", str(config)]
    try:
        subprocess.run([*yuqing, "init"], cwd=REPO, env=env, check=True, capture_output=True)
        done = subprocess.run(
            [*yuqing, "crawl", "shared-news", "--no-analyse", "--quiet"],  # as the service runs it
            cwd=REPO,
            env=env | {"REDIS_URL": REDIS_URL, "YUQING_CRAWL_SLOT": slot},
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        server.shutdown()
        _forget(slot)
    assert done.returncode == 0, done.stderr[-2000:]
    # scrapy-redis's own scheduler calls Scrapy's stats in a way Scrapy deprecates: the log
    # of every distributed crawl began with two such warnings, which no operator can act on
    assert "Warning" not in done.stderr, done.stderr[-2000:]
    assert f"采集 shared-news：新入库 {PAGES} 条，重复 0 条" in done.stderr
