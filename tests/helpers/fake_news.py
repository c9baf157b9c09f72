"""A news portal on loopback: a list page, article pages and a paged comment API (JSON),
answered per test from routes a test may change between crawls, and a `news` source in a
prepared config that reads it through `yuqing crawl`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from monitor.clock import BEIJING
from tests.helpers.cli import Setup, prepare
from tests.helpers.fake_http import FakeServer, Recorded, fake_http

JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
NOT_FOUND = (404, HTML, b"<h1>404</h1>")
Answer = tuple[int, dict[str, str], bytes]
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


@dataclass
class FakeNews:
    """Answers by route: "list", "article DOC", "comments DOC PAGE"."""

    server: FakeServer
    routes: dict[str, Answer] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def asked(self, route: str) -> int:
        return sum(1 for r in self.server.requests if route_of(r.path) == route)


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


@contextmanager
def fake_news(routes: dict[str, Answer]) -> Iterator[FakeNews]:
    holder: dict[str, FakeNews] = {}

    def answer(recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        return holder["site"].routes.get(route_of(recorded.path), NOT_FOUND)

    with fake_http(responder=answer) as server:
        site = holder["site"] = FakeNews(server, dict(routes))
        yield site


def news_setup(tmp_path: Path, site: FakeNews, **comments: Any) -> Setup:
    """A config whose one source reads the fake portal and its comment API, and its
    database; `comments` over the API options above."""
    setup = prepare(tmp_path)
    api = {**COMMENTS, "api": COMMENTS["api"].format(site=site.url)}
    source = {
        "name": SOURCE,
        "title": "城市新闻测试网",
        "kind": "news",
        "tier": "local",
        "url": f"{site.url}/news/index.html",
        "news": {"article_links": r"/news/\d+\.html$", "comments": {**api, **comments}},
    }
    text = yaml.safe_dump({"sources": [source]}, allow_unicode=True)
    (setup.config / "sources.yaml").write_text(text, encoding="utf-8")
    setup.ok("init")
    return setup


def mention_id(setup: Setup, doc: str) -> int:
    path = setup.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        found = db.execute("select id from mentions where url like ?", (f"%/news/{doc}.html",))
        row = found.fetchone()
    assert row, f"article {doc} was not stored"
    return int(row[0])


def shown(setup: Setup, doc: str) -> dict[str, Any]:
    """`yuqing mention show ID --json` of the stored article."""
    done = setup.ok("mention", "show", str(mention_id(setup, doc)), "--json")
    return json.loads(done.stdout)


def health(setup: Setup) -> dict[str, Any]:
    rows = json.loads(setup.ok("sources", "--json").stdout)
    return next(r for r in rows if r["name"] == SOURCE)
