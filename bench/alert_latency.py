"""Alert latency: from a mention appearing at a loopback source to its alert accepted by a
(fake, loopback) Slack, through the real service (`yuqing run`): p50/p95 over 50 mentions
with a 30 s poll interval. Target: p95 <= poll interval + 5 s. Takes about 6 minutes."""

from __future__ import annotations

import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.configs import copy_config, free_port  # noqa: E402
from tests.helpers.fake_slack import fake_slack  # noqa: E402

N = 50
POLL = 30  # seconds
SPREAD = 300  # the mentions appear over this many seconds
CHARS = "东南西北春夏秋冬山水林田湖海江河桥路街巷村镇城乡花草树木金银铜铁红黄蓝绿风雨雷电"


def items() -> list[tuple[float, str, str]]:
    """(appears after seconds, id, text) with words unlikely to be shared between items."""
    rng = random.Random(7)
    out = []
    for i in range(N):
        words = "、".join("".join(rng.sample(CHARS, 2)) for _ in range(5))
        out.append((10 + rng.random() * SPREAD, f"B{i:02d}", f"〔B{i:02d}〕{words}"))
    return sorted(out)


class Feed:
    def __init__(self, entries: list[tuple[float, str, str]]) -> None:
        self.entries = entries
        self.t0 = time.time()

    def rss(self) -> bytes:
        now = time.time()
        rows = []
        for after, key, text in self.entries:
            if self.t0 + after <= now:
                pub = formatdate(self.t0 + after, usegmt=True)
                rows.append(
                    f"<item><title>{text}</title><link>http://bench.local/{key}</link>"
                    f"<guid>{key}</guid><pubDate>{pub}</pubDate>"
                    f"<description>{text}</description></item>"
                )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>bench</title><link>http://bench.local/</link><description>b</description>"
            + "".join(rows)
            + "</channel></rss>"
        ).encode()


def serve(feed: Feed) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = feed.rss() if self.path.startswith("/feed") else b"User-agent: *\n"
            self.send_response(200)
            ctype = "application/rss+xml" if self.path.startswith("/feed") else "text/plain"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    entries = items()
    with tempfile.TemporaryDirectory() as tmp, fake_slack() as slack:
        config = copy_config(Path(tmp), sample_port=free_port(), web_port=free_port())
        feed = Feed(entries)
        server = serve(feed)
        port = server.server_address[1]
        (config / "sources.yaml").write_text(
            "sources:\n  - {name: bench-feed, title: 基准订阅源, kind: feed, tier: local,\n"
            f"     interval: {POLL}s, url: 'http://127.0.0.1:{port}/feed.rss',\n"
            "     feed: {full_text: never}}\n",
            encoding="utf-8",
        )
        text = (config / "service.yaml").read_text(encoding="utf-8")
        (config / "service.yaml").write_text(
            text.replace("  enabled: true", "  enabled: false"), encoding="utf-8"
        )
        (config / "channels.yaml").write_text(
            "channels:\n  - {name: slack, type: slack, token_env: BENCH_SLACK_TOKEN,\n"
            f"     channel: C0BENCH, base_url: '{slack.base_url}'}}\n"
            "routes:\n  - {channel: slack, min_grade: IV, kinds: [new_event]}\n",
            encoding="utf-8",
        )
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "BENCH_SLACK_TOKEN": slack.token,
        }
        base = [sys.executable, "-m", "monitor", "--config", str(config)]
        subprocess.run([*base, "init"], check=True, env=env, capture_output=True)
        feed.t0 = time.time()
        proc = subprocess.Popen(
            [*base, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.time() + SPREAD + 10 + POLL + 90
            while time.time() < deadline and len(slack.messages) < N:
                time.sleep(1)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            server.shutdown()
        received = {}
        for m in slack.messages:
            found = re.search(r"〔(B\d\d)〕", m.get("text", ""))
            if found:
                received.setdefault(found.group(1), float(m["ts"]))
    appear = {key: feed.t0 + after for after, key, _ in entries}
    lat = sorted(received[k] - appear[k] for k in received)
    if len(lat) < N:
        print(f"only {len(lat)} of {N} mentions produced an alert in time")
    if not lat:
        return
    p50 = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, round(0.95 * len(lat)) - 1)]
    target = POLL + 5
    print(
        f"alert latency over {len(lat)} mentions, poll every {POLL} s: "
        f"p50 {p50:.1f} s, p95 {p95:.1f} s, max {lat[-1]:.1f} s "
        f"(target p95 <= {target} s: {'met' if p95 <= target else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
