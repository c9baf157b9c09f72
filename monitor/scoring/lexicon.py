"""Topic and focus-category matching for one text (callers that score many use Matcher)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.config.models import Topic
from monitor.scoring.matcher import Matcher, TopicHit, compile_topic

__all__ = ["TopicHit", "match_categories", "match_topics"]


def match_topics(text: str, topics: Sequence[Topic]) -> list[TopicHit]:
    return Matcher([compile_topic(t) for t in topics]).match(text)[0]


def match_categories(text: str, lexicons: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return Matcher([], lexicons).match(text)[1]
