"""The crawl bench's loopback site: synthetic article pages and a tiny asyncio HTTP server."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable

_WORD_LINE = (
    "市民 反映 景区 收费 道路 积水 学校 医院 社区 物业 停车 噪音 供暖 公交 地铁 政策 补贴 "
    "调查 回应 处理 部门 街道 村民 企业 工地 环保 投诉 热线 留言 办理 排查 整改 安全 服务"
)
WORDS = _WORD_LINE.split(" ")


def article(i: int, rng: random.Random, before: bytes | None) -> bytes:
    """Article page `i`; one in ten is a reprint of the page `before` with a new opening."""
    body = "".join(
        "".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))) + "。"
        for _ in range(rng.randint(6, 10))
    )
    if i % 10 == 9 and before is not None:
        return before.replace(b"<p>", "<p>据本网消息，".encode(), 1)
    html = (
        f"<html><head><meta charset='utf-8'><title>云川新闻第{i}条_云川新闻网</title></head>"
        f"<body><h1 class='t'>云川新闻第{i}条：{body[:12]}</h1>"
        f"<div class='info'>发布时间：2026-11-{1 + i % 20:02d} {i % 24:02d}:{i % 60:02d}"
        f"　来源：云川新闻网</div><div class='c'><p>{body}</p><p>{body[::-1]}</p></div>"
        "</body></html>"
    )
    return html.encode("utf-8")


def build_site(count: int) -> dict[str, bytes]:
    """`count` article pages under /a/ and the list page linking them all."""
    rng = random.Random(7)
    pages: dict[str, bytes] = {}
    before = None
    for i in range(count):
        before = pages[f"/a/{i}.html"] = article(i, rng, before)
    links = "".join(f"<a href='/a/{i}.html'>{i}</a>" for i in range(count))
    pages["/list.html"] = f"<html><body>{links}</body></html>".encode()
    return pages


def json_body(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class Site:
    """The fixture site on loopback. It stands in for remote servers, yet runs on the two
    cores the crawlers share, so it should cost them as little as it can: every response
    is built once, and a small asyncio protocol answers GETs on kept-alive connections
    (http.server parsed each request's headers with the email package, ~0.2 ms a page).
    `route` answers the paths not in `pages` (the Weibo API's, by their query)."""

    def __init__(
        self, pages: dict[str, bytes], route: Callable[[bytes], bytes | None] | None = None
    ) -> None:
        self.responses = {path.encode(): response(200, body) for path, body in pages.items()}
        self.missing = response(404, b"")
        self.route = route
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Http(self), "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def answer(self, path: bytes) -> bytes:
        found = self.responses.get(path)
        if found is None and self.route is not None:
            found = self.route(path)
        return found if found is not None else self.missing

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def response(status: int, body: bytes) -> bytes:
    reason = "OK" if status == 200 else "Not Found"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Http(asyncio.Protocol):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            request, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            parts = request.split(b"\r\n", 1)[0].split(b" ")
            path = parts[1] if len(parts) > 2 else b""
            assert self.transport is not None
            self.transport.write(self.site.answer(path))
