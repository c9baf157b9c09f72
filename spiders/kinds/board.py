"""Government message boards (留言板): list pages, then each message's detail page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, select_text

# A guard against a next-page link that never ends; the dupefilter stops plain loops.
MAX_LIST_PAGES = 20


class BoardSpider(SourceSpider):
    kind = "board"
    description = "政府留言板：翻阅留言列表，提取每条留言的标题、内容、留言人、时间和办理答复"

    async def start(self) -> AsyncIterator[Any]:
        yield self.request(self.source.url, self.parse, cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.problem(f"留言列表页不是网页（{response.url}）")
            return
        if self.blocked(response):
            return
        opts = self.source.board
        rows = response.css(opts.item)
        if not rows:
            self.problem(f"留言列表页上没有找到留言（board.item：{opts.item}）（{response.url}）")
        missing = 0
        for row in rows:
            href = (
                row.css(opts.link).get()
                if "::" in opts.link
                else row.css(opts.link).attrib.get("href")
            )
            if not href:
                missing += 1
                continue
            # A message already answered is skipped; one still open is asked "changed?"
            url = response.urljoin(href.strip())
            if self.memory.is_done(url):
                self.memory.skipped += 1
                continue
            yield self.request_changed(url, self.parse_detail, cb_kwargs={"list_url": response.url})
        if missing:
            self.problem(
                f"有 {missing} 行留言没有找到链接（board.link：{opts.link}）（{response.url}）"
            )
        if opts.next_page and page < MAX_LIST_PAGES:
            sel = response.css(opts.next_page)
            nxt = sel.get() if "::" in opts.next_page else sel.attrib.get("href")
            if nxt:
                yield self.request(
                    response.urljoin(nxt.strip()), self.parse, cb_kwargs={"page": page + 1}
                )

    def parse_detail(self, response: Response, list_url: str) -> Iterator[MentionItem]:
        if not isinstance(response, TextResponse):
            self.problem(f"留言详情页不是网页（{response.url}）")
            return
        if self.blocked(response):
            return
        opts = self.source.board
        title = select_text(response, opts.detail_title)
        body = select_text(response, opts.detail_body)
        if not title and not body:
            self.problem(
                "留言详情页上没有找到标题和内容（board.detail_title / detail_body）"
                f"（{response.url}）"
            )
            return
        yield self.item(
            response,
            title=(title or "").replace("\n", " "),
            text=body or "",
            author=select_text(response, opts.detail_author),
            published_raw=select_text(response, opts.detail_time),
            reply_status=select_text(response, opts.detail_reply_status),
            reply_text=select_text(response, opts.detail_reply),
            comments=_number(select_text(response, opts.detail_reply_count)),
            extra={"list_url": list_url},
        )


def _number(text: str | None) -> int | None:
    digits = "".join(ch for ch in text or "" if ch.isdigit())
    return int(digits) if digits else None
