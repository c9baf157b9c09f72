"""Topic and focus-category matching by configured keywords."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config.models import Topic


@dataclass(frozen=True)
class TopicHit:
    name: str
    priority: int
    words: tuple[str, ...]


def match_topics(text: str, topics: list[Topic]) -> list[TopicHit]:
    hits = []
    for t in topics:
        words = [k for k in t.keywords if k in text]
        if not words:
            continue
        context = [c for c in t.context if c in text]
        if t.context and not context:
            continue
        if any(x in text for x in t.exclude):
            continue
        hits.append(TopicHit(t.name, t.priority, tuple(dict.fromkeys(words + context))))
    return hits


def match_categories(text: str, lexicons: dict[str, list[str]]) -> dict[str, list[str]]:
    out = {}
    for category, words in lexicons.items():
        found = [w for w in words if w in text]
        if found:
            out[category] = found
    return out
