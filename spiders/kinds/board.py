"""Message boards (留言板) and forum threads: list pages, then each message's detail page and
the thread's own further pages, keeping every post (楼) with the official reply marked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, element_text, select_text

# A guard against a next-page link that never ends; the dupefilter stops plain loops.
MAX_LIST_PAGES = 20


class BoardSpider(SourceSpider):
    kind = "board"
    description = (
        "政府留言板和论坛：翻阅留言列表，提取每条留言的标题、内容、留言人、时间、办理答复，"
        "以及帖子各页的全部跟帖（官方回复单独标出）"
    )

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
        item = self.item(
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
        if not opts.post:
            yield item
            return
        # The thread travels with its requests (plain values: in distributed mode the next
        # page may be fetched by another process), and is handed on after its last page.
        thread = dict(item)
        thread["extra"]["thread_pages"] = [response.url]
        yield from self._continue(response, thread, self._posts_on(response), 1)

    def _continue(
        self, response: TextResponse, thread: dict, posts: list[dict], page: int
    ) -> Iterator[Any]:
        opts = self.source.board
        href = _link(response, opts.thread_next) if opts.thread_next else None
        url = response.urljoin(href.strip()) if href else None
        if url and url not in thread["extra"]["thread_pages"] and page < opts.max_thread_pages:
            yield self.request(
                url,
                self.parse_thread_page,
                errback=self.thread_page_failed,
                cb_kwargs={"thread": thread, "posts": posts, "page": page + 1},
            )
        else:
            yield _finish(thread, posts)

    def parse_thread_page(
        self, response: Response, thread: dict, posts: list[dict], page: int
    ) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.problem(f"帖子第 {page} 页不是网页（{response.url}）")
            yield _finish(thread, posts, complete=False)
            return
        if self.blocked(response):
            yield _finish(thread, posts, complete=False)
            return
        thread["extra"]["thread_pages"].append(response.url)
        yield from self._continue(response, thread, posts + self._posts_on(response), page)

    def thread_page_failed(self, failure: Failure) -> Iterator[MentionItem]:
        """A later page of the thread failed: reported, and the posts read so far kept."""
        self.failed(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield _finish(kwargs["thread"], kwargs["posts"], complete=False)

    def _posts_on(self, response: TextResponse) -> list[dict]:
        """The posts on one page of a thread, in page order."""
        opts = self.source.board
        official_paths = set()
        if opts.post_official:
            tree = response.selector.root.getroottree()
            official_paths = {
                tree.getpath(s.root)
                for s in response.css(opts.post_official)
                if not isinstance(s.root, str)
            }
        posts = []
        for post in response.css(opts.post or ""):
            if isinstance(post.root, str):
                continue
            text = select_text(post, opts.post_text) if opts.post_text else element_text(post.root)
            if not text:
                continue
            official = bool(opts.post_official) and (
                bool(post.css(opts.post_official or ""))
                or post.root.getroottree().getpath(post.root) in official_paths
            )
            posts.append(
                {
                    "author": select_text(post, opts.post_author),
                    "time": select_text(post, opts.post_time),
                    "text": text,
                    "official": official,
                }
            )
        return posts


def _finish(thread: dict, posts: list[dict], complete: bool = True) -> MentionItem:
    """The thread's item with every post read; the official posts answer it when the page
    shows no separate reply."""
    fields = dict(thread)
    extra = {**fields["extra"], "posts": posts}
    if not complete:
        extra["posts_incomplete"] = True  # a later page failed; the failure is reported
    fields["extra"] = extra
    if fields.get("comments") is None:
        fields["comments"] = len(posts)
    official = [p["text"] for p in posts if p["official"]]
    if official and not fields.get("reply_text"):
        fields["reply_text"] = "\n".join(official)
    return MentionItem(**fields)


def _link(response: TextResponse, css: str) -> str | None:
    sel = response.css(css)
    return sel.get() if "::" in css else sel.attrib.get("href")


def _number(text: str | None) -> int | None:
    digits = "".join(ch for ch in text or "" if ch.isdigit())
    return int(digits) if digits else None
