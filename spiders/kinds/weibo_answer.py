"""One answer of m.weibo.cn read for more of a post (its full text, its comments): the JSON
answer's `data`, or one Chinese sentence saying why there is none.

m.weibo.cn does not always fail with an HTTP error: without a valid login it answers 200
with `{"ok": -100, "url": "https://passport.weibo.cn/…"}`, redirects to passport.weibo.cn,
or serves an HTML login page; a post it will not show answers `{"ok": 0, "msg": "…"}`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response, TextResponse

from spiders.kinds.base import tidy

# Followed by Scrapy these would lead a crawl to the login site; they are read as answers.
REDIRECTS = [301, 302, 303, 307, 308]
_LOGIN_HOSTS = ("passport.weibo.cn", "passport.weibo.com", "login.sina.com.cn")
_LOGIN_PAGE = re.compile(r"登录|passport\.weibo|type=[\"']?password", re.IGNORECASE)
_COOKIE_HINT = "请在 sources.yaml 中用 cookie_env 指定保存 Cookie 的环境变量"


def api_data(response: Response) -> tuple[dict[str, Any] | None, str | None]:
    """(the answer's `data`, None) or (None, what is wrong with the answer)."""
    if response.status in REDIRECTS:
        return None, redirected(response)
    try:
        answer = json.loads(response.body)
    except ValueError:
        if login_page(response):
            return None, f"返回的是登录页面而不是 JSON（需要登录）：{_COOKIE_HINT}"
        return None, "返回的不是 JSON（可能需要登录 Cookie 或已被限流）"
    if not isinstance(answer, dict):
        return None, "返回的 JSON 格式不对"
    ok = answer.get("ok")
    if ok == -100:
        return None, f"要求登录（ok=-100）：{_COOKIE_HINT}"
    if ok != 1:
        msg = tidy(str(answer.get("msg") or ""))[:60]
        return None, f"答复 ok={json.dumps(ok, ensure_ascii=False)}" + (f"（{msg}）" if msg else "")
    data = answer.get("data")
    if not isinstance(data, dict):
        return None, "返回的 JSON 中没有 data"
    return data, None


def redirected(response: Response) -> str:
    """What a redirect answer means: a login wall when it leads to the login site."""
    location = (response.headers.get(b"Location") or b"").decode("latin-1")
    target = urljoin(response.url, location) if location else "（未给出地址）"
    host = urlsplit(target).hostname or ""
    if host in _LOGIN_HOSTS:
        return f"被重定向到登录页面（{target}），需要登录：{_COOKIE_HINT}"
    return f"被重定向到 {target}"


def login_page(response: Response) -> bool:
    """An HTML page standing where JSON was asked for, that asks for a login."""
    if not isinstance(response, TextResponse):
        return False
    return _LOGIN_PAGE.search(response.text[:20000]) is not None
