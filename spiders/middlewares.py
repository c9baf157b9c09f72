"""Downloader middlewares: a charset that lies is corrected; a redirect loop is an error."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

log = logging.getLogger(__name__)

# Tried in order when the declared (or guessed) charset leaves undecodable bytes. GB18030
# is a superset of GBK and GB2312, the usual undeclared or mis-declared charset here.
CANDIDATES = ("utf-8", "gb18030", "big5")


class CharsetFixMiddleware:
    """A text page that decodes with U+FFFD replacement characters under the charset it
    declares is re-decoded with the first candidate that decodes it cleanly."""

    def process_response(self, request: Any, response: Response) -> Response:
        if not isinstance(response, TextResponse) or "\ufffd" not in response.text:
            return response
        for encoding in CANDIDATES:
            try:
                response.body.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding != response.encoding:
                log.debug("%s declared %s but is %s", response.url, response.encoding, encoding)
                return response.replace(encoding=encoding)
            break
        return response


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
