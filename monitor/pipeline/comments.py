"""Keep the comments read under a mention: new ones added, known ones brought up to date.

A comment is one row per (mention, the site's comment id), so reading a hot post's comments
again on a later crawl updates their like counts and adds the new ones instead of copying
them. The comments are scored later, by the analysis stage, which holds the sentiment model
(monitor/scoring/comments.py); storing one marks its event's comment figures stale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from monitor.pipeline.normalise import Normalised, ReadComment
from monitor.storage.comments import Comment
from monitor.storage.models import Event, Mention


def keep_comments(session: Session, read: Iterable[tuple[Mention, Normalised]]) -> int:
    """Store the comments each item brought for its stored mention; how many mentions'
    comments were new or changed. An item that read no comments leaves them as they are.

    The mention's `extra["comments_read"]` says how many of its comments are stored (what
    analysis looks at when it files the mention under an event) and `comments_error` what
    failed in the last reading; the events of mentions already analysed are marked for
    their comment figures to be summed again.
    """
    pairs = [(m, n) for m, n in read if n.hot_comments is not None]
    if not pairs:
        return 0
    ids = [m.id for m, _ in pairs]
    known = {
        (c.mention_id, c.key): c
        for c in session.scalars(select(Comment).where(Comment.mention_id.in_(ids)))
    }
    stored = Counter(mention_id for mention_id, _ in known)
    rows: list[dict] = []
    added: set[tuple[int, str]] = set()
    changed = 0
    stale: set[int] = set()
    for mention, n in pairs:
        comments = n.hot_comments or ()
        fetched_at = n.fetched_at
        moved = False
        for position, c in enumerate(comments):
            if (mention.id, c.key) in added:
                continue  # the same post twice in one batch
            row = known.get((mention.id, c.key))
            if row is None:
                rows.append(comment_row(mention.id, position, c, fetched_at))
                added.add((mention.id, c.key))
                stored[mention.id] += 1
                moved = True
                continue
            row.fetched_at = fetched_at
            row.position = position
            if c.likes > row.likes:  # like counts only grow; a lower one is a stale cache
                row.likes = c.likes
                moved = True
        extra = {k: v for k, v in (mention.extra or {}).items() if k != "comments_error"}
        if n.extra.get("comments_error"):
            extra["comments_error"] = n.extra["comments_error"]
        extra["comments_read"] = stored[mention.id]
        if extra != mention.extra:
            mention.extra = extra
        if moved:
            changed += 1
            if mention.event_id is not None:
                stale.add(mention.event_id)
    if rows:
        session.execute(insert(Comment), rows)
    if stale:
        session.execute(
            update(Event).where(Event.id.in_(stale)).values(comments_stale=True),
            execution_options={"synchronize_session": False},
        )
    return changed


def new_comment_rows(mention_id: int, n: Normalised) -> list[dict]:
    """The rows of a mention stored for the first time (store_batch inserts them at once)."""
    return [comment_row(mention_id, i, c, n.fetched_at) for i, c in enumerate(n.hot_comments or ())]


def comment_row(mention_id: int, position: int, c: ReadComment, fetched_at: datetime) -> dict:
    return {
        "mention_id": mention_id,
        "key": c.key,
        "position": position,
        "author": c.author,
        "published_at": c.published_at,
        "text": c.text,
        "likes": c.likes,
        "negative": None,
        "fetched_at": fetched_at,
    }
