"""Incremental crawling: what a source's spider may skip, and what it saw, kept between runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from monitor.config.types import grade_rank
from monitor.pipeline.store import incomplete_threads
from monitor.storage.collection import CrawlState
from monitor.storage.db import Database
from monitor.storage.models import Event, Mention, Source
from spiders.state import CrawlMemory
from workflow.states import OPEN_STATES

# A board message with one of these statuses has its final answer: not fetched again.
ANSWERED = ("已回复", "已答复", "已办结", "已处理")


def load_memory(db: Database, source: str, kind: str) -> CrawlMemory:
    """Validators of the source's pages, the stored pages that cannot change any more, for
    Weibo the posts stored already, and for Weibo and news the grades of the open events of
    the posts and articles stored (for news also in the order they are read again)."""
    memory = CrawlMemory()
    with db.session() as s:
        for row in s.scalars(select(CrawlState).where(CrawlState.source == source)):
            memory.validators[row.url] = (row.etag, row.last_modified)
        stored = select(Mention.canonical_url, Mention.reply_status).join(Source)
        stored = stored.where(Source.name == source)
        for url, status in s.execute(stored):
            # News articles and feed entries do not change once published (an article
            # whose event is open is fetched again for its comments: open_articles); a
            # message on a board does until it is answered. Weibo posts are re-read for
            # their counts (a timeline stops at one; a long post's full text is not
            # fetched again).
            if kind in ("news", "feed") or (
                kind == "board" and status and any(a in status for a in ANSWERED)
            ):
                memory.done.add(url)
            elif kind == "weibo":
                memory.stored.add(url)
        if kind in ("weibo", "news"):
            # a stored post's or article's comments are read again while its event is open
            open_events = (
                select(Mention.url, Mention.canonical_url, Event.grade)
                .join(Source, Mention.source_id == Source.id)
                .join(Event, Mention.event_id == Event.id)
                .where(Source.name == source, Event.state.in_(OPEN_STATES))
                .order_by(
                    Mention.comments.desc(), Mention.published_at.desc().nulls_last(), Mention.id
                )
            )
            rows = s.execute(open_events).all()
            memory.open_events = {canonical: grade for _, canonical, grade in rows}
            if kind == "news":  # not found through the list page: read from here
                ranked = sorted(rows, key=lambda r: -grade_rank(r.grade or "IV"))
                memory.open_articles = [(url, grade or "IV") for url, _, grade in ranked]
        if kind == "board":  # a thread missing pages is read again, whole
            for url in incomplete_threads(s, source):
                memory.done.discard(url)
                memory.validators.pop(url, None)
    return memory


def save_memory(db: Database, source: str, memory: CrawlMemory, now: datetime) -> None:
    if not memory.fresh:
        return
    with db.session() as s:
        rows = {
            r.url: r
            for r in s.scalars(
                select(CrawlState).where(
                    CrawlState.source == source, CrawlState.url.in_(list(memory.fresh))
                )
            )
        }
        for url, (etag, modified, sha256) in memory.fresh.items():
            row = rows.get(url)
            if row is None:
                row = CrawlState(source=source, url=url)
                s.add(row)
            row.etag, row.last_modified, row.sha256, row.fetched_at = etag, modified, sha256, now
