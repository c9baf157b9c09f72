"""Weibo account timelines: m.weibo.cn's container API (containerid=107603UID), newest first,
read until a post already stored or older than `lookback`, so each crawl reads only what is new.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from monitor.clock import utcnow
from monitor.pipeline.datetimes import parse_published


class TimelineMixin:
    """The timeline half of WeiboSpider (which supplies answer, posts, api_request, url_of).

    The API pages either by `since_id` (named in the answer's cardlistInfo, the newer form)
    or by `page=N` (the older form): the next page is asked for the way the answer allows.
    Pinned posts (置顶, `isTop`) come first whatever their age, so they never end the walk.
    """

    source: Any
    memory: Any

    def timeline_page(self, uid: str, page: int, since_id: str | None = None) -> Any:
        url = self.source.url.replace("{uid}", uid)
        if since_id:
            url = with_query(url, since_id=since_id)
        elif page > 1:
            url = with_query(url, page=str(page))
        return self.api_request(  # type: ignore[attr-defined]
            url, self.parse_timeline, {"uid": uid, "page": page}
        )

    def parse_timeline(self, response: Response, uid: str, page: int) -> Iterator[Any]:
        data = self.answer(response)  # type: ignore[attr-defined]
        if data is None:
            return
        from spiders.kinds.weibo import mblogs  # the one card walker, shared with search

        blogs = list(mblogs(data["cards"]))
        if not blogs:
            if page == 1:
                self.problem(  # type: ignore[attr-defined]
                    f"微博账号 {uid} 的主页没有博文（账号不存在、已注销，或需要登录 Cookie？）"
                    f"（{response.url}）"
                )
            return  # past the last page
        fetched_at = response.meta.setdefault("yuqing_fetched_at", utcnow())
        cutoff = fetched_at - self.source.lookback
        caught_up = False
        found = []
        for mblog in blogs:
            when = parse_published(str(mblog.get("created_at") or ""), fetched_at)
            too_old = when is not None and when < cutoff
            known = bool(mblog.get("id")) and self.memory.is_stored(
                self.url_of(mblog)  # type: ignore[attr-defined]
            )
            if not pinned(mblog) and (too_old or known):
                caught_up = True  # everything after this one is older still
            if too_old:
                continue
            # A stored post is read again all the same: its counts have moved on.
            found += self.posts(response, mblog, {"account": uid})  # type: ignore[attr-defined]
        yield from self.in_order(found)  # type: ignore[attr-defined]
        if caught_up or page >= self.source.max_pages:
            return
        since_id = (data.get("cardlistInfo") or {}).get("since_id")
        yield self.timeline_page(uid, page + 1, str(since_id) if since_id else None)


def pinned(mblog: dict) -> bool:
    title = mblog.get("title")
    label = title.get("text") if isinstance(title, dict) else None
    return bool(mblog.get("isTop")) or label == "置顶"


def with_query(url: str, **params: str) -> str:
    """`url` with these query parameters set (replaced when present)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
