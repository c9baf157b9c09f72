"""What every source spider shares: built from a source config, errors kept as Chinese text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import lxml.html
import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as neterror
from twisted.python.failure import Failure

from monitor.clock import utcnow
from spiders.items import MentionItem

_STATUS = {
    400: "请求有误",
    401: "需要登录",
    403: "站点拒绝访问",
    404: "页面不存在",
    410: "页面已删除",
    418: "被站点识别为爬虫并拒绝",
    429: "请求过于频繁，被站点限流",
    500: "站点服务器内部错误",
    502: "网关错误",
    503: "站点暂时不可用",
    504: "网关超时",
}
_NETWORK = [
    ((DownloadTimeoutError, neterror.TimeoutError, neterror.TCPTimedOutError), "连接超时"),
    (
        (DownloadConnectionRefusedError, neterror.ConnectionRefusedError),
        "连接被拒绝（站点未运行或端口不对）",
    ),
    ((CannotResolveHostError, neterror.DNSLookupError), "域名解析失败"),
    ((DownloadCancelledError,), "下载被中止（页面可能超过 crawl.max_page_bytes 上限）"),
    ((ResponseDataLossError,), "响应数据不完整（连接中途断开）"),
    ((UnsupportedURLSchemeError,), "不支持的网址协议"),
    ((DownloadFailedError, neterror.ConnectionLost), "下载失败（连接中断）"),
]
_BLOCK = frozenset(
    (
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    )
)
_SKIP = frozenset(("script", "style", "noscript", "template", "head"))
_FIELDS = tuple(MentionItem.fields)


def describe_failure(failure: Failure) -> str:
    """One readable Chinese sentence for a failed request, naming the URL."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        what = _STATUS.get(status) or ("站点服务器错误" if status >= 500 else "请求未成功")
        return f"HTTP {status}：{what}（{exc.response.url}）"
    request = getattr(failure, "request", None)
    url = f"（{request.url}）" if request is not None else ""
    if isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower():
        return (
            f"robots.txt 禁止抓取此网址{url}；"
            "如已获授权，可在 service.yaml 中设 crawl.obey_robots: false"
        )
    for types, what in _NETWORK:
        if isinstance(exc, types):
            return f"{what}{url}"
    return f"抓取失败：{type(exc).__name__}: {exc}{url}"


class SourceSpider(scrapy.Spider):
    """Base of the four kinds: `Spider(source=<XxxSource>)`; errors collect in `self.errors`."""

    kind: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, source: Any, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.errors: list[str] = []

    def request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request whose failure (HTTP status, network, robots.txt) lands in `errors`."""
        return scrapy.Request(url, callback=callback, errback=self.failed, **kwargs)

    def failed(self, failure: Failure) -> None:
        message = describe_failure(failure)
        self.errors.append(message)
        self.logger.warning(message)

    def problem(self, message: str) -> None:
        """A page that loaded but did not hold what the config says it would."""
        self.errors.append(message)
        self.logger.warning(message)

    def item(self, response: Response, **fields: Any) -> MentionItem:
        """A MentionItem with the provenance fields filled from `response`; the rest None."""
        values: dict[str, Any] = dict.fromkeys(_FIELDS)
        meta = response.request.meta if response.request is not None else {}
        redirects = meta.get("redirect_urls") or [response.url]
        values.update(
            source=self.source.name,
            kind=self.kind,
            url=redirects[0],  # as linked; final_url is where the bytes came from
            final_url=response.url,
            # one moment per response, so every item cut from the same bytes agrees
            fetched_at=meta.setdefault("yuqing_fetched_at", utcnow()),
            raw=response.body,
            extra={},
        )
        values.update(fields)
        return MentionItem(**values)


# ---- text helpers shared by the kinds ---------------------------------------------------


def element_text(element: Any) -> str:
    """Plain text of an lxml element: one line per block, emoji <img alt> kept, scripts dropped."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is not None and tag.lower() not in _SKIP:
            tag = tag.lower()
            block = tag in _BLOCK
            if block:
                parts.append("\n")
            if tag == "img" and el.get("alt"):
                parts.append(el.get("alt"))
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if block:
                parts.append("\n")

    walk(element)
    return tidy("".join(parts))


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment (a feed summary, a Weibo post)."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup and "&" not in markup:
        return tidy(markup)
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    return element_text(root)


def tidy(text: str) -> str:
    lines = (" ".join(line.replace("\u3000", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def select_text(selector: Any, css: str | None) -> str | None:
    """Text at a CSS selector: `::text`/`::attr()` values joined, else the elements' text."""
    if not css:
        return None
    found = selector.css(css)
    if "::" in css:
        values = [tidy(v) for v in found.getall()]
    else:
        values = [element_text(s.root) for s in found if not isinstance(s.root, str)]
    text = "\n".join(v for v in values if v)
    return text or None


def count_cjk(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
