"""Weibo through the m.weibo.cn JSON API: keyword search (containerid=100103type=1&q=…)
here, account timelines (containerid=107603UID) in weibo_timeline.py; one mblog parser."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from scrapy.http import Response

from monitor.clock import BEIJING, utcnow
from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, html_to_text
from spiders.kinds.weibo_timeline import TimelineMixin

_API_PATH = "/api/container/"
_TITLE_CHARS = 40
# Search windows are whole hours (the form m.weibo.cn's timescope takes), so no window is
# split below one hour.
MIN_WINDOW = 3600
Window = tuple[int, int]  # [start, end) as Unix seconds
_WAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*万\+?\s*$")


class WeiboSpider(TimelineMixin, SourceSpider):
    kind = "weibo"
    description = (
        "微博关键词搜索和账号主页：逐个关键词或账号翻页，收集博文、作者、转发/评论/点赞数和转发来源"
    )

    def __init__(
        self,
        source: Any,
        cookie: str | None = None,
        keywords: list[str] | None = None,
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
        self.detail_base = f"{parts.scheme}://{parts.netloc}{prefix}/detail/"

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

    def api_request(self, url: str, callback: Any, cb_kwargs: dict[str, Any]) -> Any:
        """A request to the JSON API as the mobile site sends it, with the cookie if set."""
        headers = {
            "Accept": "application/json, text/plain, */*",
            "X-Requested-With": "XMLHttpRequest",
            "MWeibo-Pwa": "1",
        }
        meta: dict[str, Any] = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
            meta["dont_merge_cookies"] = True  # send the configured cookie exactly as given
        return self.request(url, callback, headers=headers, meta=meta, cb_kwargs=cb_kwargs)

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
        for mblog in blogs:
            yield from self.posts(response, mblog, {"keyword": keyword})
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

    def posts(self, response: Response, mblog: dict, via: dict[str, Any]) -> Iterator[MentionItem]:
        """The post and, for a repost, the original it reposts (each once per crawl);
        `via` (the keyword or account it was found by) goes into `extra`."""
        original = mblog.get("retweeted_status")
        reposted_from = None
        if isinstance(original, dict) and original.get("id"):
            reposted_from = self.url_of(original)
            if str(original["id"]) not in self.seen:
                yield self._item(response, original, None, via)
        if mblog.get("id") and str(mblog["id"]) not in self.seen:
            yield self._item(response, mblog, reposted_from, via)

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
            title=_title(text),
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


def _title(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= _TITLE_CHARS else first[:_TITLE_CHARS] + "…"


def _stamp(ts: int) -> str:
    """A window bound as Weibo's timescope writes it: 2026-11-21-12 (Beijing time)."""
    when = datetime.fromtimestamp(ts, tz=BEIJING)
    return f"{when:%Y-%m-%d}-{when.hour}"
