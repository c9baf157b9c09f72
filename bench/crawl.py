"""Crawl throughput: pages/s and mentions/s through the whole item pipeline, side by side
with a bare Scrapy spider, and one vs two crawler processes on scrapy-redis.

A loopback site of PAGES article pages (synthetic, written here; one in ten a reprint of
another with small edits) and one list page. Politeness is off (no AutoThrottle, no
robots.txt, 16 requests per site). Each run is a child process, as the service runs it;
its peak RSS comes from wait4(). Runs:
  bare   a Scrapy spider that only fetches and extracts title/time/body with CSS selectors
  full   `yuqing crawl --no-analyse`: extraction, normalise, SimHash dedup, evidence, storage
  +score `yuqing analyse` afterwards: scoring and grouping of what the crawl stored
  redis1 / redis2  the full crawl on scrapy-redis with one, then two processes (REDIS_URL)
Usage: python bench/crawl.py [PAGES]   (default 5000; bounded: a few minutes on 2 cores)
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
_WORD_LINE = (
    "市民 反映 景区 收费 道路 积水 学校 医院 社区 物业 停车 噪音 供暖 公交 地铁 政策 补贴 "
    "调查 回应 处理 部门 街道 村民 企业 工地 环保 投诉 热线 留言 办理 排查 整改 安全 服务"
)
WORDS = _WORD_LINE.split(" ")


def article(i: int, rng: random.Random) -> bytes:
    body = "".join(
        "".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))) + "。"
        for _ in range(rng.randint(6, 10))
    )
    if i % 10 == 9:  # a reprint of the page before, with a different opening
        return PAGE_CACHE[i - 1].replace(b"<p>", "<p>据本网消息，".encode(), 1)
    html = (
        f"<html><head><meta charset='utf-8'><title>云川新闻第{i}条_云川新闻网</title></head>"
        f"<body><h1 class='t'>云川新闻第{i}条：{body[:12]}</h1>"
        f"<div class='info'>发布时间：2026-11-{1 + i % 20:02d} {i % 24:02d}:{i % 60:02d}"
        f"　来源：云川新闻网</div><div class='c'><p>{body}</p><p>{body[::-1]}</p></div>"
        "</body></html>"
    )
    return html.encode("utf-8")


PAGE_CACHE: dict[int, bytes] = {}


def build_site() -> dict[str, bytes]:
    rng = random.Random(7)
    for i in range(PAGES):
        PAGE_CACHE[i] = article(i, rng)
    pages = {f"/a/{i}.html": PAGE_CACHE[i] for i in range(PAGES)}
    links = "".join(f"<a href='/a/{i}.html'>{i}</a>" for i in range(PAGES))
    pages["/list.html"] = f"<html><body>{links}</body></html>".encode()
    return pages


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


BARE = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess
class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [sys.argv[1]]
    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.article)
    def article(self, response):
        info = response.css("div.info::text").get() or ""
        yield {"title": response.css("h1::text").get(), "time": info[5:21],
               "body": "\\\\n".join(response.css("div.c p::text").getall())}
p = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
p.crawl(Bare); p.start()
"""


def run(cmds: list[list[str]], env: dict[str, str]) -> tuple[float, int]:
    """Run the commands at once; (wall seconds, peak RSS in MB of the largest)."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for c in cmds
    ]
    peak = 0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss // 1024)
        if p.returncode != 0:
            print(p.stderr.read().decode()[-2000:] if p.stderr else "", file=sys.stderr)
            raise SystemExit(f"child failed: {p.args}")
    return time.perf_counter() - start, peak


def prepare(tmp: Path, url: str, name: str) -> tuple[Path, dict[str, str]]:
    work = tmp / name
    config = work / "config"
    shutil.copytree(ROOT / "config", config)
    source = {
        "name": "bench-news",
        "title": "基准新闻站",
        "kind": "news",
        "url": url,
        "news": {"article_links": r"/a/\d+\.html$", "title": "h1::text", "body": "div.c"},
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    service = yaml.safe_load((config / "service.yaml").read_text(encoding="utf-8"))
    service["sample_site"]["enabled"] = False
    service["crawl"] |= {"autothrottle": False, "per_domain": 16, "obey_robots": False}
    (config / "service.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{work}/bench.db", "PYTHONPATH": str(ROOT)}
    subprocess.run(yuqing(config, "init"), cwd=ROOT, env=env, check=True, capture_output=True)
    return config, env


def yuqing(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def stored(env: dict[str, str]) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as c:
        n = int(c.execute(text("select count(*) from mentions")).scalar_one())
    engine.dispose()
    return n


def redis_ok() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means: skip these runs, say why
        return str(e)


def main() -> None:
    pages = build_site()
    server = serve(pages)
    url = f"http://127.0.0.1:{server.server_address[1]}/list.html"
    n = PAGES + 1
    print(f"site: {PAGES} article pages + 1 list page on loopback; politeness off")
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        bare_file = tmp / "bare.py"
        bare_file.write_text(BARE, encoding="utf-8")
        secs, rss = run([[sys.executable, str(bare_file), url]], dict(os.environ))
        bare = n / secs
        rows.append(("bare Scrapy spider (CSS only)", secs, bare, None, rss))

        config, env = prepare(tmp, url, "full")
        secs, rss = run([yuqing(config, "crawl", "bench-news", "--no-analyse", "--quiet")], env)
        mentions = stored(env)
        rows.append(("full pipeline, 1 process", secs, n / secs, mentions / secs, rss))
        full = n / secs
        a_secs, a_rss = run([yuqing(config, "analyse")], env)
        rows.append(("  + scoring/grouping after", a_secs, None, mentions / a_secs, a_rss))

        why = redis_ok()
        redis_rates = []
        if why is None:
            for procs in (1, 2):
                config, env = prepare(tmp, url, f"redis{procs}")
                env |= {"REDIS_URL": REDIS_URL, "YUQING_CRAWL_SLOT": str(time.time_ns())}
                cmd = yuqing(config, "crawl", "bench-news", "--no-analyse", "--quiet")
                secs, rss = run([cmd] * procs, env)
                got = stored(env)
                rows.append((f"scrapy-redis, {procs} process(es)", secs, n / secs, got / secs, rss))
                redis_rates.append(n / secs)
    server.shutdown()
    print(f"{'run':<34}{'seconds':>9}{'pages/s':>10}{'mentions/s':>12}{'peak RSS MB':>13}")
    for name, secs, p, m, rss in rows:
        ps = f"{p:.0f}" if p else "-"
        ms = f"{m:.0f}" if m else "-"
        print(f"{name:<34}{secs:>9.1f}{ps:>10}{ms:>12}{rss:>13}")
    print(f"full pipeline / bare spider: {full / bare:.2f} (target >= 0.75)")
    if len(redis_rates) == 2:
        print(
            f"two processes / one on scrapy-redis: {redis_rates[1] / redis_rates[0]:.2f}x "
            "(target >= 1.7x)"
        )
    else:
        print(f"scrapy-redis runs skipped: Redis at {REDIS_URL} not reachable ({why})")


if __name__ == "__main__":
    main()
