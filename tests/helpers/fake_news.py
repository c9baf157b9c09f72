"""A news portal on loopback: a list page, article pages and a paged comment API (JSON),
answered per test from routes a test may change between crawls, and a `news` source in a
prepared config that reads it through `yuqing crawl`."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.clock import BEIJING
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

SOURCE = "news-test"
# the comment API as the source's `comments:` names it ({id} from the article's URL)
COMMENTS = {
    "api": "{site}/api/comments?doc={{id}}&page={{page}}",
    "id_pattern": r"/(\d+)\.html$",
    "items": "data.comments",
    "fields": {"id": "cid", "author": "nick", "time": "ctime", "text": "content", "likes": "up"},
}


def beijing(ago: timedelta) -> str:
    """A time `ago` before now as the site writes it (Beijing time)."""
    return (datetime.now(BEIJING) - ago).strftime("%Y-%m-%d %H:%M")


def article(title: str, *paragraphs: str, published: str | None = None) -> Answer:
    """An article page with its title, body, source line and publish time."""
    when = published or beijing(timedelta(hours=2))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><div class='info'>{when} 来源：城市晚报</div>"
        f"<div class='article'>{body}</div></body></html>"
    )
    return 200, HTML, page.encode()


def list_page(*docs: str) -> Answer:
    links = "".join(f'<li><a href="/news/{doc}.html">文章{doc}</a></li>' for doc in docs)
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><ul>{links}</ul></html>'
    return 200, HTML, page.encode()


def comment(cid: str, text: str, up: int = 0, nick: str | None = None) -> dict[str, Any]:
    return {
        "cid": cid,
        "nick": nick or f"网友{cid}",
        "ctime": beijing(timedelta(minutes=30)),
        "content": text,
        "up": up,
    }


def comment_page(comments: list[dict[str, Any]]) -> Answer:
    answer = {"code": 0, "data": {"comments": comments}}
    return 200, JSON, json.dumps(answer, ensure_ascii=False).encode()


FakeNews = RoutedSite  # routes: "list", "article DOC", "comments DOC PAGE"


def route_of(path: str) -> str:
    parts = urlsplit(path)
    if parts.path == "/news/index.html":
        return "list"
    if parts.path.startswith("/news/"):
        return f"article {parts.path.removeprefix('/news/').removesuffix('.html')}"
    if parts.path == "/api/comments":
        query = parse_qs(parts.query)
        return f"comments {query.get('doc', [''])[0]} {query.get('page', [''])[0]}"
    return parts.path


def fake_news(routes: dict[str, Answer]) -> AbstractContextManager[RoutedSite]:
    return routed_site(routes, route_of)


def news_setup(tmp_path: Path, site: RoutedSite, **comments: Any) -> Setup:
    """A config whose one source reads the fake portal and its comment API, and its
    database; `comments` over the API options above."""
    api = {**COMMENTS, "api": COMMENTS["api"].format(site=site.url)}
    source = {
        "name": SOURCE,
        "title": "城市新闻测试网",
        "kind": "news",
        "tier": "local",
        "url": f"{site.url}/news/index.html",
        "news": {"article_links": r"/news/\d+\.html$", "comments": {**api, **comments}},
    }
    return one_source_setup(tmp_path, source)


def mention_id(setup: Setup, doc: str) -> int:
    return stored_id(setup, f"%/news/{doc}.html")


def shown(setup: Setup, doc: str) -> dict[str, Any]:
    """`yuqing mention show ID --json` of the stored article."""
    return show_stored(setup, f"%/news/{doc}.html")


def health(setup: Setup) -> dict[str, Any]:
    return source_health(setup, SOURCE)
