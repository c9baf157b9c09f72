"""m.weibo.cn on loopback: search, statuses/extend, detail pages and comments/hotflow answered
from tests/fixtures/weibo/ (recorded shapes, text written for the tests), per test, and a
Weibo source in a prepared config that reads it through `yuqing crawl`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.helpers.cli import Setup, prepare
from tests.helpers.fake_http import FakeServer, Recorded, fake_http

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "weibo"
SEARCH = "/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}&page_type=searchall"
JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
NOT_FOUND = (404, HTML, b"<h1>404</h1>")
Answer = tuple[int, dict[str, str], bytes]

# the posts of search-cards.json
LONG = "5100000000000001"  # isLongText, 12 comments
REPOST = "5100000000000002"  # reposts ORIGINAL
ORIGINAL = "5100000000000003"  # isLongText, 1.2万 comments
HOT = "5100000000000004"  # 180 comments: two hotflow pages
SMALL = "5100000000000005"  # 8 comments
NEXT_PAGE = "4012345678901234"  # the max_id hotflow-1.json names


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ok(name: str) -> Answer:
    return 200, HTML if name.endswith(".html") else JSON, fixture(name)


def hotflow(comments: list[dict], max_id: int = 0) -> Answer:
    answer = {"ok": 1, "data": {"data": comments, "max_id": max_id, "max_id_type": 0}}
    return 200, JSON, json.dumps(answer, ensure_ascii=False).encode()


@dataclass
class FakeWeibo:
    """Answers by route: "search", "extend ID", "detail ID", "hotflow ID MAX_ID"."""

    server: FakeServer
    routes: dict[str, Answer] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def asked(self, route: str) -> int:
        """How many requests went to `route`."""
        return sum(1 for r in self.server.requests if route_of(r.path) == route)


def route_of(path: str) -> str:
    parts = urlsplit(path)
    query = parse_qs(parts.query)
    post = query.get("id", [""])[0]
    if parts.path == "/api/container/getIndex":
        return "search"
    if parts.path == "/statuses/extend":
        return f"extend {post}"
    if parts.path.startswith("/detail/"):
        return f"detail {parts.path.removeprefix('/detail/')}"
    if parts.path == "/comments/hotflow":
        return f"hotflow {post} {query.get('max_id', ['0'])[0]}"
    return parts.path


@contextmanager
def fake_weibo(routes: dict[str, Answer]) -> Iterator[FakeWeibo]:
    holder: dict[str, FakeWeibo] = {}

    def answer(recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        return holder["site"].routes.get(route_of(recorded.path), NOT_FOUND)

    with fake_http(responder=answer) as server:
        site = holder["site"] = FakeWeibo(server, dict(routes))
        yield site


def weibo_setup(tmp_path: Path, site: FakeWeibo, **options: Any) -> Setup:
    """A config whose one source searches the fake site for 云川, and its database."""
    setup = prepare(tmp_path)
    source = {
        "name": "wb-test",
        "title": "微博测试",
        "kind": "weibo",
        "tier": "self_media",
        "url": site.url + SEARCH,
        "keywords": ["云川"],
        **options,
    }
    text = yaml.safe_dump({"sources": [source]}, allow_unicode=True)
    (setup.config / "sources.yaml").write_text(text, encoding="utf-8")
    setup.ok("init")
    return setup


def mention_id(setup: Setup, post: str) -> int:
    path = setup.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute("select id from mentions where url like ?", (f"%/detail/{post}",))
        found = row.fetchone()
    assert found, f"post {post} was not stored"
    return int(found[0])


def shown(setup: Setup, post: str) -> dict[str, Any]:
    """`yuqing mention show ID --json` of the stored post."""
    done = setup.ok("mention", "show", str(mention_id(setup, post)), "--json")
    return json.loads(done.stdout)


def health(setup: Setup) -> dict[str, Any]:
    rows = json.loads(setup.ok("sources", "--json").stdout)
    return next(r for r in rows if r["name"] == "wb-test")
