"""Replay mentions through scoring and the live grouping rule, keeping the events in memory.

Nothing here writes: the events are never added to a session and the mentions are only
read, so a replay leaves the database exactly as it found it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from monitor.clock import as_utc
from monitor.config.loader import AppConfig
from monitor.config.types import grade_rank
from monitor.pipeline.analyse import regrade  # the live event grading step
from monitor.pipeline.group import absorb, age_hours, bridged, candidates_in, new_event
from monitor.scoring.scorer import MentionScore, Scorer
from monitor.scoring.spikes import hourly_counts, spike_reasons
from monitor.storage.models import Event, Mention


class ReplayedEvents:
    """The `EventIndex` of a replay: the events it opened, looked up like stored ones."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self._by_url: dict[str, int] = {}
        self._by_hash: dict[str, int] = {}
        self._opened = 0

    def linked(self, mention: Mention) -> Event | None:
        key = self._by_url.get(mention.reposted_from) if mention.reposted_from else None
        if key is None:
            key = self._by_hash.get(mention.content_hash)
        return None if key is None else self.events[key]

    def sharing(
        self, terms: set[str], since: datetime, at_least: int
    ) -> Iterable[tuple[int, list[str], int]]:
        since = as_utc(since)
        for key, ev in self.events.items():
            if as_utc(ev.last_mention_at) >= since:
                shared = len(terms.intersection(t[:100] for t in ev.terms))
                if shared >= at_least > 0:
                    yield key, ev.topics, shared

    def get(self, event_id: int) -> Event | None:
        return self.events.get(event_id)

    def open(self, ev: Event) -> int:
        self._opened += 1
        ev.id = self._opened  # a replay's own numbering, never a stored id (nor reused)
        self.events[ev.id] = ev
        return ev.id

    def holds(self, mention: Mention, key: int) -> None:
        self._by_url.setdefault(mention.canonical_url, key)
        self._by_hash.setdefault(mention.content_hash, key)

    def merged(self, keep: int, other: int) -> None:
        """`other` is gone into `keep`: look-ups that found it find `keep`."""
        del self.events[other]
        for table in (self._by_url, self._by_hash):
            for k, v in table.items():
                if v == other:
                    table[k] = keep


@dataclass
class Replay:
    """What the mentions would have become: events (keyed by opening order) and members."""

    events: dict[int, Event] = field(default_factory=dict)
    event_of: dict[int, int] = field(default_factory=dict)  # mention id -> replay event
    topics: dict[int, list[str]] = field(default_factory=dict)  # mention id -> its topics

    def members(self, key: int) -> list[int]:
        return [m for m, k in self.event_of.items() if k == key]


def replay(mentions: Iterable[Mention], scorer: Scorer, app: AppConfig, now: datetime) -> Replay:
    """Score and group `mentions` in the order given, as the analysis stage would have.

    `scorer` carries the rules to try; grouping and grading are the live pipeline's own
    functions, run over a `ReplayedEvents` index instead of the database.
    """
    settings = scorer.settings
    app = replace(app, settings=settings)
    grading = settings.scoring.grading
    negative_at = settings.scoring.sentiment.negative_at
    index = ReplayedEvents()
    out = Replay(events=index.events)
    sources: dict[int, set[int]] = {}
    event_times: dict[int, list[datetime]] = {}
    topic_times: dict[str, list[datetime]] = {}
    held: dict[int, list[tuple[Mention, MentionScore]]] = {}
    for m in mentions:
        score = scorer.score(
            m.title, m.text, m.reposts, m.comments, m.likes, m.source.tier, age_hours(m)
        )
        ev, same_matter = bridged(candidates_in(index, m, score, settings.service.events))
        key = index.open(new_event(m, score, now)) if ev is None else ev.id
        ev = index.events[key]
        for other in same_matter:  # the live merge: members, counts, the higher grade
            for om, oscore in held.pop(other.id, []):
                absorb(ev, om, oscore, negative_at, now)
                held.setdefault(key, []).append((om, oscore))
                out.event_of[om.id] = key
            sources.setdefault(key, set()).update(sources.pop(other.id, set()))
            event_times.setdefault(key, []).extend(event_times.pop(other.id, []))
            if grade_rank(other.grade) > grade_rank(ev.grade):
                ev.grade, ev.grade_reasons = other.grade, other.grade_reasons
            index.merged(key, other.id)
        absorb(ev, m, score, negative_at, now)
        held.setdefault(key, []).append((m, score))
        index.holds(m, key)
        sources.setdefault(key, set()).add(m.source_id)
        ev.source_count = len(sources[key])
        when = as_utc(m.published_at or m.fetched_at)
        event_times.setdefault(key, []).append(when)
        for t in score.topics:
            topic_times.setdefault(t, []).append(when)
        regrade(
            ev,
            score,
            app,
            spike_reasons(  # up to the event's newest mention, as the live stage counts
                hourly_counts(event_times[key], as_utc(ev.last_mention_at)),
                {
                    t: hourly_counts(topic_times.get(t, ()), as_utc(ev.last_mention_at))
                    for t in score.topics
                },
                score.topics,
                grading,
            ),
        )
        out.event_of[m.id] = key
        out.topics[m.id] = list(score.topics)
    return out
