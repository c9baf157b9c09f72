"""A loopback site answering by route (a fake m.weibo.cn, a fake news portal), and a
prepared config whose one source reads it through `yuqing crawl`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.cli import Setup, prepare
from tests.helpers.fake_http import FakeServer, Recorded, fake_http

JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
NOT_FOUND = (404, HTML, b"<h1>404</h1>")
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class RoutedSite:
    """Answers `routes[route_of(path)]`, 404 for a route it has no answer for."""

    server: FakeServer
    route_of: Callable[[str], str]
    routes: dict[str, Answer] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def asked(self, route: str) -> int:
        """How many requests went to `route`."""
        return sum(1 for r in self.server.requests if self.route_of(r.path) == route)


@contextmanager
def routed_site(routes: dict[str, Answer], route_of: Callable[[str], str]) -> Iterator[RoutedSite]:
    holder: dict[str, RoutedSite] = {}

    def answer(recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        return holder["site"].routes.get(route_of(recorded.path), NOT_FOUND)

    with fake_http(responder=answer) as server:
        site = holder["site"] = RoutedSite(server, route_of, dict(routes))
        yield site


def one_source_setup(tmp_path: Path, source: dict[str, Any]) -> Setup:
    """A config whose only source is `source`, and its database, initialised."""
    setup = prepare(tmp_path)
    text = yaml.safe_dump({"sources": [source]}, allow_unicode=True)
    (setup.config / "sources.yaml").write_text(text, encoding="utf-8")
    setup.ok("init")
    return setup


def stored_id(setup: Setup, url_like: str) -> int:
    """The ID of the mention whose URL is like `url_like` (SQL LIKE)."""
    path = setup.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute("select id from mentions where url like ?", (url_like,)).fetchone()
    assert row, f"nothing stored at {url_like}"
    return int(row[0])


def shown(setup: Setup, url_like: str) -> dict[str, Any]:
    """`yuqing mention show ID --json` of the mention stored at `url_like`."""
    done = setup.ok("mention", "show", str(stored_id(setup, url_like)), "--json")
    return json.loads(done.stdout)


def source_health(setup: Setup, name: str) -> dict[str, Any]:
    """The source's row of `yuqing sources --json`."""
    rows = json.loads(setup.ok("sources", "--json").stdout)
    return next(r for r in rows if r["name"] == name)
