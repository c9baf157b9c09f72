"""Dedup and store a normalised mention with its evidence (存证)."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.config.models import Settings
from monitor.pipeline.comments import keep_comments, new_comment_rows
from monitor.pipeline.dedup import fingerprint, fingerprint_many
from monitor.pipeline.normalise import Normalised
from monitor.pipeline.simhash import simhash_comparable
from monitor.scoring.scorer import MentionScore
from monitor.search import index as search_index
from monitor.storage import counts
from monitor.storage.comments import Comment
from monitor.storage.lookups import MentionTopic, topic_entries
from monitor.storage.models import Evidence, Mention, Source


def ensure_source(session: Session, settings: Settings, name: str) -> Source:
    src = session.scalar(select(Source).where(Source.name == name))
    cfg = settings.sources.get(name)
    if src is None:
        if cfg is None:
            src = Source(name=name, kind="manual", title=name, tier="local")
        else:
            src = Source(name=name, kind=cfg.kind, title=cfg.title, tier=cfg.tier)
        session.add(src)
        session.flush()
    elif cfg is not None:
        src.kind, src.title, src.tier = cfg.kind, cfg.title, cfg.tier
    return src


def stored_as(session: Session, n: Normalised) -> Mention | None:
    """Seen before: the same canonical URL. Same text at another URL is a copy: kept, and
    linked to the story's first publication by pipeline/dedup.py."""
    return session.scalar(select(Mention).where(Mention.canonical_url == n.canonical_url))


def incomplete_threads(session: Session, source: str) -> set[str]:
    """Canonical URLs of `source`'s threads stored without all their posts (a later page
    failed): read again even when answered."""
    query = select(Mention.canonical_url, Mention.extra).join(Source)
    query = query.where(Source.name == source, Mention.kind == "board")
    return {url for url, extra in session.execute(query) if (extra or {}).get("posts_incomplete")}


def refresh(mention: Mention, n: Normalised) -> None:
    """What can change on a page already stored: its counts and a message's reply status."""
    mention.reposts = max(mention.reposts, n.reposts)
    mention.comments = max(mention.comments, n.comments)
    mention.likes = max(mention.likes, n.likes)
    if n.reply_status and n.reply_status != mention.reply_status:
        mention.reply_status = n.reply_status
        if n.extra.get("reply_text"):
            mention.extra = {**mention.extra, "reply_text": n.extra["reply_text"]}
    posts = n.extra.get("posts")
    before = mention.extra.get("posts") or []
    # a thread only grows: its new posts (and a reply posted in it) are kept
    if posts is not None and posts != before and len(posts) >= len(before):
        keep = {k: n.extra[k] for k in ("posts", "reply_text", "posts_incomplete") if k in n.extra}
        old = {k: v for k, v in mention.extra.items() if k != "posts_incomplete"}
        mention.extra = {**old, **keep}


def store(session: Session, source: Source, n: Normalised, now: datetime) -> Mention | None:
    """Insert the mention and its evidence; None when it was already stored (then only
    its counts and reply status are brought up to date)."""
    existing = stored_as(session, n)
    if existing is not None:
        refresh(existing, n)
        keep_comments(session, [(existing, n)])
        return None
    mention = Mention(
        source_id=source.id,
        kind=n.kind,
        url=n.url,
        canonical_url=n.canonical_url,
        content_hash=n.content_hash,
        title=n.title,
        text=n.text,
        author=n.author,
        site=n.site or source.title,
        published_at=n.published_at,
        fetched_at=n.fetched_at,
        reposts=n.reposts,
        comments=n.comments,
        likes=n.likes,
        reposted_from=n.reposted_from,
        reply_status=n.reply_status,
        extra=n.extra,
    )
    try:
        with session.begin_nested():
            session.add(mention)
            session.flush()
    except IntegrityError:
        return None  # another crawler stored it between our check and insert
    fingerprint(session, mention)
    keep_comments(session, [(mention, n)])
    if n.raw is not None:
        session.add(evidence(mention.id, n.final_url or n.url, n.fetched_at, n.raw))
    source.items_total += 1
    return mention


