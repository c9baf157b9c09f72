"""What a spider knows from earlier crawls: stored URLs to skip, validators to ask 'changed?'.

Built by monitor/collection/crawlstate.py from the database before a crawl and handed to the spider;
the validators the spider sees in this crawl go back in `fresh` to be saved afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.pipeline.normalise import canonical_url


@dataclass
class CrawlMemory:
    # canonical URL -> (ETag, Last-Modified) from the last 200 answer
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # canonical URLs whose content is stored and cannot change any more
    done: set[str] = field(default_factory=set)
    # canonical URLs stored already that are read again (Weibo posts, for their counts);
    # a newest-first listing such as an account timeline stops paging at one of them
    stored: set[str] = field(default_factory=set)
    # stored Weibo posts and news articles whose event is open (canonical URL) -> the
    # event's grade: their comments are read again (WeiboComments and NewsComments in
    # monitor/config/sources.py say when)
    open_events: dict[str, str] = field(default_factory=dict)
    # stored news articles whose event is open, as (URL as stored, the event's grade), the
    # highest graded first, then the most comments, then the newest: their comments are
    # read again (NewsComments in monitor/config/sources.py says which and how many)
    open_articles: list[tuple[str, str]] = field(default_factory=list)
    # filled during the crawl: canonical URL -> (ETag, Last-Modified, sha256 of the body)
    fresh: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    skipped: int = 0
    unchanged: int = 0

    def is_done(self, url: str) -> bool:
        return canonical_url(url) in self.done

    def is_stored(self, url: str) -> bool:
        key = canonical_url(url)
        return key in self.stored or key in self.done

    def open_event_grade(self, url: str) -> str | None:
        """The grade of the open event a stored post belongs to; None when it has none."""
        return self.open_events.get(canonical_url(url))

    def conditional_headers(self, url: str) -> dict[str, str]:
        etag, modified = self.validators.get(canonical_url(url), (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    def saw(self, url: str, etag: str | None, modified: str | None, sha256: str | None) -> None:
        self.fresh[canonical_url(url)] = (etag, modified, sha256)
