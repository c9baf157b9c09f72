"""All topic rules and category lexicons matched in one pass over a text.

One Aho-Corasick automaton holds every word of every rule and lexicon. A pass over the
text collects where each word occurs; only the rules that contain one of those words are
evaluated (a rule must need at least one word, see rules.parse), so the cost grows with
the words found, not with the number of topics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ahocorasick

from monitor.scoring.rules import Node, all_words, from_lists, parse, words_of


@dataclass(frozen=True)
class TopicRule:
    name: str
    priority: int
    node: Node


@dataclass(frozen=True)
class TopicHit:
    name: str
    priority: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Why a topic did or did not match a text, for `yuqing rules test`."""

    name: str
    matched: bool
    found: tuple[str, ...]  # the rule's words that occur
    excluded: tuple[str, ...]  # words under a NOT that occur


def compile_topic(topic: object) -> TopicRule:
    """A config Topic (rule or keyword lists) as a compiled rule."""
    rule = getattr(topic, "rule", None)
    node = (
        parse(rule) if rule else from_lists(topic.keywords, topic.context, topic.exclude)  # type: ignore[attr-defined]
    )
    return TopicRule(topic.name, topic.priority, node)  # type: ignore[attr-defined]


class Matcher:
    def __init__(
        self, topics: Sequence[TopicRule], categories: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.topics = list(topics)
        self.categories = {c: [w.lower() for w in ws] for c, ws in (categories or {}).items()}
        # word -> (topic indexes that use it, categories whose lexicon holds it)
        index: dict[str, tuple[set[int], set[str]]] = {}
        for i, t in enumerate(self.topics):
            for w in all_words(t.node):
                index.setdefault(w, (set(), set()))[0].add(i)
        for cat, words in self.categories.items():
            for w in words:
                index.setdefault(w, (set(), set()))[1].add(cat)
        self._auto = ahocorasick.Automaton()
        for w, (ts, cs) in index.items():
            self._auto.add_word(w, (w, tuple(sorted(ts)), tuple(sorted(cs))))
        if index:
            self._auto.make_automaton()
        self._empty = not index
        self._positive = [words_of(t.node) for t in self.topics]

    def vocabulary(self) -> set[str]:
        return set(self._auto.keys()) if not self._empty else set()

    def scan(self, text: str) -> tuple[dict[str, list[int]], set[int], dict[str, list[str]]]:
        """Word positions, candidate topic indexes, and category hits (words in order)."""
        hits: dict[str, list[int]] = {}
        candidates: set[int] = set()
        cats: dict[str, list[str]] = {}
        if self._empty:
            return hits, candidates, cats
        for end, (word, topics, categories) in self._auto.iter(text.lower()):
            first = word not in hits
            hits.setdefault(word, []).append(end - len(word) + 1)
            if first:
                candidates.update(topics)
                for c in categories:
                    cats.setdefault(c, []).append(word)
        return hits, candidates, cats

    def match(self, text: str) -> tuple[list[TopicHit], dict[str, list[str]]]:
        hits, candidates, cats = self.scan(text)
        found = []
        for i in sorted(candidates):
            t = self.topics[i]
            if t.node.eval(hits):
                words = tuple(w for w in hits if w in self._positive[i])
                found.append(TopicHit(t.name, t.priority, words))
        # categories in their configured order, for stable reasons
        ordered = {c: cats[c] for c in self.categories if c in cats}
        return found, ordered

    def explain(self, text: str) -> list[Explanation]:
        """Every topic whose words occur, matched or not, with the words behind it."""
        hits, candidates, _ = self.scan(text)
        out = []
        for i in sorted(candidates):
            t = self.topics[i]
            negative = words_of(t.node, False)
            out.append(
                Explanation(
                    t.name,
                    t.node.eval(hits),
                    tuple(w for w in hits if w in self._positive[i]),
                    tuple(w for w in hits if w in negative),
                )
            )
        return out


class RegexBaseline:
    """One compiled regex per rule word list, every rule tried on every text: the baseline."""

    def __init__(self, topics: Sequence[TopicRule]) -> None:
        import re

        self._rules = []
        for t in topics:
            words = sorted(all_words(t.node), key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(w) for w in words))
            self._rules.append((t, pattern))

    def match(self, text: str) -> list[str]:
        low = text.lower()
        out = []
        for t, pattern in self._rules:
            hits: dict[str, list[int]] = {}
            for m in pattern.finditer(low):
                hits.setdefault(m.group(), []).append(m.start())
            if t.node.eval(hits):
                out.append(t.name)
        return out
