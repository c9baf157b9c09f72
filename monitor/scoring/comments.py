"""What the public says under an event's posts (公众反应, 网民观点): the comments' sentiment,
summed per event, and the grade reason it gives (评论负面占比 72%（1,240 条评论）).

Comments are stored unscored by the crawl (pipeline/comments.py), which marks the event's
figures stale; the analysis stage, which holds the model, scores them and sums them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from monitor.config.models import GradingConfig
from monitor.config.types import grade_rank
from monitor.scoring.grade import Reason, apply_floors, grade_for
from monitor.scoring.sentiment import SentimentModel
from monitor.storage.comments import Comment
from monitor.storage.models import Event, Mention

FACTOR = "comments"
# Comments scored per query while summing an event (a hot event holds thousands).
SCORE_CHUNK = 1000


@dataclass(frozen=True)
class CommentFigures:
    read: int
    negative: int

    @property
    def share(self) -> float:
        return self.negative / self.read if self.read else 0.0


def comment_reason(read: int, negative: int, cfg: GradingConfig) -> Reason | None:
    """The grade reason the comments give, when enough are read and enough are negative."""
    if read < cfg.comment_min_count:
        return None
    share = negative / read
    if share < cfg.comment_negative_share:
        return None
    return Reason(
        FACTOR, f"评论负面占比 {share * 100:.0f}%（{read:,} 条评论）", cfg.comment_points * share
    )


def with_comment_reason(reasons: list[Reason], ev: Event, cfg: GradingConfig) -> list[Reason]:
    """`reasons` with the event's comment reason in place of any earlier one."""
    kept = [r for r in reasons if r.factor != FACTOR]
    reason = comment_reason(ev.comments_read or 0, ev.comments_negative or 0, cfg)
    return kept if reason is None else [*kept, reason]


def score_comments(session: Session, event_id: int, model: SentimentModel) -> int:
    """Score the event's comments that have no score yet; how many were scored."""
    done = 0
    while True:
        rows = session.scalars(
            select(Comment)
            .join(Mention, Mention.id == Comment.mention_id)
            .where(Mention.event_id == event_id, Comment.negative.is_(None))
            .limit(SCORE_CHUNK)
        ).all()
        if not rows:
            return done
        for c in rows:
            c.negative = round(model.negative(c.text), 3)
        session.flush()
        done += len(rows)


def figures(session: Session, event_id: int, negative_at: float) -> CommentFigures:
    """How many comments the event's mentions hold, and how many are negative."""
    read, negative = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Comment.negative >= negative_at, 1), else_=0)), 0),
        )
        .select_from(Comment)
        .join(Mention, Mention.id == Comment.mention_id)
        .where(Mention.event_id == event_id)
    ).one()
    return CommentFigures(int(read), int(negative))


def stale_events(session: Session) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.comments_stale.is_(True)).order_by(Event.id))
    )


def sum_comments(
    session: Session, ev: Event, model: SentimentModel, negative_at: float, cfg: GradingConfig
) -> str:
    """Score and sum the event's comments and regrade it; the grade it had before.

    As every automatic grade, it only rises: comments that turn kinder never lower it.
    The other reasons stand as they were (spikes, floors, the strongest mention).
    """
    score_comments(session, ev.id, model)
    found = figures(session, ev.id, negative_at)
    ev.comments_read, ev.comments_negative = found.read, found.negative
    ev.comments_stale = False
    old = ev.grade
    reasons = [
        Reason(r["factor"], r["text"], r["points"])
        for r in ev.grade_reasons or []
        if r["factor"] != "floor"
    ]
    reasons = with_comment_reason(reasons, ev, cfg)
    grade = grade_for(sum(r.points for r in reasons), cfg)
    grade, floor = apply_floors(grade, set(ev.categories or []), ev.heat, cfg)
    if floor is None:
        # a floor reached before still holds (its inputs only grow)
        floor_reasons = [r for r in ev.grade_reasons or [] if r["factor"] == "floor"]
        reasons += [Reason(r["factor"], r["text"], r["points"]) for r in floor_reasons]
    else:
        reasons.append(floor)
    ev.grade_reasons = [r.as_dict() for r in reasons]
    if grade_rank(grade) > grade_rank(ev.grade):
        ev.grade = grade
    return old


def mix(read: int, negative: int) -> dict[str, Any]:
    """The comments' sentiment as the event page and the reports show it."""
    return {
        "read": read,
        "negative": negative,
        "other": read - negative,
        "negative_pct": round(negative * 100 / read, 1) if read else 0.0,
    }


# The most-liked comments a page or report looks at (the views are formed among them).
POOL = 1000


def event_comments(session: Session, event_id: int, limit: int = POOL) -> list[dict[str, Any]]:
    """The event's comments, most liked first, each with the post it was read under."""
    rows = session.execute(
        select(Comment, Mention.url, Mention.title, Mention.author)
        .join(Mention, Mention.id == Comment.mention_id)
        .where(Mention.event_id == event_id)
        .order_by(Comment.likes.desc(), Comment.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": c.id,
            "mention_id": c.mention_id,
            "author": c.author,
            "published": c.published_at,
            "text": c.text,
            "likes": c.likes,
            "negative": c.negative,
            "post_url": url,
            "post_title": title,
            "post_author": author,
        }
        for c, url, title, author in rows
    ]


def public_reaction(
    session: Session, ev: Event, negative_at: float, top: int = 5, views: int = 5
) -> dict[str, Any]:
    """What the public says under the event's posts: the comments' sentiment mix (as last
    summed), the most-liked comments and the representative views."""
    from monitor.scoring.comment_views import comment_views

    pool = event_comments(session, ev.id)
    return {
        "mix": mix(ev.comments_read or 0, ev.comments_negative or 0),
        "top": pool[:top],
        "views": comment_views(pool, negative_at, views),
    }
