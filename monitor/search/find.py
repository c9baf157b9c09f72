"""Run a search: the index narrows, each term is checked as a substring, filters and the
viewer's scope apply; newest first or by relevance (search/rank.py), a page at a time.

Every way reads the index's matches newest stored first (highest mention id: FTS5 and
the primary key give that order without a sort) and checks each against its mention's
row, stopping when the page is full: a common word's first page costs what a rare word's
does. The total is counted up to COUNT_CAP the same way ("超过 1000 条" beyond). Kind,
source and a date range are tags in the index (search/index.py), so they narrow the
matches there; the other filters (sentiment, topic, the handler's scope) are checked on
each match read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    exists,
    func,
    not_,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session, selectinload

from monitor.reports.common import KIND_NAMES
from monitor.search import highlight, index, rank
from monitor.search.filters import Filters
from monitor.search.query import QueryError, Term
from monitor.storage.lookups import SEEN_AT, MentionTopic
from monitor.storage.models import Event, Mention, Source

COUNT_CAP = 1000


@dataclass(frozen=True)
class Results:
    hits: list[dict[str, Any]]
    total: int  # counted up to COUNT_CAP
    capped: bool  # more than COUNT_CAP
    page: int
    per_page: int
    ranked_only: int | None = None  # by relevance: only the newest this many were ranked

    @property
    def pages(self) -> int:
        shown = self.total if self.ranked_only is None else min(self.total, self.ranked_only)
        return max(1, -(-shown // self.per_page))


def _haystack() -> ColumnElement[str]:
    return func.lower(Mention.title.concat("\n").concat(Mention.text))


def _contains(term: Term, sqlite: bool) -> ColumnElement[bool]:
    where = func.instr if sqlite else func.strpos
    return where(_haystack(), term.text) > 0


def _conditions(
    session: Session, f: Filters, negative_at: float, scope: ColumnElement[bool] | None
) -> list[ColumnElement[bool]]:
    """The filters, then the substring checks (the cheap ones first)."""
    conds: list[ColumnElement[bool]] = []
    if f.source:
        source_id = session.scalar(select(Source.id).where(Source.name == f.source))
        if source_id is None:
            raise QueryError(f"没有名为“{f.source}”的信息源。")
        conds.append(Mention.source_id == source_id)
    if f.kind:
        conds.append(Mention.kind == f.kind)
    if f.sentiment == "negative":
        conds.append(Mention.negative >= negative_at)
    elif f.sentiment == "non_negative":
        conds.append(Mention.negative < negative_at)
    elif f.sentiment == "unscored":
        conds.append(Mention.negative.is_(None))
    start, end = f.bounds
    seen_at = SEEN_AT
    if start is not None:
        conds.append(seen_at >= start)
    if end is not None:
        conds.append(seen_at < end)
    if f.topic:
        conds.append(
            exists().where(MentionTopic.mention_id == Mention.id, MentionTopic.topic == f.topic)
        )
    if scope is not None:
        # a handler: mentions of its department's events only
        conds.append(exists().where(Event.id == Mention.event_id, scope))
    sqlite = session.get_bind().dialect.name == "sqlite"
    conds += [_contains(t, sqlite) for t in f.query.terms]
    conds += [not_(_contains(t, sqlite)) for t in f.query.excluded]
    return conds


_FTS = table(index.FTS, column("rowid"))
_PG = table(index.PG_TABLE, column("mention_id"), column("doc"))


MAX_DAYS = 62  # a longer date range is checked row by row, not by day tags


def _tags(session: Session, f: Filters) -> list[list[str]]:
    """Groups of index tags a hit must have one of each: its kind, source, day."""
    groups = []
    if f.kind:
        groups.append([index.kind_tag(f.kind)])
    if f.source:
        source_id = session.scalar(select(Source.id).where(Source.name == f.source))
        if source_id is not None:
            groups.append([index.source_tag(source_id)])
    if f.since and f.until and (f.until - f.since).days < MAX_DAYS:
        days = (f.until - f.since).days + 1
        groups.append([index.day_tag(f.since + timedelta(days=n)) for n in range(days)])
    return groups


class _Matches:
    """The index's matches of a query's words and the filters' tags, joined to their
    mentions, newest first."""

    def __init__(self, session: Session, f: Filters) -> None:
        words = [w for t in f.query.terms for w in t.words]
        tags = _tags(session, f)
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            self.key = _FTS.c.rowid
            self.match: ColumnElement[bool] = text(f"{index.FTS} MATCH :fts")  # type: ignore[assignment]
            self.params = {"fts": index.fts_query(words, tags)}
            self.source = _FTS
        else:
            self.key = _PG.c.mention_id
            self.match = _PG.c.doc.op("@@")(text("CAST(:tsq AS tsquery)"))
            self.params = {"tsq": index.tsquery(words, tags)}
            self.source = _PG

    def ids(self, conds: list[ColumnElement[bool]], ordered: bool = False) -> Select[Any]:
        """The ids of the matches that pass `conds`; `newest` orders them."""
        if self.sqlite:
            # FTS5 is the outer loop (MATCH), each match looked up by primary key
            query = select(Mention.id).select_from(self.source)
            query = query.join(Mention, Mention.id == self.key).where(self.match, *conds)
            self._order = self.key
            return query.params(**self.params)
        # PostgreSQL would check the substrings on every mention and hash-join (it cannot
        # know that nearly every match holds them): a LATERAL look-up of each match keeps
        # the work to the matches, and to a page of them
        hits = select(self.key.label("id")).where(self.match)
        hits = hits.order_by(self.key.desc()) if ordered else hits  # (a count reads any order)
        hits = hits.subquery("hits")
        # (LIMIT 1: one row per id anyway, and a subquery with a LIMIT is not flattened)
        row = select(Mention.id).where(Mention.id == hits.c.id, *conds).limit(1).lateral("m")
        self._order = hits.c.id
        return select(hits.c.id).join(row, true()).params(**self.params)

    def newest(self, conds: list[ColumnElement[bool]]) -> Select[Any]:
        query = self.ids(conds, ordered=True)
        return query.order_by(self._order.desc())


def _page(matches: _Matches, f: Filters, conds: list[ColumnElement[bool]]) -> list[int]:
    offset = (f.page - 1) * f.per_page
    if f.order != "relevance":
        newest = matches.newest(conds).limit(f.per_page).offset(offset)
        return list(matches.session.scalars(newest))
    pool = matches.newest(conds).limit(rank.POOL).subquery()
    rows = matches.session.execute(
        select(Mention.id, Mention.title, Mention.text)
        .join(pool, pool.c.id == Mention.id)
        .order_by(Mention.id.desc())
    ).all()
    return rank.ranked([tuple(r) for r in rows], f.query.terms)[offset : offset + f.per_page]


def search(
    session: Session,
    f: Filters,
    negative_at: float,
    scope: ColumnElement[bool] | None = None,
) -> Results:
    """One page of hits; `scope` is the viewer's condition on events (web/scope.visible)."""
    conds = _conditions(session, f, negative_at, scope)
    matches = _Matches(session, f)
    ids = _page(matches, f, conds)
    counted = matches.ids(conds).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    mentions = {
        m.id: m
        for m in session.scalars(
            select(Mention).where(Mention.id.in_(ids)).options(selectinload(Mention.source))
        )
    }
    event_ids = {m.event_id for m in mentions.values() if m.event_id is not None}
    events: dict[int, str] = {}
    if event_ids:
        query = select(Event.id, Event.title).where(Event.id.in_(event_ids))
        events = {i: t for i, t in session.execute(query)}
    marked = f.query.marked
    hits = [hit_view(mentions[i], marked, negative_at, events) for i in ids if i in mentions]
    return Results(
        hits,
        min(total, COUNT_CAP),
        total > COUNT_CAP,
        f.page,
        f.per_page,
        rank.POOL if f.order == "relevance" and total > rank.POOL else None,
    )


def hit_view(
    m: Mention, marked: list[str], negative_at: float, events: dict[int, str]
) -> dict[str, Any]:
    """What a hit shows: never the author of a manual item's reporter (it is not on the
    mention at all, see intake.py) nor the mention's extra fields."""
    neg = m.negative
    seen: datetime = m.published_at or m.fetched_at
    return {
        "id": m.id,
        "event_id": m.event_id,
        "event_title": events.get(m.event_id) if m.event_id else None,
        "source": m.source.title if m.source else None,
        "source_name": m.source.name if m.source else None,
        "kind": m.kind,
        "kind_label": KIND_NAMES.get(m.kind, m.kind),
        "site": m.site,
        "author": None if m.kind == "manual" else m.author,
        "title": m.title,
        "title_html": highlight.mark(m.title or "", marked),
        "snippet_html": highlight.snippet(m.text or "", marked),
        "url": m.url,
        "published_at": m.published_at,
        "fetched_at": m.fetched_at,
        "seen_at": seen,
        "negative": None if neg is None else round(neg, 2),
        "sentiment": None if neg is None else ("负面" if neg >= negative_at else "非负面"),
        "topics": list(m.topics or []),
    }
