"""Events as people shape and read them: merge, split, and the event's profile.

Profile: propagation path (first publisher → reposts → media pickup), hourly timeline,
sentiment mix and representative netizen views, all computed from the event's mentions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases import Actor, open_case, return_to_judgment, transition
from monitor.cases.actors import actor_name
from monitor.cases.deadlines import DeadlineBook
from monitor.clock import as_utc, beijing
from monitor.config.models import Settings
from monitor.config.types import grade_rank
from monitor.errors import InvalidTransition, NotFound
from monitor.pipeline.group import TITLE_RANK, publisher
from monitor.storage.models import Event, Mention
from monitor.storage.scoring import EventEdit

MEDIA = ("news", "feed")


def _mentions(session: Session, event_id: int) -> list[Mention]:
    return list(
        session.scalars(select(Mention).where(Mention.event_id == event_id).order_by(Mention.id))
    )


def _when(m: Mention) -> datetime:
    return as_utc(m.published_at or m.fetched_at)


def rebuild(session: Session, ev: Event, negative_at: float) -> None:
    """The event's counts, origin and spread recomputed from the mentions it now holds.

    The grade is kept: it only rises automatically, and people lower it by judgment.
    """
    ms = sorted(_mentions(session, ev.id), key=_when)
    if not ms:
        return
    first = ms[0]
    ev.mention_count = len(ms)
    ev.negative_count = sum(1 for m in ms if (m.negative or 0) >= negative_at)
    ev.kinds = sorted({m.kind for m in ms})
    ev.source_count = len({m.source_id for m in ms})
    ev.topics = sorted({t for m in ms for t in (m.topics or [])})
    ev.categories = sorted({c for m in ms for c in (m.categories or {})})
    ev.first_published_at = first.published_at
    ev.first_source, ev.first_url, ev.origin_kind = publisher(first), first.url, first.kind
    ev.discovered_at = min(as_utc(m.fetched_at) for m in ms)
    ev.last_mention_at = _when(ms[-1])
    ev.peak_heat = max(m.heat for m in ms)
    ev.comments_stale = True  # its comments are summed again at the next analysis
    best = max(ms, key=lambda m: TITLE_RANK.get(m.kind, 1))
    ev.title, ev.title_rank = best.title[:500], TITLE_RANK.get(best.kind, 1)


def merge(
    session: Session,
    keep: Event,
    other: Event,
    actor: Actor | str,
    settings: Settings,
    now: datetime,
    why: str | None = None,
    book: DeadlineBook | None = None,
) -> int:
    """Move every mention of `other` into `keep`; `other` becomes 已合并. Mentions moved.

    `keep` takes the higher grade of the two; with `book`, a grade raised so sends it back
    to 研判 on the clocks the higher grade calls for (from its own first discovery).
    """
    if keep.id == other.id:
        raise InvalidTransition("不能把事件合并到它自己。")
    note = f"并入事件 #{keep.id}" + (f"：{why}" if why else "")
    transition(session, other, "merged", actor, note, now, into=keep.id)
    moved = _mentions(session, other.id)
    for m in moved:
        m.event_id = keep.id
    session.flush()
    raised = grade_rank(other.grade) > grade_rank(keep.grade)
    if raised:
        keep.grade, keep.grade_reasons = other.grade, other.grade_reasons
    keep.terms = list(dict.fromkeys(list(keep.terms) + list(other.terms)))[:40]
    rebuild(session, keep, settings.scoring.sentiment.negative_at)
    keep.updated_at = now
    session.add(
        EventEdit(
            event_id=keep.id,
            kind="merge",
            actor=actor_name(actor),
            detail={"from": other.id, "mentions": [m.id for m in moved]}
            | ({"why": why} if why else {}),
            at=now,
        )
    )
    session.flush()
    if raised and book is not None:
        return_to_judgment(
            session, keep, actor, f"并入事件 #{other.id} 后等级升至{keep.grade}级", now, book=book
        )
    return len(moved)


def split(
    session: Session,
    ev: Event,
    mention_ids: list[int],
    actor: Actor,
    settings: Settings,
    book: DeadlineBook,
    now: datetime,
) -> Event:
    """A new event of the given mentions, taken out of `ev`; its own case and clocks."""
    held = {m.id: m for m in _mentions(session, ev.id)}
    missing = [i for i in mention_ids if i not in held]
    if missing:
        raise NotFound(f"事件 #{ev.id} 中没有信息 {'、'.join(map(str, missing))}。")
    if len(set(mention_ids)) >= len(held):
        raise InvalidTransition("拆分须在原事件中至少留下一条信息。")
    moving = sorted((held[i] for i in set(mention_ids)), key=_when)
    top = max(moving, key=lambda m: grade_rank(m.grade or "IV"))
    new = Event(
        title=moving[0].title[:500],
        grade=top.grade or "IV",
        grade_reasons=list(top.grade_reasons or []),
        peak_points=sum(r["points"] for r in top.grade_reasons or [] if r["factor"] != "heat"),
        peak_reasons=[r for r in top.grade_reasons or [] if r["factor"] != "heat"],
        terms=[],
        origin_kind=moving[0].kind,
        first_source=publisher(moving[0]),
        first_url=moving[0].url,
        discovered_at=as_utc(moving[0].fetched_at),
        last_mention_at=_when(moving[-1]),
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    for m in moving:
        m.event_id = new.id
    session.flush()
    negative_at = settings.scoring.sentiment.negative_at
    rebuild(session, new, negative_at)
    rebuild(session, ev, negative_at)
    ev.updated_at = now
    open_case(session, new, settings, book, f"{moving[0].title}\n{moving[0].text}", now)
    session.add(
        EventEdit(
            event_id=ev.id,
            kind="split",
            actor=actor.name,
            detail={"into": new.id, "mentions": [m.id for m in moving]},
            at=now,
        )
    )
    session.flush()
    return new


def profile(session: Session, ev: Event, negative_at: float, views: int = 5) -> dict[str, Any]:
    """Propagation path, hourly timeline (Beijing time), sentiment mix, typical views."""
    ms = sorted(_mentions(session, ev.id), key=_when)
    path: list[str] = []
    seen_media = False
    for i, m in enumerate(ms):
        who = publisher(m)
        at = beijing(_when(m)).strftime("%m-%d %H:%M")
        if i == 0:
            path.append(f"{at} 首发：{who}")
        elif m.kind in MEDIA and not seen_media and ev.origin_kind not in MEDIA:
            path.append(f"{at} 媒体跟进：{who}")
            seen_media = True
        elif m.reposted_from or m.kind == "weibo":
            path.append(f"{at} 转发/跟帖：{who}")
        else:
            path.append(f"{at} 报道：{who}")
    hours = Counter(beijing(_when(m)).strftime("%Y-%m-%d %H:00") for m in ms)
    negative = sum(1 for m in ms if (m.negative or 0) >= negative_at)
    from monitor.scoring.comments import public_reaction

    return {
        "path": path,
        "timeline": sorted(hours.items()),
        "sentiment": {"negative": negative, "other": len(ms) - negative},
        "views": representative_views(ms, views),
        # what the public says under the posts: comments' mix, most liked, views
        "comments": public_reaction(session, ev, negative_at, views=views),
    }


VIEW_KINDS = ("weibo", "board")  # netizens' own posts: where the views come from


def representative_views(ms: list[Mention], views: int = 5) -> list[str]:
    """Distinct netizen posts (Weibo, message boards), most engaged first, one per text."""
    seen: set[str] = set()
    typical: list[str] = []
    for m in sorted(ms, key=lambda m: -(m.reposts + m.comments + m.likes)):
        if m.kind not in VIEW_KINDS:
            continue
        gist = (m.text or m.title).strip().replace("\n", " ")[:80]
        if gist and gist[:20] not in seen:
            seen.add(gist[:20])
            typical.append(gist)
        if len(typical) == views:
            break
    return typical
