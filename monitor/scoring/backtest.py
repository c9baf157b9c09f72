"""Rule backtest: what changed topic rules would have done to the stored mentions.

The mentions since a time are replayed twice, in the order the analysis stage took them
(fetched time, then id), through scoring and the live grouping and grading: once with
the rules in force and once with the rules to try. Comparing the two replays, not the
replay against the database, isolates the rule change from what people did since (merges,
splits, closed events, grades set by judgment). Replayed events are named after the
stored event most of their mentions belong to. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config.loader import AppConfig, _key_path, _read_yaml
from monitor.config.models import Settings, TopicsConfig
from monitor.errors import ConfigError
from monitor.scoring.grade import grade_label, one_line
from monitor.scoring.replay import Replay, replay
from monitor.scoring.scorer import Scorer
from monitor.storage.models import Event, Mention


@dataclass
class EventView:
    label: str  # 事件 #12 (the stored event it corresponds to) or 新事件 1
    event_id: int | None
    title: str
    grade: str
    reasons: str  # one line, as alerts show it
    topics: list[str]
    mentions: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "event_id": self.event_id,
            "title": self.title,
            "grade": self.grade,
            "grade_label": grade_label(self.grade),
            "reasons": self.reasons,
            "topics": self.topics,
            "mentions": self.mentions,
        }


@dataclass
class BacktestResult:
    since: datetime
    mentions: int = 0
    changed: int = 0  # mentions whose topics differ
    opened: list[EventView] = field(default_factory=list)  # would open, did not
    not_opened: list[tuple[EventView, list[str]]] = field(default_factory=list)  # → where to
    regraded: list[tuple[EventView, EventView]] = field(default_factory=list)  # (old, new)
    retopiced: list[tuple[EventView, EventView]] = field(default_factory=list)
    moved: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, title, from, to

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "mentions": self.mentions,
            "mentions_with_changed_topics": self.changed,
            "would_open": [e.as_dict() for e in self.opened],
            "would_not_open": [e.as_dict() | {"mentions_go_to": to} for e, to in self.not_opened],
            "grade_changes": [
                {
                    "event": new.label,
                    "event_id": old.event_id,
                    "title": new.title,
                    "old_grade": old.grade,
                    "new_grade": new.grade,
                    "old_reasons": old.reasons,
                    "new_reasons": new.reasons,
                }
                for old, new in self.regraded
            ],
            "topic_changes": [
                {
                    "event": new.label,
                    "event_id": old.event_id,
                    "title": new.title,
                    "old_topics": old.topics,
                    "new_topics": new.topics,
                }
                for old, new in self.retopiced
            ],
            "moved_mentions": [
                {"mention": i, "title": t, "from": a, "to": b} for i, t, a, b in self.moved
            ],
        }


def load_topics_file(path: Path, settings: Settings) -> TopicsConfig:
    """A topics.yaml to try; errors name the file, the key and what was expected."""
    if not path.exists():
        raise ConfigError(f"话题文件 {path} 不存在。")
    raw = _read_yaml(path)
    try:
        return TopicsConfig.model_validate(raw)
    except ValidationError as e:
        parts = []
        for err in e.errors(include_url=False):
            what = err["msg"].removeprefix("Value error, ")
            parts.append(f"{path} 中的 {_key_path(tuple(err['loc']))}：{what}")
        raise ConfigError("话题文件无效：" + "；".join(parts) + "。") from None


def backtest(
    session: Session,
    app: AppConfig,
    scorer: Scorer,
    topics: TopicsConfig,
    since: datetime,
    now: datetime,
) -> BacktestResult:
    """Replay the mentions analysed since `since` under the rules in force and under `topics`."""
    mentions = list(
        session.scalars(
            select(Mention)
            .where(Mention.analysed_at.is_not(None), Mention.fetched_at >= since)
            .order_by(Mention.fetched_at, Mention.id)
        )
    )
    # the rules in force first: a trial Scorer teaches the segmenter its own words
    current = replay(mentions, scorer, app, now)
    trial = Scorer(app.settings.model_copy(update={"topics": topics}), model=scorer.model)
    tried = replay(mentions, trial, app, now)
    ids = {m.event_id for m in mentions if m.event_id is not None}
    titles = dict(session.execute(select(Event.id, Event.title).where(Event.id.in_(ids))).all())
    session.rollback()  # a replay only reads; make sure nothing could be kept
    return compare(mentions, current, tried, since, titles)


def compare(
    mentions: list[Mention],
    current: Replay,
    tried: Replay,
    since: datetime,
    stored_titles: dict[int, str],
) -> BacktestResult:
    """The differences between two replays; `stored_titles` names the stored events."""
    result = BacktestResult(since=since, mentions=len(mentions))
    titles = {m.id: (m.title or m.text).strip().replace("\n", " ")[:30] for m in mentions}
    stored = {m.id: m.event_id for m in mentions}
    result.changed = sum(1 for m in mentions if current.topics[m.id] != tried.topics[m.id])

    # each replayed event of the rules in force is named after the stored event most of
    # its mentions are in; a stored event names only the replayed event that holds most
    claims: dict[int, tuple[int, int]] = {}  # stored id -> (mentions, current key)
    for key in current.events:
        votes = Counter(stored[m] for m in current.members(key) if stored[m] is not None)
        if votes:
            event_id, n = votes.most_common(1)[0]
            if event_id not in claims or n > claims[event_id][0]:
                claims[event_id] = (n, key)
    stored_of = {key: event_id for event_id, (_, key) in claims.items()}

    # pair the two replays' events by the mentions they share, most shared first
    shared = Counter((current.event_of[m.id], tried.event_of[m.id]) for m in mentions)
    pairs: dict[int, int] = {}  # tried key -> current key
    taken: set[int] = set()
    for (old, new), _ in sorted(shared.items(), key=lambda p: (-p[1], p[0])):
        if old not in taken and new not in pairs:
            pairs[new] = old
            taken.add(old)

    def view(rp: Replay, key: int, label: str, event_id: int | None) -> EventView:
        ev = rp.events[key]
        return EventView(
            label,
            event_id,
            stored_titles.get(event_id, ev.title) if event_id is not None else ev.title,
            ev.grade,
            one_line(ev.grade_reasons),
            list(ev.topics),
            sorted(rp.members(key)),
        )

    def old_label(key: int) -> str:
        event_id = stored_of.get(key)
        if event_id is not None:
            return f"事件 #{event_id}"
        return f"现行规则下的事件「{current.events[key].title[:20]}」"

    new_labels: dict[int, str] = {}
    for key in tried.events:
        if key in pairs:
            new_labels[key] = old_label(pairs[key])
        else:
            new_labels[key] = f"新事件 {len(result.opened) + 1}"
            result.opened.append(view(tried, key, new_labels[key], None))
    for key in current.events:
        if key not in taken:
            goes = sorted({new_labels[tried.event_of[m]] for m in current.members(key)})
            result.not_opened.append((view(current, key, old_label(key), stored_of.get(key)), goes))
    for new, old in sorted(pairs.items(), key=lambda p: p[1]):
        before = view(current, old, old_label(old), stored_of.get(old))
        after = view(tried, new, new_labels[new], stored_of.get(old))
        if before.grade != after.grade:
            result.regraded.append((before, after))
        if before.topics != after.topics:
            result.retopiced.append((before, after))
    for m in mentions:
        old, new = current.event_of[m.id], tried.event_of[m.id]
        if pairs.get(new) != old:
            result.moved.append((m.id, titles[m.id], old_label(old), new_labels[new]))
    return result
