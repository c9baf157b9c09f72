"""The events one batch of analysis groups into, read once for the batch and kept in memory.

`group.StoredEvents` asks the database per mention (the event of the post reposted or
repeated, the open events sharing terms), so every mention flushed the ones before it.
`BatchEvents` reads, for the whole batch at once, the events its mentions link to and the
open events sharing any of their terms, then answers each mention from memory, with what
the batch itself has done so far (mentions joined, events opened, grown, merged): the
answers `StoredEvents` gives after a flush.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.models import EventsConfig
from monitor.scoring.scorer import MentionScore
from monitor.storage.lookups import EventTerm
from monitor.storage.models import Event, Mention
from workflow.states import OPEN_STATES

CHUNK = 500  # values per IN list


class BatchEvents:
    """An `EventIndex` (group.py) over the events a batch of mentions can join."""

    def __init__(
        self,
        session: Session,
        mentions: Sequence[Mention],
        scores: Sequence[MentionScore],
        cfg: EventsConfig,
    ) -> None:
        self.session = session
        self.events: dict[int, Event] = {}
        self.merged_into: dict[int, int] = {}
        self._terms: dict[int, set[str]] = {}  # each event's terms as event_terms holds them
        self._by_term: dict[str, set[int]] = {}  # and the other way round
        # mention link keys -> event ids, oldest mention first (the stored ones, then the
        # batch's in the order they joined)
        self.by_url: dict[str, list[int]] = {}
        self.by_hash: dict[str, list[tuple[int, int]]] = {}  # (mention id, event id)
        with session.no_autoflush:
            self._read_links(mentions)
            self._read_sharing(mentions, scores, cfg)

    def _read_links(self, mentions: Sequence[Mention]) -> None:
        urls = sorted({m.reposted_from for m in mentions if m.reposted_from})
        hashes = sorted({m.content_hash for m in mentions})
        for col, keys in ((Mention.canonical_url, urls), (Mention.content_hash, hashes)):
            for i in range(0, len(keys), CHUNK):
                rows = self.session.execute(
                    select(col, Mention.id, Mention.event_id)
                    .where(col.in_(keys[i : i + CHUNK]), Mention.event_id.is_not(None))
                    .order_by(Mention.id)
                )
                for key, mention_id, event_id in rows:
                    if col is Mention.canonical_url:
                        self.by_url.setdefault(key, []).append(event_id)
                    else:
                        self.by_hash.setdefault(key, []).append((mention_id, event_id))
        ids = {i for ids in self.by_url.values() for i in ids}
        self._load(ids | {e for pairs in self.by_hash.values() for _, e in pairs})

    def _read_sharing(
        self, mentions: Sequence[Mention], scores: Sequence[MentionScore], cfg: EventsConfig
    ) -> None:
        terms = sorted({t[:100] for sc in scores for t in sc.terms})
        if not terms or not mentions:
            return
        since = min(as_utc(m.published_at or m.fetched_at) for m in mentions) - cfg.window
        ids: set[int] = set()
        for i in range(0, len(terms), CHUNK):
            ids.update(
                self.session.scalars(
                    select(EventTerm.event_id)
                    .join(Event, Event.id == EventTerm.event_id)
                    .where(
                        EventTerm.term.in_(terms[i : i + CHUNK]),
                        Event.state.in_(OPEN_STATES),
                        Event.last_mention_at >= since,
                    )
                    .distinct()
                )
            )
        self._load(ids)

    def _load(self, ids: Iterable[int]) -> None:
        wanted = sorted(set(ids) - set(self.events))
        for i in range(0, len(wanted), CHUNK):
            for ev in self.session.scalars(
                select(Event).where(Event.id.in_(wanted[i : i + CHUNK]))
            ):
                self._hold(ev)

    def _hold(self, ev: Event) -> None:
        """Hold the event, indexed by its terms as they are now."""
        self.events[ev.id] = ev
        terms = {t[:100] for t in ev.terms or []}
        for t in self._terms.get(ev.id, set()) - terms:
            self._by_term[t].discard(ev.id)
        for t in terms:
            self._by_term.setdefault(t, set()).add(ev.id)
        self._terms[ev.id] = terms

    # ---- what the batch does ---------------------------------------------------------

    def joined(self, ev: Event, mention: Mention) -> None:
        """The mention is now in the event: later mentions find the event through it."""
        self._hold(ev)
        self.by_url.setdefault(mention.canonical_url, []).append(ev.id)
        self.by_hash.setdefault(mention.content_hash, []).append((mention.id, ev.id))

    def merged(self, keep: Event, other: Event) -> None:
        self._hold(keep)
        self.merged_into[other.id] = keep.id

    # ---- EventIndex --------------------------------------------------------------------

    def _current(self, event_id: int) -> Event | None:
        while event_id in self.merged_into:
            event_id = self.merged_into[event_id]
        return self.get(event_id)

    def linked(self, mention: Mention) -> Event | None:
        if mention.reposted_from and mention.reposted_from in self.by_url:
            return self._current(self.by_url[mention.reposted_from][0])
        for mention_id, event_id in self.by_hash.get(mention.content_hash, ()):
            if mention_id != mention.id:
                return self._current(event_id)
        return None

    def sharing(
        self, terms: set[str], since: datetime, at_least: int
    ) -> Iterable[tuple[int, list[str], int]]:
        if not terms or at_least < 1:
            return []
        out = []
        ids = set().union(*(self._by_term.get(t, ()) for t in terms))
        for event_id in sorted(ids):
            ev = self.events[event_id]
            if ev.state not in OPEN_STATES or as_utc(ev.last_mention_at) < since:
                continue
            shared = len(terms & self._terms[event_id])
            if shared >= at_least:
                out.append((event_id, ev.topics, shared))
        return out

    def get(self, event_id: int) -> Event | None:
        ev = self.events.get(event_id)
        if ev is None:
            ev = self.session.get(Event, event_id)
            if ev is not None:
                self._hold(ev)
        return ev
