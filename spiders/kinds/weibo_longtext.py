"""A long Weibo post's full text: a post marked `isLongText` comes in card lists cut at about
140 characters ("…全文"); m.weibo.cn statuses/extend?id=ID answers the whole of it, and the
post's detail page (its embedded `$render_data`) is asked when that fails.

The post is yielded once, after its full text (and then its comments) are read. When both
fail it is kept with the text the list gave, marked `extra["full_text"] = False`, and the
source's errors say what failed: a source problem, never a lost post. The answer the text
came from is added to the post's evidence copy (存证) after the list answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.items import MentionItem
from spiders.kinds.base import describe_failure, html_to_text
from spiders.kinds.weibo_answer import REDIRECTS, api_data, login_page, redirected

_TITLE_CHARS = 40
# var $render_data = [{"status": {...}, "call": "1"}][0] || {};
_RENDER_DATA = re.compile(r"var\s+\$render_data\s*=\s*(\[.*?\])\s*\[0\]\s*\|\|\s*\{\}\s*;", re.S)


def title_of(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= _TITLE_CHARS else first[:_TITLE_CHARS] + "…"


def extend_text(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """The full text in a statuses/extend answer's data: (text, None) or (None, why not)."""
    content = data.get("longTextContent")
    text = html_to_text(content) if isinstance(content, str) else ""
    return (text, None) if text else (None, "答复中没有 longTextContent")


def detail_text(response: Response) -> tuple[str | None, str | None]:
    """The post's text on its detail page: (text, None) or (None, why not)."""
    if response.status in REDIRECTS:
        return None, redirected(response)
    if not isinstance(response, TextResponse):
        return None, "返回的不是网页"
    found = _RENDER_DATA.search(response.text)
    if found is None:
        if login_page(response):
            return None, "返回的是登录页面（需要登录 Cookie）"
        return None, "页面中没有 $render_data（微博可能已删除，或需要登录）"
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return None, "页面中的 $render_data 不是有效的 JSON"
    first = data[0] if isinstance(data, list) and data else None
    status = first.get("status") if isinstance(first, dict) else None
    if not isinstance(status, dict):
        return None, "页面中的 $render_data 没有 status"
    long_text = status.get("longText")
    content = long_text.get("longTextContent") if isinstance(long_text, dict) else None
    text = html_to_text(str(content or status.get("text") or ""))
    return (text, None) if text else (None, "页面中的 status 没有正文")


class LongTextMixin:
    """The full-text half of WeiboSpider (which supplies source, memory, problem,
    chain_request, with_comments and the endpoint templates)."""

    source: Any
    memory: Any
    full_text_template: str
    detail_template: str | None

    def full_text(self, item: MentionItem, post: dict[str, Any]) -> Any:
        """The request for a long post's full text; for any other post, or a long one stored
        before (its text is kept as first stored), what follows: see with_comments."""
        if not post["long"] or self.memory.is_stored(item["url"]):
            return self.with_comments(item, post)  # type: ignore[attr-defined]
        url = self.full_text_template.replace("{id}", quote(post["id"], safe=""))
        return self.chain_request(  # type: ignore[attr-defined]
            url, self.parse_extend, self.extend_failed, item=item, post=post
        )

    def parse_extend(
        self, response: Response, item: MentionItem, post: dict[str, Any]
    ) -> Iterator[Any]:
        data, why = api_data(response)
        text = None
        if data is not None:
            text, why = extend_text(data)
        if text:
            yield from self.next_step(  # type: ignore[attr-defined]
                self._whole(item, post, text, response, "长微博全文"), post
            )
        else:
            yield self._detail(item, post, f"全文接口{why}（{response.url}）")

    def extend_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield self._detail(kwargs["item"], kwargs["post"], f"全文接口：{describe_failure(failure)}")

    def _detail(self, item: MentionItem, post: dict[str, Any], failed: str) -> Any:
        """The request for the post's detail page, after the full-text API `failed`."""
        template = self.detail_template
        url = template.replace("{id}", quote(post["id"], safe="")) if template else item["url"]
        return self.chain_request(  # type: ignore[attr-defined]
            url,
            self.parse_detail,
            self.detail_failed,
            html=True,
            item=item,
            post=post,
            failed=failed,
        )

    def parse_detail(
        self, response: Response, item: MentionItem, post: dict[str, Any], failed: str
    ) -> Iterator[Any]:
        text, why = detail_text(response)
        outcome = (
            self._whole(item, post, text, response, "长微博详情页")
            if text
            else self._truncated(item, post, f"{failed}；详情页{why}（{response.url}）")
        )
        yield from self.next_step(outcome, post)  # type: ignore[attr-defined]

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        what = f"{kwargs['failed']}；详情页：{describe_failure(failure)}"
        outcome = self._truncated(kwargs["item"], kwargs["post"], what)
        yield from self.next_step(outcome, kwargs["post"])  # type: ignore[attr-defined]

    def _whole(
        self, item: MentionItem, post: dict[str, Any], text: str, response: Response, what: str
    ) -> Any:
        item["text"] = text
        item["title"] = title_of(text)
        item["extra"] = {**item["extra"], "full_text": True}
        # 存证: the list answer the post came in, then the answer its full text came from
        mark = f"\n\n----- yuqing 存证：{what}（{response.url}）-----\n".encode()
        item["raw"] = (item.get("raw") or b"") + mark + response.body
        return self.with_comments(item, post)  # type: ignore[attr-defined]

    def _truncated(self, item: MentionItem, post: dict[str, Any], what: str) -> Any:
        self.problem(  # type: ignore[attr-defined]
            f"长微博 {post['id']} 的全文未能读取：{what}；已按列表中截断的正文保存"
        )
        item["extra"] = {**item["extra"], "full_text": False, "full_text_error": what}
        return self.with_comments(item, post)  # type: ignore[attr-defined]
