"""The hot comments under a Weibo post: m.weibo.cn comments/hotflow?id=ID&mid=MID, paged by
the answer's `max_id` / `max_id_type` (max_id 0: the last page), at most `comments.max`.

Which posts are read is WeiboComments' rule (monitor/config/sources.py): enough comments,
or, for a post stored before, an open event (graded `min_grade` or above, or the post has
enough comments). The pages go one after another through the source's own crawler, so its
rate limits (AutoThrottle, `crawl.per_domain`) hold for them too.

A failure part-way (an HTTP error, `{"ok": 0}`, a login wall, an answer that is not JSON)
is a source problem, never a lost post: the post is kept with the comments read so far,
`extra["comments_error"]` and the source's errors say what failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.config.types import at_least
from spiders.items import MentionItem
from spiders.kinds.base import describe_failure, html_to_text, tidy
from spiders.kinds.news_comments import likes
from spiders.kinds.weibo_answer import api_data
from spiders.kinds.weibo_timeline import with_query


def hotflow_comment(entry: Any) -> dict[str, Any] | None:
    """One comment of a hotflow answer, in the item's `hot_comments` shape; None without text.
    The commenter's name is kept as the site shows it (plain text, escaped where shown)."""
    if not isinstance(entry, dict):
        return None
    text = html_to_text(str(entry.get("text") or ""))
    if not text:
        return None
    user = entry.get("user")
    if not isinstance(user, dict):
        user = {}
    ident = entry.get("idstr") or entry.get("id") or entry.get("mid")
    name = user.get("screen_name")
    when = entry.get("created_at")
    return {
        "id": str(ident) if ident not in (None, "") else None,  # None: keyed by its text
        "author": tidy(str(name)) or None if name is not None else None,
        "published_raw": str(when) if when not in (None, "") else None,
        "text": text,
        "likes": likes(entry.get("like_count")),
    }


def last_page(max_id: Any) -> bool:
    return max_id in (None, "", 0, "0")


class WeiboCommentsMixin:
    """The comment half of WeiboSpider (which supplies source, memory, problem,
    chain_request, comment_options and comments_template)."""

    source: Any
    memory: Any
    comment_options: Any
    comments_template: str
    comment_requests = 0

    def wants_comments(self, item: MentionItem, post: dict[str, Any]) -> bool:
        opts = self.comment_options
        if not opts.enabled:
            return False
        enough = bool(post["comments"] >= opts.min_count)
        if not self.memory.is_stored(item["url"]):
            return enough
        grade = self.memory.open_event_grade(item["url"])
        return grade is not None and bool(enough or at_least(grade, opts.min_grade))

    def with_comments(self, item: MentionItem, post: dict[str, Any]) -> Any:
        """The post as an item, or the request for its first page of comments carrying it."""
        if not self.wants_comments(item, post):
            return item
        return self.comment_page(item, post, 1, [], None)

    def comment_page(
        self,
        item: MentionItem,
        post: dict[str, Any],
        page: int,
        read: list[dict[str, Any]],
        cursor: tuple[str, str] | None,
    ) -> Any:
        url = self.comments_template.replace("{id}", quote(post["id"], safe=""))
        url = url.replace("{mid}", quote(post["mid"], safe=""))
        if cursor is not None:
            url = with_query(url, max_id=cursor[0], max_id_type=cursor[1])
        self.comment_requests += 1
        return self.chain_request(  # type: ignore[attr-defined]
            url,
            self.parse_comment_page,
            self.comment_page_failed,
            item=item,
            post=post,
            page=page,
            read=read,
        )

    def parse_comment_page(
        self,
        response: Response,
        item: MentionItem,
        post: dict[str, Any],
        page: int,
        read: list[dict[str, Any]],
    ) -> Iterator[Any]:
        data, why = api_data(response)
        entries: Any = None
        if data is not None:
            entries = data.get("data")
            if entries is None and page == 1:
                entries = []  # no comments yet
            elif not isinstance(entries, list):
                why = "返回的 JSON 中 data.data 不是列表"
        if data is None or why is not None:
            what = f"评论接口第 {page} 页{why}（{response.url}）"
            outcome = self._comments_failed(item, read, what)
            yield from self.next_step(outcome, post)  # type: ignore[attr-defined]
            return
        known = {c["id"] for c in read if c["id"]}
        fresh = [c for e in entries if (c := hotflow_comment(e)) and c["id"] not in known]
        read = [*read, *fresh][: self.comment_options.max]
        max_id = data.get("max_id")
        if fresh and not last_page(max_id) and len(read) < self.comment_options.max:
            cursor = (str(max_id), str(data.get("max_id_type") or 0))
            yield self.comment_page(item, post, page + 1, read, cursor)
            return
        item["hot_comments"] = read
        yield from self.next_step(item, post)  # type: ignore[attr-defined]

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        what = f"评论接口第 {kwargs['page']} 页：{describe_failure(failure)}"
        outcome = self._comments_failed(kwargs["item"], kwargs["read"], what)
        yield from self.next_step(outcome, kwargs["post"])  # type: ignore[attr-defined]

    def _comments_failed(
        self, item: MentionItem, read: list[dict[str, Any]], what: str
    ) -> MentionItem:
        self.problem(  # type: ignore[attr-defined]
            f"微博 {item['url']} 的评论未读完：{what}；博文已保存，评论只读到 {len(read)} 条"
        )
        item["hot_comments"] = read
        item["extra"] = {**(item.get("extra") or {}), "comments_error": what}
        return item
