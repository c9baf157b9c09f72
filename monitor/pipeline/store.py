"""Dedup and store a normalised mention with its evidence (存证)."""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.config.models import Settings
from monitor.pipeline.normalise import Normalised
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


def is_duplicate(session: Session, n: Normalised) -> bool:
    """Seen before: the same canonical URL. Same text at another URL is a repost, kept."""
    return (
        session.scalar(select(Mention.id).where(Mention.canonical_url == n.canonical_url))
        is not None
    )


def store(session: Session, source: Source, n: Normalised, now: datetime) -> Mention | None:
    """Insert the mention and its evidence; None when it was already stored."""
    if is_duplicate(session, n):
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
    if n.raw is not None:
        session.add(
            Evidence(
                mention_id=mention.id,
                final_url=n.final_url or n.url,
                fetched_at=n.fetched_at,
                sha256=hashlib.sha256(n.raw).hexdigest(),
                size=len(n.raw),
                body_gz=gzip.compress(n.raw),
            )
        )
    source.items_total += 1
    return mention
