"""Group a scored mention into an event: repost links, same text, or shared distinctive terms.

The live pipeline groups into the stored events; `yuqing backtest` replays the same rule
(`candidates_in`, `bridged`, `new_event`, `absorb`) over events it keeps in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.models import EventsConfig
from monitor.scoring import heat
from monitor.scoring.scorer import MentionScore
from monitor.scoring.spikes import BASELINE_HOURS
from monitor.storage import counts
from monitor.storage.held import HeldCounts
from monitor.storage.lookups import EventTerm
from monitor.storage.models import Event, Mention
from workflow.states import OPEN_STATES

MAX_TERMS = 40


class EventIndex(Protocol):
    """Where grouping looks for a mention's event: the database, or a replay in memory."""

    def linked(self, mention: Mention) -> Event | None:
        """The event of the post this one reposts, or of an identical text seen earlier."""

    def sharing(
        self, terms: set[str], since: datetime, at_least: int
    ) -> Iterable[tuple[int, list[str], int]]:
        """(id, topics, terms shared) of each open event with a mention at or after `since`
        that shares at least `at_least` of `terms`."""

    def get(self, event_id: int) -> Event | None: ...


class StoredEvents:
    """The events in the database, as the live pipeline groups into them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def linked(self, mention: Mention) -> Event | None:
        if mention.reposted_from:
            ev = self.session.scalar(
                select(Event)
                .join(Mention, Mention.event_id == Event.id)
                .where(Mention.canonical_url == mention.reposted_from)
            )
            if ev is not None:
                return ev
        return self.session.scalar(
            select(Event)
            .join(Mention, Mention.event_id == Event.id)
            .where(Mention.content_hash == mention.content_hash, Mention.id != mention.id)
            .limit(1)
        )

    def sharing(
        self, terms: set[str], since: datetime, at_least: int
    ) -> Iterable[tuple[int, list[str], int]]:
        # From the term index (storage/lookups.py): the open events that share nothing
        # with the mention, however many, are never read.
        if not terms or at_least < 1:
            return []
        shared = (
            select(EventTerm.event_id, func.count().label("n"))
            .where(EventTerm.term.in_(sorted(terms)))
            .group_by(EventTerm.event_id)
            .having(func.count() >= at_least)
            .subquery()
        )
        rows = self.session.execute(
            select(Event.id, Event.topics, shared.c.n)
            .join(shared, shared.c.event_id == Event.id)
            .where(Event.state.in_(OPEN_STATES), Event.last_mention_at >= since)
        )
        return ((i, topics, n) for i, topics, n in rows)

    def get(self, event_id: int) -> Event | None:
        return self.session.get(Event, event_id)


def find_events(
    session: Session, mention: Mention, score: MentionScore, cfg: EventsConfig
) -> list[Event]:
    return candidates_in(StoredEvents(session), mention, score, cfg)


def candidates_in(
    index: EventIndex, mention: Mention, score: MentionScore, cfg: EventsConfig
) -> list[Event]:
    """Every open event this mention is about, best first: the one grouping rule of the
    project. The event of the post it reposts or repeats comes first, then the events by
    the number of distinctive terms shared (ties: the older event)."""
    linked = index.linked(mention)
    out = [linked] if linked is not None and linked.state in OPEN_STATES else []
    when = mention.published_at or mention.fetched_at
    terms = set(score.terms)
    topics = set(score.topics)
    scored: list[tuple[int, int]] = []
    for event_id, ev_topics, shared in index.sharing(
        {t[:100] for t in terms}, when - cfg.window, cfg.min_shared_terms
    ):
        if topics and ev_topics and not topics.intersection(ev_topics):
            continue  # about different things, whatever words they share
        # when only one of the two is on a watched topic, it takes more evidence
        needed = cfg.min_shared_terms + (1 if bool(ev_topics) != bool(topics) else 0)
        if shared >= needed:
            scored.append((shared, event_id))
    for _, event_id in sorted(scored, key=lambda x: (-x[0], x[1])):
        ev = index.get(event_id)
        if ev is not None and all(ev is not o for o in out):
            out.append(ev)
    return out


def bridged(found: list[Event]) -> tuple[Event | None, list[Event]]:
    """The event a mention joins, and the events it shows to be the same matter.

    A mention about two open events (it shares enough with each) bridges them: they are one
    matter that arrived in two pieces, e.g. an official notice and the posts about the same
    flood. Events nobody has acted on yet (收集) are merged into the survivor, which is the
    oldest one people are already working on, else the oldest: its clocks started first.
    Events already in people's hands are never merged automatically, nor events that do
    not share a watched topic with the best match.
    """
    if not found:
        return None, []
    best = found[0]
    same = [e for e in found if e is best or _alike(e, best)]
    worked = [e for e in same if e.state != "collected"]
    keep = min(worked or same, key=lambda e: (as_utc(e.discovered_at), e.id))
    return keep, [e for e in same if e is not keep and e.state == "collected"]


def _alike(a: Event, b: Event) -> bool:
    """On a watched topic in common, or both on none: only such events are merged."""
    return bool(set(a.topics) & set(b.topics)) if a.topics or b.topics else True


def publisher(mention: Mention) -> str:
    """Who published it, as officers say it: '云川新闻网', '新浪微博 @临江路的阿杰'.

    Only public accounts are named: this text travels in alerts, and a citizen who writes
    to a message board is not named beyond the event's own page (举报人保密, 004_* 五).
    """
    outlet = mention.site or mention.source.title
    if mention.author and mention.kind == "weibo":
        return f"{outlet} @{mention.author}"[:200]
    return outlet[:200]


# An event is named by its best headline: an outlet's title beats a board message's
# subject, which beats the first words of a microblog post.
TITLE_RANK = {"news": 3, "feed": 3, "board": 2, "manual": 2, "weibo": 1}


def create_event(session: Session, mention: Mention, score: MentionScore, now: datetime) -> Event:
    ev = new_event(mention, score, now)
    session.add(ev)
    session.flush()
    return ev


def new_event(mention: Mention, score: MentionScore, now: datetime) -> Event:
    """The event a mention opens, not yet stored (a replay keeps it in memory)."""
    return Event(
        title=mention.title[:500],
        title_rank=TITLE_RANK.get(mention.kind, 1),
        state="collected",
        grade="IV",
        grade_reasons=[],
        topics=list(score.topics),
        categories=sorted(score.categories),
        terms=list(score.terms),
        origin_kind=mention.kind,
        kinds=[mention.kind],
        first_source=publisher(mention),
        first_url=mention.url,
        first_published_at=mention.published_at,
        discovered_at=mention.fetched_at,
        last_mention_at=mention.published_at or mention.fetched_at,
        mention_count=0,
        negative_count=0,
        source_count=0,
        heat=0.0,
        peak_points=0.0,
        peak_reasons=[],
        peak_heat=0.0,
        created_at=now,
        updated_at=now,
    )


def add_to_event(
    session: Session,
    ev: Event,
    mention: Mention,
    score: MentionScore,
    negative_at: float,
    now: datetime,
    held: HeldCounts,
) -> None:
    mention.event_id = ev.id
    held.joined(ev.id, mention.source_id, mention.published_at or mention.fetched_at)
    absorb(ev, mention, score, negative_at, now)
    if ev.mention_count == 1 or held.source_count(ev.id, mention.source_id) == 1:
        ev.source_count = (ev.source_count or 0) + 1  # a source new to the event


def absorb(
    ev: Event, mention: Mention, score: MentionScore, negative_at: float, now: datetime
) -> None:
    """The event's counts, title, topics, terms and origin with this mention in it.

    Touches only the event (a replay's events are never stored); the caller links the
    mention and counts the event's distinct sources.
    """
    ev.mention_count += 1
    if TITLE_RANK.get(mention.kind, 1) > ev.title_rank:
        ev.title, ev.title_rank = mention.title[:500], TITLE_RANK.get(mention.kind, 1)
    if score.negative >= negative_at:
        ev.negative_count += 1
    if mention.kind not in ev.kinds:
        ev.kinds = sorted({*ev.kinds, mention.kind})
    ev.topics = sorted(set(ev.topics) | set(score.topics))
    ev.categories = sorted(set(ev.categories) | set(score.categories))
    ev.terms = (list(ev.terms) + [t for t in score.terms if t not in ev.terms])[:MAX_TERMS]
    when = mention.published_at or mention.fetched_at
    ev.last_mention_at = max(ev.last_mention_at, when)
    ev.discovered_at = min(ev.discovered_at, mention.fetched_at)
    if mention.published_at and (
        ev.first_published_at is None or mention.published_at < ev.first_published_at
    ):
        # the first publisher is the origin of the story (传播路径的起点)
        ev.first_published_at = mention.published_at
        ev.first_source = publisher(mention)
        ev.first_url = mention.url
        ev.origin_kind = mention.kind
    ev.updated_at = now


def recent_counts(
    session: Session, until: datetime, event_id: int | None = None, topic: str | None = None
) -> list[int]:
    """Mentions per hour in the day before `until`, of one event or of one topic, oldest
    hour first (as `spikes.hourly_counts` counts them): from the kept per-minute counts
    (storage/counts.py), so a busy event or topic costs no more than a quiet one."""
    return counts.recent_counts(session, until, BASELINE_HOURS + 1, event_id, topic)


def age_hours(mention: Mention) -> float | None:
    """How old the post was when fetched: engagement over this is its velocity."""
    return heat.age_hours(mention.published_at, mention.fetched_at)
