"""Weibo through the m.weibo.cn JSON API: keyword search (containerid=100103type=1&q=…)
here, account timelines (containerid=107603UID) in weibo_timeline.py; one mblog parser.
A post's full text (weibo_longtext.py) and hot comments (weibo_comments.py) are read before
it is yielded."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from scrapy.http import Response

from monitor.clock import BEIJING, utcnow
from monitor.config.sources import WeiboComments
from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, html_to_text
from spiders.kinds.weibo_answer import REDIRECTS
from spiders.kinds.weibo_comments import WeiboCommentsMixin
from spiders.kinds.weibo_longtext import LongTextMixin, title_of
from spiders.kinds.weibo_timeline import TimelineMixin

_API_PATH = "/api/container/"
# Search windows are whole hours (the form m.weibo.cn's timescope takes), so no window is
# split below one hour.
MIN_WINDOW = 3600
Window = tuple[int, int]  # [start, end) as Unix seconds
Post = tuple[MentionItem, dict[str, Any]]  # an item, and what is known of the post to read more
_WAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*万\+?\s*$")


class WeiboSpider(TimelineMixin, LongTextMixin, WeiboCommentsMixin, SourceSpider):
    kind = "weibo"
    description = (
        "微博关键词搜索和账号主页：逐个关键词或账号翻页，收集博文、作者、转发/评论/点赞数和转发来源，"
        "长微博读取全文，评论多的博文读取热门评论"
    )

    def __init__(
        self,
        source: Any,
        cookie: str | None = None,
        keywords: list[str] | None = None,
        comment_defaults: WeiboComments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(source, **kwargs)
        self.cookie = cookie
        # emergency monitoring searches an open event's terms instead of the configured ones
        # (a source of account timelines has no keywords and reads its accounts as usual)
        self.keywords = list(keywords or source.keywords) if source.keywords else []
        self.seen: set[str] = set()  # a post found under two keywords is yielded once
        parts = urlsplit(source.url)
        prefix = parts.path.split(_API_PATH, 1)[0] if _API_PATH in parts.path else ""
        # m.weibo.cn/api/container/getIndex -> m.weibo.cn/detail/ID; the sample site's
        # /weibo/api/container/getIndex -> /weibo/detail/ID.
        site = f"{parts.scheme}://{parts.netloc}{prefix}"
        self.detail_base = f"{site}/detail/"
        # the other endpoints default to the same site: m.weibo.cn, or the sample's /weibo
        self.full_text_template = source.full_text_url or f"{site}/statuses/extend?id={{id}}"
        self.detail_template = source.detail_url  # None: the post's own URL
        self.comments_template = (
            source.comments_url or f"{site}/comments/hotflow?id={{id}}&mid={{mid}}&max_id_type=0"
        )
        # service.yaml's crawl.weibo_comments, under the source's own `comments:` keys
        self.comment_options = source.comments.over(comment_defaults or WeiboComments())

    async def start(self) -> AsyncIterator[Any]:
        for account in self.source.accounts:
            yield self.timeline_page(account.uid, 1)
        windows = self.windows(utcnow()) if self.source.window else [None]
        for keyword in self.keywords:
            for window in windows:
                yield self._page(keyword, 1, window)

    def windows(self, now: datetime) -> list[Window]:
        """[now - lookback, now] cut into `window`-long pieces, newest first, whole hours."""
        step = int(self.source.window.total_seconds())
        end = int(now.timestamp()) // 3600 * 3600 + 3600
        start = end - int(self.source.lookback.total_seconds())
        out = []
        while end > start:
            out.append((max(start, end - step), end))
            end -= step
        return out

    def _page(self, keyword: str, page: int, window: Window | None = None) -> Any:
        url = self.source.url.replace("{keyword}", quote(keyword, safe="")).replace(
            "{page}", str(page)
        )
        if window is not None:
            url = url.replace("{start}", _stamp(window[0])).replace("{end}", _stamp(window[1]))
        return self.api_request(
            url, self.parse, {"keyword": keyword, "page": page, "window": window}
        )

    def api_request(self, url: str, callback: Any, cb_kwargs: dict[str, Any], **kwargs: Any) -> Any:
        """A request to the JSON API as the mobile site sends it, with the cookie if set."""
        headers = {
            "Accept": "application/json, text/plain, */*",
            "X-Requested-With": "XMLHttpRequest",
            "MWeibo-Pwa": "1",
            **kwargs.pop("headers", {}),
        }
        meta: dict[str, Any] = kwargs.pop("meta", {})
        if self.cookie:
            headers["Cookie"] = self.cookie
            meta["dont_merge_cookies"] = True  # send the configured cookie exactly as given
        return self.request(
            url, callback, headers=headers, meta=meta, cb_kwargs=cb_kwargs, **kwargs
        )

    def chain_request(
        self, url: str, callback: Any, errback: Any, html: bool = False, **cb_kwargs: Any
    ) -> Any:
        """A request for more of a post being read (its full text, its comments), the post
        carried along in `cb_kwargs["item"]`. Never dropped as a duplicate (the post would
        go with it), and a redirect is an answer, not followed (m.weibo.cn redirects to
        its login site)."""
        item = cb_kwargs["item"]
        headers = {"Referer": str(item["url"])}
        if html:
            headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
        return self.api_request(
            url,
            callback,
            cb_kwargs,
            errback=errback,
            dont_filter=True,
            headers=headers,
            meta={"dont_redirect": True, "handle_httpstatus_list": REDIRECTS},
        )

    def answer(self, response: Response) -> dict | None:
        """The `data` of the API's JSON answer (its `cards` a list), or None when the answer
        is not one (reported as a problem)."""
        try:
            data = json.loads(response.body)
        except ValueError:
            self.problem(
                f"微博接口返回的不是 JSON（可能需要登录 Cookie 或已被限流）（{response.url}）"
            )
            return None
        if isinstance(data, dict) and data.get("ok") == -100:
            self.problem(
                "微博接口要求登录：请在 sources.yaml 中用 cookie_env 指定保存 Cookie 的环境变量"
                f"（{response.url}）"
            )
            return None
        inner = (data.get("data") or {}) if isinstance(data, dict) else None
        if not isinstance(inner, dict) or not isinstance(inner.get("cards") or [], list):
            self.problem(f"微博接口返回的 JSON 格式不对（{response.url}）")
            return None
        return {**inner, "cards": inner.get("cards") or []}

    def parse(
        self, response: Response, keyword: str, page: int, window: Window | None = None
    ) -> Iterator[Any]:
        data = self.answer(response)
        if data is None:
            return
        blogs = list(mblogs(data["cards"]))
        found = [p for mblog in blogs for p in self.posts(response, mblog, {"keyword": keyword})]
        yield from self.in_order(found)
        # No cards means past the last page (the API answers ok=0 "这里还没有内容").
        if not blogs or "{page}" not in self.source.url:
            return
        if page < self.source.max_pages:
            yield self._page(keyword, page + 1, window)
        elif window is not None and window[1] - window[0] > MIN_WINDOW:
            # Still full at the last page: the search would be capped here, so the window
            # is searched again as two halves, each with its own max_pages.
            middle = (window[0] + window[1]) // 2 // 3600 * 3600
            middle = middle if window[0] < middle < window[1] else window[0] + MIN_WINDOW
            yield self._page(keyword, 1, (window[0], middle))
            yield self._page(keyword, 1, (middle, window[1]))

    def posts(self, response: Response, mblog: dict, via: dict[str, Any]) -> list[Post]:
        """The post and, for a repost, the original it reposts first (each once per crawl),
        as (item, what more to read of it); `via` (the keyword or account it was found by)
        goes into `extra`."""
        out = []
        original = mblog.get("retweeted_status")
        reposted_from = None
        if isinstance(original, dict) and original.get("id"):
            reposted_from = self.url_of(original)
            if str(original["id"]) not in self.seen:
                out.append(self._post(self._item(response, original, None, via), original))
        if mblog.get("id") and str(mblog["id"]) not in self.seen:
            out.append(self._post(self._item(response, mblog, reposted_from, via), mblog))
        return out

    @staticmethod
    def _post(item: MentionItem, mblog: dict) -> Post:
        return item, {
            "id": str(mblog["id"]),
            "mid": str(mblog.get("mid") or mblog["id"]),
            "long": bool(mblog.get("isLongText")),
            "comments": parse_count(mblog.get("comments_count")) or 0,
        }

    def in_order(self, found: list[Post]) -> Iterator[Any]:
        """A page's posts handed on in the page's order, an original before its repost:
        analysis takes the posts of one answer in the order they are stored, and a repost
        joins its original's event only when the original is there first. A post that
        lacks something (its full text, its comments) is read before the next one is
        handed on: the request carries the rest of the page (`post["rest"]`) along."""
        for k, (item, post) in enumerate(found):
            post["rest"] = found[k + 1 :]
            outcome = self.full_text(item, post)
            yield outcome
            if not isinstance(outcome, MentionItem):
                return

    def next_step(self, outcome: Any, post: dict[str, Any]) -> Iterator[Any]:
        """What follows a step of reading a post: its next request, or, the post done,
        the post and the rest of its page."""
        yield outcome
        if isinstance(outcome, MentionItem):
            yield from self.in_order(post.get("rest") or [])

    def url_of(self, mblog: dict) -> str:
        return f"{self.detail_base}{mblog['id']}"

    def _item(
        self, response: Response, mblog: dict, reposted_from: str | None, via: dict[str, Any]
    ) -> MentionItem:
        self.seen.add(str(mblog["id"]))
        user = mblog.get("user") or {}  # None when the original has been deleted
        text = html_to_text(mblog.get("text"))
        return self.item(
            response,
            url=self.url_of(mblog),
            title=title_of(text),
            text=text,
            author=user.get("screen_name"),
            site="新浪微博",
            published_raw=mblog.get("created_at"),
            reposts=parse_count(mblog.get("reposts_count")),
            comments=parse_count(mblog.get("comments_count")),
            likes=parse_count(mblog.get("attitudes_count")),
            reposted_from=reposted_from,
            extra={
                "id": str(mblog["id"]),
                "bid": mblog.get("bid"),
                **via,
                "user_id": user.get("id"),
                "verified": user.get("verified"),
                "followers": user.get("followers_count"),
                "client": mblog.get("source"),
                "region": mblog.get("region_name"),
                "long_text": bool(mblog.get("isLongText")),
                "pictures": mblog.get("pic_num", 0),
            },
        )


def mblogs(cards: list[Any]) -> Iterator[dict]:
    """Posts in a card list: card_type 9 carries `mblog`; card_type 11 nests `card_group`."""
    for card in cards:
        if not isinstance(card, dict):
            continue
        if isinstance(card.get("mblog"), dict):
            yield card["mblog"]
        yield from mblogs(card.get("card_group") or [])


def parse_count(value: Any) -> int | None:
    """Weibo counts are ints, or strings such as "1.2万" / "100万+" for large numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().rstrip("+")
    if text.isdigit():
        return int(text)
    m = _WAN.match(str(value))
    return round(float(m.group(1)) * 10_000) if m else None


def _stamp(ts: int) -> str:
    """A window bound as Weibo's timescope writes it: 2026-11-21-12 (Beijing time)."""
    when = datetime.fromtimestamp(ts, tz=BEIJING)
    return f"{when:%Y-%m-%d}-{when.hour}"
