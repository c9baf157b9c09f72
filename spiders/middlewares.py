"""Downloader middlewares: a charset that lies is corrected; a redirect loop is an error; an
unreachable robots.txt is no robots.txt."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached

from spiders.charset import best_encoding, declared_encodings

log = logging.getLogger(__name__)


class CharsetFixMiddleware:
    """A text page is read in the charset its bytes are really in. The one Scrapy chose
    (BOM, HTTP header, <meta>, else a guess) is kept unless another declared one or a usual
    Chinese charset (UTF-8, GB18030, Big5) reads as clearly more plausible Chinese text: a
    GBK page served as UTF-8 or ISO-8859-1, a UTF-8 page that says gb2312, a page that says
    nothing. Bytes no charset decodes stay as replacement characters; the page is kept."""

    def process_response(self, request: Any, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        content_type = response.headers.get(b"Content-Type")
        declared = declared_encodings(
            response.body, content_type.decode("latin-1") if content_type else None
        )
        encoding = best_encoding(response.body, [response.encoding, *declared])
        if encoding is None or encoding == response.encoding:
            return response
        log.debug("%s: read as %s, not %s", response.url, encoding, response.encoding)
        return response.replace(encoding=encoding)


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL this request already went through."""


class RedirectLoopMiddleware:
    """Turns a redirect loop into a reported failure. Without it Scrapy's dupefilter drops
    the looping request silently and the source looks fine while yielding nothing."""

    def process_response(self, request: Any, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        visited = [*request.meta.get("redirect_urls", []), request.url]
        if target in visited:
            raise RedirectLoop(f"重定向循环：{' → '.join([*visited, target])}")
        return response


class RobotsTxtUnreachableMiddleware:
    """A robots.txt that could not be fetched (connection refused, timeout, DNS) ends as
    IgnoreRequest, after its retries. Scrapy's RobotsTxtMiddleware treats both alike (the
    site is crawled as if it had no robots.txt) but logs any other error with a traceback,
    once per site; the page requests that follow fail the same way and the spider reports
    them, one line per source, so the traceback told a user nothing more."""

    def process_exception(self, request: Any, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or not request.meta.get("dont_obey_robotstxt"):
            return
        if urlparse_cached(request).path != "/robots.txt":
            return
        log.debug("%s unreachable, crawled as if it had none: %s", request.url, exception)
        raise IgnoreRequest(f"robots.txt unreachable: {exception}") from exception
