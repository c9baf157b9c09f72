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
from monitor.pipeline.analyse import regrade  # the live event grading step
from monitor.pipeline.group import absorb, age_hours, find_in, new_event
from monitor.scoring.scorer import Scorer
from monitor.scoring.spikes import spike_reasons
from monitor.storage.models import Event, Mention


class ReplayedEvents:
    """The `EventIndex` of a replay: the events it opened, looked up like stored ones."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self._by_url: dict[str, int] = {}
        self._by_hash: dict[str, int] = {}

    def linked(self, mention: Mention) -> Event | None:
        key = self._by_url.get(mention.reposted_from) if mention.reposted_from else None
        if key is None:
            key = self._by_hash.get(mention.content_hash)
        return None if key is None else self.events[key]

    def active(self, since: datetime) -> Iterable[tuple[int, list[str], list[str]]]:
        since = as_utc(since)
        for key, ev in self.events.items():
            if as_utc(ev.last_mention_at) >= since:
                yield key, ev.topics, ev.terms

    def get(self, event_id: int) -> Event | None:
        return self.events.get(event_id)

    def open(self, ev: Event) -> int:
        ev.id = len(self.events) + 1  # a replay's own numbering, never a stored id
        self.events[ev.id] = ev
        return ev.id

    def holds(self, mention: Mention, key: int) -> None:
        self._by_url.setdefault(mention.canonical_url, key)
        self._by_hash.setdefault(mention.content_hash, key)


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
    for m in mentions:
        score = scorer.score(
            m.title, m.text, m.reposts, m.comments, m.likes, m.source.tier, age_hours(m)
        )
        ev = find_in(index, m, score, settings.service.events)
        key = index.open(new_event(m, score, now)) if ev is None else ev.id
        ev = index.events[key]
        absorb(ev, m, score, negative_at, now)
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
            spike_reasons(event_times[key], topic_times, score.topics, when, grading),
        )
        out.event_of[m.id] = key
        out.topics[m.id] = list(score.topics)
    return out
