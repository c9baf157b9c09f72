"""`yuqing extract`: what the news extractor gets from one page, to check a new site."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from monitor.clock import BEIJING
from monitor.config.models import CrawlConfig
from monitor.errors import YuqingError
from monitor.pipeline.datetimes import parse_published
from spiders.kinds.news import extract_article
from spiders.middlewares import CharsetFixMiddleware


def fetch(target: str, crawl: CrawlConfig) -> tuple[str, bytes, dict[str, str]]:
    """(final URL, body, headers) of a URL, or of a local file given by its path."""
    if not target.startswith(("http://", "https://")):
        path = Path(target)
        if not path.is_file():
            raise YuqingError(f"{target}：不是 http(s) 网址，也不是存在的文件。")
        return path.resolve().as_uri(), path.read_bytes(), {}
    request = urllib.request.Request(target, headers={"User-Agent": crawl.user_agent})
    try:
        with urllib.request.urlopen(  # noqa: S310 - the scheme is checked above
            request, timeout=crawl.download_timeout.total_seconds()
        ) as answer:
            body = answer.read(crawl.max_page_bytes + 1)
            if len(body) > crawl.max_page_bytes:
                raise YuqingError(
                    f"{target}：页面超过 crawl.max_page_bytes（{crawl.max_page_bytes} 字节）上限。"
                )
            return answer.geturl(), body, dict(answer.headers.items())
    except urllib.error.HTTPError as e:
        raise YuqingError(f"{target}：HTTP {e.code}（{e.reason}）") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise YuqingError(f"{target}：无法下载（{reason}）") from None


def extract(target: str, crawl: CrawlConfig, now: datetime) -> dict[str, Any]:
    """The fields as JSON-ready values; a year-less date is read relative to `now`."""
    url, body, headers = fetch(target, crawl)
    response = HtmlResponse(url=url, body=body, headers=headers)
    response = CharsetFixMiddleware().process_response(None, response)
    fields = extract_article(response)  # type: ignore[arg-type]
    if fields is None:
        raise YuqingError(f"{target}：页面中没有找到标题和正文。")
    raw = fields["published_raw"]
    published = parse_published(raw, now) if raw else None
    return {
        "url": url,
        "encoding": response.encoding,  # type: ignore[attr-defined]
        "title": fields["title"],
        "published": published.astimezone(BEIJING).isoformat() if published else None,
        "published_raw": raw,
        "source": fields["site"],
        "author": fields["author"],
        "comments": fields["comments"],
        "text": fields["text"],
    }
