"""What every source spider shares: built from a source config, errors kept as Chinese text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar

import lxml.html
import scrapy
from lxml import etree
from parsel.csstranslator import GenericTranslator, HTMLTranslator
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
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as neterror
from twisted.python.failure import Failure

from monitor.clock import utcnow
from spiders.items import MentionItem
from spiders.middlewares import RedirectLoop
from spiders.state import CrawlMemory

_STATUS = {
    400: "请求有误",
    401: "需要登录",
    403: "站点拒绝访问",
    404: "页面不存在",
    410: "页面已删除",
    418: "被站点识别为爬虫并拒绝",
    432: "被站点的反爬虫机制拦截",
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
# A page that answers 200 but is a wall, not content: its <title>, or a short page's text.
_WALL_TITLE = re.compile(
    r"验证码|安全验证|访问验证|人机验证|滑动验证|请登录|用户登录|登录页|captcha|access denied|"
    r"just a moment|verify you are human|unusual traffic",
    re.IGNORECASE,
)
_WALL_TEXT = re.compile(
    r"请输入验证码|拖动滑块|完成验证后|访问过于频繁|请先登录|登录后(?:查看|继续|才能)|"
    r"captcha|verify you are human",
    re.IGNORECASE,
)
# Every match of _WALL_TEXT has one of these; the case-blind search for its Latin words is
# slow, so it runs only on a page that has one. (No other character case-folds to the
# letters of "captcha" or "human", so lower() finds what the regex would.)
_WALL_CJK = re.compile(r"验证|滑块|频繁|登录")
_WALL_LATIN = ("captcha", "human")
_WALL_MAX_CJK = 300  # an article that quotes those words is longer than a block page
_SKIP = frozenset(("script", "style", "noscript", "template", "head"))
_FIELDS = tuple(MentionItem.fields)


def _wall_text(text: str) -> bool:
    """`_WALL_TEXT.search(text)`, quick on a page with none of its words."""
    if not _WALL_CJK.search(text):
        low = text.lower()
        if not any(word in low for word in _WALL_LATIN):
            return False
    return _WALL_TEXT.search(text) is not None


def describe_failure(failure: Failure) -> str:
    """One readable Chinese sentence for a failed request, naming the URL."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        what = _STATUS.get(status) or ("站点服务器错误" if status >= 500 else "请求未成功")
        return f"HTTP {status}：{what}（{exc.response.url}）"
    request = getattr(failure, "request", None)
    url = f"（{request.url}）" if request is not None else ""
    if isinstance(exc, RedirectLoop) or (
        isinstance(exc, IgnoreRequest) and "max redirections" in str(exc)
    ):
        return f"重定向次数过多（{exc}）{url}"
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

    def __init__(self, source: Any, memory: CrawlMemory | None = None, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.memory = memory if memory is not None else CrawlMemory()
        self.errors: list[str] = []

    def request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request whose failure (HTTP status, network, robots.txt) lands in `errors`
        (or goes to the `errback` given, which should call `failed` itself)."""
        errback = kwargs.pop("errback", self.failed)
        return scrapy.Request(url, callback=callback, errback=errback, **kwargs)

    def request_new(
        self, url: str, callback: Callable[..., Any], **kwargs: Any
    ) -> scrapy.Request | None:
        """`request`, or None when the page is stored already and cannot have changed."""
        if self.memory.is_done(url):
            self.memory.skipped += 1
            return None
        return self.request(url, callback, **kwargs)

    def request_changed(
        self, url: str, callback: Callable[..., Any], **kwargs: Any
    ) -> scrapy.Request:
        """A conditional GET (ETag / Last-Modified from the last crawl): a 304 answer means
        nothing changed and `callback` is not called; a 200 answer's validators are kept."""
        headers = {**self.memory.conditional_headers(url), **kwargs.pop("headers", {})}
        meta = {
            **kwargs.pop("meta", {}),
            "handle_httpstatus_list": [304],
            "yuqing_callback": callback.__name__,  # a name: requests may go through Redis
        }
        return self.request(url, self.changed, headers=headers, meta=meta, **kwargs)

    def changed(self, response: Response, **kwargs: Any) -> Any:
        if response.status == 304:
            self.memory.unchanged += 1
            return None
        self.memory.saw(
            response.url,
            _header(response, b"ETag"),
            _header(response, b"Last-Modified"),
            hashlib.sha256(response.body).hexdigest(),
        )
        return getattr(self, response.meta["yuqing_callback"])(response, **kwargs)

    def blocked(self, response: Response) -> bool:
        """True (and reported) when a 200 page is a captcha, a login form or a block notice."""
        if not isinstance(response, TextResponse):
            return False
        title = " ".join(map(str, css_nodes(response, "title::text")))
        password = bool(css_nodes(response, "input[type=password]"))
        reason = None
        if _WALL_TITLE.search(title):
            reason = f"页面标题为“{tidy(title)[:30]}”"
        elif password or _wall_text(response.text[:20000]):
            text = element_text(response.selector.root)
            if count_cjk(text) < _WALL_MAX_CJK:
                reason = "页面要求登录" if password else "页面要求验证"
        if reason is None:
            return False
        self.problem(
            f"站点返回的是验证码、登录或拦截页面而不是内容（{reason}），可能已被限制访问"
            f"（{response.url}）"
        )
        return True

    # Errors are kept, not logged as warnings here: whoever runs the crawl reports each
    # source's errors once (`yuqing crawl`, the service's log line per source, the source's
    # health); a warning here as well said everything twice.
    def failed(self, failure: Failure) -> None:
        message = describe_failure(failure)
        self.errors.append(message)
        self.logger.debug(message)

    def problem(self, message: str) -> None:
        """A page that loaded but did not hold what the config says it would."""
        self.errors.append(message)
        self.logger.debug(message)

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


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


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
    found = css_nodes(selector, css)
    if "::" in css:
        if all(isinstance(v, str) for v in found):
            values = [tidy(v) for v in found]
        else:  # elements where text was asked for: as parsel serialises them
            values = [tidy(v) for v in selector.css(css).getall()]
    else:
        values = [element_text(v) for v in found if not isinstance(v, str)]
    text = "\n".join(v for v in values if v)
    return text or None


_TRANSLATORS = {"html": HTMLTranslator(), "xml": GenericTranslator()}


def css_nodes(selector: Any, css: str) -> list[Any]:
    """What `selector.css(css)` finds, as lxml elements and strings (each result's
    `.root`), without wrapping each in a Selector; `selector` is a response or a Selector.
    The query is translated and compiled once, as parsel does, and run on the same tree."""
    sel = selector.selector if isinstance(selector, TextResponse) else selector
    root, kind = getattr(sel, "root", None), getattr(sel, "type", None)
    if kind in _TRANSLATORS and hasattr(root, "xpath"):
        return _compiled(css, kind)(root)
    return [found.root for found in selector.css(css)]


@lru_cache(maxsize=256)
def _compiled(css: str, kind: str) -> etree.XPath:
    return etree.XPath(_TRANSLATORS[kind].css_to_xpath(css), smart_strings=False)


def count_cjk(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
