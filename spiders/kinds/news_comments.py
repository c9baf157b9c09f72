"""An article's comments (跟帖), as a news source's `comments:` options say where they are:
on the article page (CSS selectors) or from the site's comment API (JSON, paged).

The article is yielded once, after its comments are read. A comment API that fails
part-way is a source problem, never a lost article: the article is kept with the comments
read so far, and `extra["comments_error"]` and the source's errors say what failed.

On later crawls the articles stored whose event is open and graded `min_grade` or above
(the crawl memory's `open_articles`, list page or not) are fetched again, at most
`max_refresh` of them, and their comments read the same way, through the source's own
crawler and so its rate limits. The article is stored already: storing it again only
brings its counts and comments up to date (pipeline/comments.py, by the site's comment id)
and marks its event's comment figures for the analysis stage to sum again. A failure then
keeps the comments stored before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from parsel import Selector
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from monitor.config.types import at_least
from spiders.items import MentionItem
from spiders.kinds.base import (
    css_nodes,
    describe_failure,
    element_text,
    html_to_text,
    select_text,
    tidy,
)

_DIGITS = re.compile(r"\d+(?:\.\d+)?\s*万?")


def page_comments(response: TextResponse, opts: Any) -> list[dict[str, Any]]:
    """The comments shown on the page: each `item`, its fields read inside it."""
    out = []
    for node in css_nodes(response, opts.item)[: opts.max]:
        if isinstance(node, str):
            continue
        sel = Selector(root=node, type="html")
        text = select_text(sel, opts.text) if opts.text else element_text(node)
        if not text:
            continue
        out.append(
            {
                "id": select_text(sel, opts.id) if opts.id else _text_id(text),
                "author": select_text(sel, opts.author) if opts.author else None,
                "published_raw": select_text(sel, opts.time) if opts.time else None,
                "text": text,
                "likes": likes(select_text(sel, opts.likes)) if opts.likes else None,
            }
        )
    return out


def likes(value: Any) -> int | None:
    """A like count as sites show it: 12, "12", "赞 1.2万", "1,024"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    m = _DIGITS.search(str(value).replace(",", ""))
    if m is None:
        return None
    number = m.group(0)
    if number.endswith("万"):
        return round(float(number.rstrip("万 ")) * 10_000)
    return int(float(number))


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (data.comments, user.nick, list.0.text), or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def api_comment(entry: Any, fields: dict[str, str]) -> dict[str, Any] | None:
    """One comment of an API answer, by the configured paths; None when it has no text."""
    text = dig(entry, fields.get("text", "text"))
    text = html_to_text(str(text)) if text is not None else ""
    if not text:
        return None
    ident, author, when = (dig(entry, fields.get(k, k)) for k in ("id", "author", "time"))
    return {
        "id": str(ident) if ident not in (None, "") else _text_id(text),
        "author": tidy(str(author)) or None if author is not None else None,
        "published_raw": str(when) if when not in (None, "") else None,
        "text": text,
        "likes": likes(dig(entry, fields.get("likes", "likes"))),
    }


def _text_id(text: str) -> str:
    return "t:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class NewsCommentsMixin:
    """The comment half of NewsSpider (which supplies request, problem, source, memory
    and parse_article)."""

    source: Any
    memory: Any
    comment_requests = 0

    def refresh_requests(self) -> list[Any]:
        """Requests for the stored articles whose comments are read again in this crawl:
        event open and graded `min_grade` or above, the first `max_refresh` of them."""
        opts = self.source.news.comments
        if opts is None or not opts.reads:
            return []
        due = [url for url, grade in self.memory.open_articles if at_least(grade, opts.min_grade)]
        return [
            self.request(  # type: ignore[attr-defined]
                url,
                self.parse_article,  # type: ignore[attr-defined]
                errback=self.refresh_failed,
            )
            for url in due[: opts.max_refresh]
        ]

    def refresh_failed(self, failure: Failure) -> None:
        self.problem(  # type: ignore[attr-defined]
            f"重读已存文章的评论时文章页抓取失败：{describe_failure(failure)}；已存的评论保留"
        )

    def with_comments(self, response: TextResponse, item: MentionItem) -> Iterator[Any]:
        """The article as an item, or the first request for its comments carrying it."""
        opts = self.source.news.comments
        if opts is None or not opts.reads:
            yield item
            return
        if opts.item:
            item["hot_comments"] = page_comments(response, opts)
            yield item
            return
        first = self.comment_page(item, 1, [])
        yield first if first is not None else item

    def comment_page(self, item: MentionItem, page: int, read: list[dict]) -> Any:
        """The request for a page of the article's comments; None (and the item marked)
        when the article's URL holds no comment id."""
        opts = self.source.news.comments
        url = opts.api.replace("{url}", quote(str(item["url"]), safe=""))
        if "{id}" in url:
            found = re.search(opts.id_pattern, str(item["url"]))
            if found is None or not found.group(1):
                self._comments_failed(
                    item, read, f"文章网址中找不到 id_pattern（{opts.id_pattern}）所指的评论编号"
                )
                return None
            url = url.replace("{id}", quote(found.group(1), safe=""))
        url = url.replace("{page}", str(page))
        self.comment_requests += 1
        return self.request(  # type: ignore[attr-defined]
            url,
            self.parse_comment_page,
            errback=self.comment_page_failed,
            headers={"Accept": "application/json, text/plain, */*", "Referer": str(item["url"])},
            cb_kwargs={"item": item, "page": page, "read": read},
            dont_filter=True,
        )

    def parse_comment_page(
        self, response: Response, item: MentionItem, page: int, read: list[dict]
    ) -> Iterator[Any]:
        opts = self.source.news.comments
        try:
            answer = json.loads(response.body)
        except ValueError:
            yield self._comments_failed(
                item, read, f"评论接口第 {page} 页返回的不是 JSON（{response.url}）"
            )
            return
        entries = dig(answer, opts.items)
        if entries is None and page == 1:
            entries = []  # no comments yet: many APIs leave the list out
        if not isinstance(entries, list):
            yield self._comments_failed(
                item, read, f"评论接口第 {page} 页的 {opts.items} 不是列表（{response.url}）"
            )
            return
        known = {c["id"] for c in read}
        fresh = [c for e in entries if (c := api_comment(e, opts.fields)) and c["id"] not in known]
        read = [*read, *fresh][: opts.max]
        more = "{page}" in opts.api and fresh and page < opts.max_pages and len(read) < opts.max
        following = self.comment_page(item, page + 1, read) if more else None
        if following is not None:
            yield following
            return
        item["hot_comments"] = read
        yield item

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        what = f"评论接口第 {kwargs['page']} 页：{describe_failure(failure)}"
        yield self._comments_failed(kwargs["item"], kwargs["read"], what)

    def _comments_failed(self, item: MentionItem, read: list[dict], what: str) -> MentionItem:
        if self.memory.is_done(item["url"]):  # read again: the comments stored before stand
            said = (
                f"重读已存文章 {item['url']} 的评论时{what}；"
                f"已存的评论保留，本次读到 {len(read)} 条"
            )
        else:
            said = f"{what}；文章已保存，评论只读到 {len(read)} 条"
        self.problem(said)  # type: ignore[attr-defined]
        item["hot_comments"] = read
        item["extra"] = {**(item.get("extra") or {}), "comments_error": what}
        return item
