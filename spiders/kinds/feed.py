"""RSS 2.0 / 1.0 and Atom feeds: one item per entry, the publish time taken from the feed.

The feed is fetched with a conditional GET (ETag / Last-Modified of the last crawl); an
entry that carries only a short summary is completed from its linked article page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response, TextResponse

from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, html_to_text, tidy
from spiders.kinds.news import main_text


class FeedSpider(SourceSpider):
    kind = "feed"
    description = "RSS/Atom 订阅源：每个条目一条信息，标题、正文、作者和发布时间取自订阅源"

    async def start(self) -> AsyncIterator[Any]:
        yield self.request_changed(self.source.url, self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        headers = {
            "content-location": response.url,
            "content-type": response.headers.get("Content-Type", b"").decode("latin-1"),
        }
        parsed = feedparser.parse(response.body, response_headers=headers)
        if not parsed.entries:
            if parsed.bozo:
                reason = type(parsed.get("bozo_exception")).__name__
                self.problem(f"不是有效的 RSS/Atom 订阅源，无法解析（{reason}）（{response.url}）")
            else:
                self.problem(f"订阅源中没有任何条目（{response.url}）")
            return
        feed_title = tidy(parsed.feed.get("title", "")) or None
        for entry in parsed.entries:
            item = self._entry(response, entry, feed_title)
            link = entry.get("link")
            if link and self._wants_article(entry, item["text"]):
                request = self.request_new(
                    response.urljoin(link), self.parse_article, cb_kwargs={"entry_item": item}
                )
                if request is not None:
                    yield request
                continue
            yield item

    def _wants_article(self, entry: Any, text: str) -> bool:
        opts = self.source.feed
        if opts.full_text == "never":
            return False
        if opts.full_text == "always":
            return True
        return not entry.get("content") and (
            len(text) < opts.summary_chars or text.endswith(("…", "...", "……"))
        )

    def parse_article(self, response: Response, entry_item: MentionItem) -> Iterator[Any]:
        """The entry with its text from the article page (kept as the evidence too)."""
        if not isinstance(response, TextResponse) or self.blocked(response):
            yield entry_item  # the summary is still worth having; the problem is reported
            return
        body = main_text(response.selector.root)
        item = self.item(response, **{k: v for k, v in entry_item.items() if k not in _OWN})
        if len(body) > len(entry_item["text"] or ""):
            item["text"] = body
        item["extra"] = {**entry_item["extra"], "summary_only": True}
        yield item

    def _entry(self, response: Response, entry: Any, feed_title: str | None) -> MentionItem:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*when[:6], tzinfo=UTC) if when else None
        source_title = (entry.get("source") or {}).get("title")
        return self.item(
            response,
            url=entry.get("link") or response.url,
            title=tidy(entry.get("title", "")),
            text=_body(entry),
            author=entry.get("author") or None,
            site=source_title or feed_title,
            published=published,
            published_raw=entry.get("published") or entry.get("updated"),
            extra={
                "entry_id": entry.get("id"),
                "tags": [t.get("term") for t in entry.get("tags", []) if t.get("term")],
            },
        )


# Provenance fields that come from the article response, not from the feed entry.
_OWN = frozenset(("final_url", "fetched_at", "raw"))


def _body(entry: Any) -> str:
    """The fullest text the entry carries: <content> before <summary>/<description>."""
    for block in [*entry.get("content", []), entry.get("summary_detail")]:
        if block and block.get("value"):
            if "html" in (block.get("type") or "html"):
                return html_to_text(block["value"])
            return tidy(block["value"])
    return ""
