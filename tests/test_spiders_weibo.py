"""Weibo search by time windows: a window still full at max_pages is split, not capped."""

import json
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from pydantic import ValidationError
from scrapy.http import Request, TextResponse

from monitor.config.sources import WeiboSource
from spiders.kinds.weibo import WeiboSpider

NOW = datetime(2026, 11, 21, 4, 30, tzinfo=UTC)  # 12:30 Beijing
URL = (
    "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}"
    "%26timescope%3Dcustom%3A{start}%3A{end}&page_type=searchall&page={page}"
)


def spider(**kw):
    source = WeiboSource(
        name="wb",
        title="微博",
        kind="weibo",
        url=URL,
        keywords=["青峰山"],
        max_pages=2,
        window="6h",
        lookback="12h",
        **kw,
    )
    return WeiboSpider(source=source)


def full_page(request, n=10):
    cards = [
        {"card_type": 9, "mblog": {"id": f"{request.url[-20:]}{i}", "text": "青峰山"}}
        for i in range(n)
    ]
    body = json.dumps({"ok": 1, "data": {"cards": cards}}).encode()
    return TextResponse(request.url, body=body, request=request, encoding="utf-8")


def test_windows_cover_the_lookback_in_whole_hours():
    s = spider()
    windows = s.windows(NOW)
    assert len(windows) == 2 and windows[0][1] - windows[0][0] == 6 * 3600
    first = unquote(s._page("青峰山", 1, windows[0]).url)
    assert "timescope=custom:2026-11-21-7:2026-11-21-13" in first  # up to 13:00 Beijing


def test_a_window_full_at_max_pages_is_split_in_two():
    s = spider()
    window = s.windows(NOW)[0]
    last = s._page("青峰山", 2, window)
    out = list(s.parse(full_page(last), **last.cb_kwargs))
    requests = [r for r in out if isinstance(r, Request)]
    halves = [r.cb_kwargs["window"] for r in requests]
    assert halves == [(window[0], window[0] + 3 * 3600), (window[0] + 3 * 3600, window[1])]
    assert all(r.cb_kwargs["page"] == 1 for r in requests)
    one_hour = (window[0], window[0] + 3600)
    last = s._page("青峰山", 2, one_hour)
    out = list(s.parse(full_page(last), **last.cb_kwargs))
    assert not [r for r in out if isinstance(r, Request)]  # an hour is not split further


def test_window_needs_start_and_end_in_the_url():
    with pytest.raises(ValidationError, match=r"\{start\} 和 \{end\}"):
        WeiboSource(
            name="wb",
            title="微博",
            kind="weibo",
            url="https://m.weibo.cn/?q={keyword}",
            keywords=["x"],
            window="6h",
        )