def store_batch(
    session: Session,
    settings: Settings,
    items: list[Normalised],
    now: datetime,
    scores: Sequence[MentionScore | None] | None = None,
    simhashes: Sequence[tuple[int, bool] | None] | None = None,
) -> list[bool]:
    """`store` for many items at once: one query for what is stored already, one INSERT
    each for the mentions, their fingerprints and their evidence. True for each item
    stored, False for one stored before (refreshed, as by `store`). Raises IntegrityError
    when another writer stored one of them meanwhile: the caller, having wrapped this in a
    savepoint, then stores the items one by one with `store`. `scores` (one per item, or
    None) are stored with the new mentions, for the analysis stage to use as they are;
    `simhashes` (one per item, or None) are `simhash_comparable` of each text, computed
    elsewhere (the scoring worker), and computed here where missing."""
    urls = [n.canonical_url for n in items]
    scored = dict(zip(urls, scores or (), strict=False))
    given = dict(zip(urls, simhashes or (), strict=False))
    # The CPU work first, so the database is held only for the statements.
    hashes = {
        n.canonical_url: given.get(n.canonical_url) or simhash_comparable(n.text or n.title)
        for n in items
    }
    packed = {n.canonical_url: _pack(n.raw) for n in items if n.raw is not None}
    words = {n.canonical_url: search_index.cut(n.title, n.text) for n in items}
    names = sorted({n.source for n in items})
    if session.get_bind().dialect.name == "sqlite":
        # A write as the first statement waits (busy_timeout) for SQLite's one writer's
        # lock; a write after a read would fail at once if another process wrote between.
        session.execute(
            update(Source).where(Source.name.in_(names)).values(items_total=Source.items_total)
        )
    sources = {name: ensure_source(session, settings, name) for name in names}
    existing = {
        m.canonical_url: m
        for m in session.scalars(select(Mention).where(Mention.canonical_url.in_(hashes)))
    }
    fresh: dict[str, Normalised] = {}
    outcome = []
    keep_comments(
        session, [(existing[n.canonical_url], n) for n in items if n.canonical_url in existing]
    )
    for n in items:
        if n.canonical_url in existing:
            refresh(existing[n.canonical_url], n)
        elif n.canonical_url not in fresh:
            fresh[n.canonical_url] = n
            outcome.append(True)
            continue
        outcome.append(False)  # stored before, or twice in this batch
    if not fresh:
        return outcome
    new = list(fresh.values())
    ids = session.scalars(
        insert(Mention).returning(Mention.id, sort_by_parameter_order=True),
        [_row(sources[n.source], n, scored.get(n.canonical_url)) for n in new],
    ).all()
    fingerprint_many(session, [(i, hashes[n.canonical_url]) for i, n in zip(ids, new, strict=True)])
    # the search index, in this transaction (what the ORM stores, index.keep_current does)
    search_index.stored(
        session.connection(),
        [
            search_index.entry(
                i,
                words[n.canonical_url],
                n.kind,
                sources[n.source].id,
                n.published_at or n.fetched_at,
            )
            for i, n in zip(ids, new, strict=True)
        ],
    )
    proofs = [
        {
            "mention_id": i,
            "final_url": n.final_url or n.url,
            "fetched_at": n.fetched_at,
            **packed[n.canonical_url],
        }
        for i, n in zip(ids, new, strict=True)
        if n.canonical_url in packed
    ]
    if proofs:
        session.execute(insert(Evidence), proofs)
    comments = [row for i, n in zip(ids, new, strict=True) for row in new_comment_rows(i, n)]
    if comments:
        session.execute(insert(Comment), comments)
    topics = [
        row
        for i, n in zip(ids, new, strict=True)
        if (score := scored.get(n.canonical_url)) is not None
        for row in topic_entries(i, score.topics, n.published_at or n.fetched_at)
    ]
    if topics:
        session.execute(insert(MentionTopic), topics)
        counts.topics_changed(session.connection(), topics, ())
    for n in new:
        sources[n.source].items_total += 1
    return outcome


def _row(source: Source, n: Normalised, score: MentionScore | None = None) -> dict:
    return _scored(score) | {
        "source_id": source.id,
        "kind": n.kind,
        "url": n.url,
        "canonical_url": n.canonical_url,
        "content_hash": n.content_hash,
        "title": n.title,
        "text": n.text,
        "author": n.author,
        "site": n.site or source.title,
        "published_at": n.published_at,
        "fetched_at": n.fetched_at,
        "reposts": n.reposts,
        "comments": n.comments,
        "likes": n.likes,
        "reposted_from": n.reposted_from,
        "reply_status": n.reply_status,
        "extra": n.extra | {"comments_read": len(n.hot_comments)} if n.hot_comments else n.extra,
    }


def _scored(score: MentionScore | None) -> dict:
    """The score's columns; unscored (the same keys: one INSERT takes every row) when None."""
    if score is None:
        return {
            "negative": None,
            "topics": [],
            "categories": {},
            "heat": 0.0,
            "grade": None,
            "grade_reasons": [],
            "terms": None,
        }
    return {
        "negative": score.negative,
        "topics": score.topics,
        "categories": score.categories,
        "heat": score.heat,
        "grade": score.grade,
        "grade_reasons": score.reasons,
        "terms": score.terms,
    }


# Evidence is written once and rarely read: level 1 compresses pages about as well as
# the default (HTML is repetitive) at a fraction of the time.
GZIP_LEVEL = 1


def evidence(mention_id: int, final_url: str, fetched_at: datetime, raw: bytes) -> Evidence:
    """存证: the bytes as fetched, compressed, with their SHA-256, final URL and fetch time."""
    return Evidence(**_evidence_row(mention_id, final_url, fetched_at, raw))


def _evidence_row(mention_id: int, final_url: str, fetched_at: datetime, raw: bytes) -> dict:
    return {
        "mention_id": mention_id,
        "final_url": final_url,
        "fetched_at": fetched_at,
        **_pack(raw),
    }


def _pack(raw: bytes) -> dict:
    return {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
        "body_gz": gzip.compress(raw, compresslevel=GZIP_LEVEL),
    }
