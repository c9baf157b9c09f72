"""What an agency's own record teaches routing: how common a word is in its mentions
(inverse document frequency), and where officers re-assigned events like this one.

Pure: built from texts and re-assignments the caller read (monitor/cases/reassign.py
reads them from the database); no clock, no I/O.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# A word found in this share of the agency's mentions weighs 1; a rarer one more, a more
# common one less (clipped to FACTOR_RANGE). Below MIN_HISTORY texts the record is too
# small to tell a word in 2% of texts from one in 0.5% (a handful of texts each), and
# every word weighs 1.
TYPICAL_SHARE = 0.02
FACTOR_RANGE = (0.5, 1.5)
MIN_HISTORY = 500
SIMILAR_AT = 0.3  # cosine of the two texts' weighted character pairs

# Character pairs of the message-board formula (greeting, request, thanks) that say
# nothing of the matter: left out of the similarity when there is little history to learn
# that they are common.
_FORMULA = (
    "您好 你好 领导 书记 市长 请问 希望 反映 问题 解决 处理 部门 相关 谢谢 感谢 我们 我是 "
    "现在 已经 没有 一个 这个 什么 怎么 能否 是否 可以 不能 情况 尽快 市民 网友 投诉 多次 "
    "至今 目前 进行 要求 关于 建议"
)
FORMULA = frozenset(_FORMULA.split())
_WORDS = re.compile(r"[^\u4e00-\u9fffa-z0-9]+")


def pairs(text: str) -> set[str]:
    """The text's overlapping character pairs (Chinese has no spaces to split words on)."""
    out: set[str] = set()
    for chunk in _WORDS.split(text.lower()):
        out.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return out - FORMULA


@dataclass(frozen=True)
class Reassignment:
    """An officer moved an event from one department to another."""

    text: str
    to: str
    origin: str | None = None  # the department it was taken from
    event_id: int | None = None


class RoutingMemory:
    """IDF over the agency's mentions, and the re-assignments to compare new texts with."""

    def __init__(
        self, history: Iterable[str] = (), reassignments: Iterable[Reassignment] = ()
    ) -> None:
        self.texts = [t.lower() for t in history]
        docs = [pairs(t) for t in self.texts]
        self.n = len(docs)
        self.df: Counter[str] = Counter(p for d in docs for p in d)
        self._keyword: dict[str, float] = {}
        self.reassignments = list(reassignments)
        # pair -> (re-assignment index, weight): a text is compared only with the
        # re-assignments it shares a pair with, on the pairs it shares
        self._index: dict[str, list[tuple[int, float]]] = {}
        self._norms: list[float] = []
        for i, r in enumerate(self.reassignments):
            v, norm = self._vector(pairs(r.text))
            self._norms.append(norm)
            for p, x in v.items():
                self._index.setdefault(p, []).append((i, x))

    def _idf(self, df: int) -> float:
        return math.log((self.n + 1) / (df + 1)) + 1

    def keyword_factor(self, word: str) -> float:
        """How specific `word` is in this agency's mentions: 1 for a typical word."""
        if self.n < MIN_HISTORY:
            return 1.0
        if word not in self._keyword:
            w = word.lower()
            df = sum(1 for t in self.texts if w in t)
            typical = self._idf(round(self.n * TYPICAL_SHARE))
            low, high = FACTOR_RANGE
            self._keyword[word] = min(high, max(low, self._idf(df) / typical))
        return self._keyword[word]

    def _vector(self, ps: set[str]) -> tuple[dict[str, float], float]:
        v = {p: self._idf(self.df.get(p, 0)) for p in ps}
        return v, math.sqrt(sum(x * x for x in v.values())) or 1.0

    def similar(self, text: str) -> list[tuple[Reassignment, float]]:
        """Re-assignments whose text is like `text`, most similar first."""
        if not self.reassignments:
            return []
        v, norm = self._vector(pairs(text))
        dots: dict[int, float] = {}
        for p, x in v.items():
            for i, u in self._index.get(p, ()):
                dots[i] = dots.get(i, 0.0) + x * u
        out = []
        for i, dot in dots.items():
            sim = dot / (norm * self._norms[i])
            if sim >= SIMILAR_AT:
                out.append((self.reassignments[i], sim))
        return sorted(out, key=lambda x: -x[1])
