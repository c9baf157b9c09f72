"""m.weibo.cn on loopback: search, statuses/extend, detail pages and comments/hotflow answered
from tests/fixtures/weibo/ (recorded shapes, text written for the tests), per test, and a
Weibo source in a prepared config that reads it through `yuqing crawl`."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers.cli import Setup
from tests.helpers.routed_site import (  # noqa: F401 - JSON, HTML, NOT_FOUND for the tests
    HTML,
    JSON,
    NOT_FOUND,
    Answer,
    RoutedSite,
    one_source_setup,
    routed_site,
    source_health,
    stored_id,
)
from tests.helpers.routed_site import shown as show_stored

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "weibo"
SEARCH = "/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}&page_type=searchall"

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


FakeWeibo = RoutedSite  # routes: "search", "extend ID", "detail ID", "hotflow ID MAX_ID"


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


def fake_weibo(routes: dict[str, Answer]) -> AbstractContextManager[RoutedSite]:
    return routed_site(routes, route_of)


def weibo_setup(tmp_path: Path, site: RoutedSite, **options: Any) -> Setup:
    """A config whose one source searches the fake site for 云川, and its database."""
    source = {
        "name": "wb-test",
        "title": "微博测试",
        "kind": "weibo",
        "tier": "self_media",
        "url": site.url + SEARCH,
        "keywords": ["云川"],
        **options,
    }
    return one_source_setup(tmp_path, source)


def mention_id(setup: Setup, post: str) -> int:
    return stored_id(setup, f"%/detail/{post}")


def shown(setup: Setup, post: str) -> dict[str, Any]:
    """`yuqing mention show ID --json` of the stored post."""
    return show_stored(setup, f"%/detail/{post}")


def health(setup: Setup) -> dict[str, Any]:
    return source_health(setup, "wb-test")
