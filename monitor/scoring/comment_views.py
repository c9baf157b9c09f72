"""网民观点: the comments under an event's posts grouped into a few views, each with its
share of the comments read, its tone, its words and the most-liked comment as its example.

Comments are short and say one thing each, in many wordings: 排水系统太差, 排水设施年年修,
排水管网该整治 are one view though they share no whole word. So each comment is described
by its words and the character pairs of its Chinese runs (排水 is in all three), and the
views are chosen greedily as the terms that cover the most comments not yet covered
(weighed by likes, as the site ranks them): each chosen term takes the comments that hold
it, and the next term is chosen among the rest. A term that most comments hold (the
event's own name, 暴雨) says nothing of a view and is passed over; a view needs at least
two comments. Deterministic, one pass per view, no model to train.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from monitor.search.segment import query_words

MIN_VIEW = 2
# A term held by more than this share of the comments (with at least MANY of them) is
# the matter itself, not a view of it.
COMMON_SHARE = 0.5
MANY = 6
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Words and pairs any comment may hold that say nothing of its view (one-character words
# are dropped anyway).
_STOP = """
我们 你们 他们 这个 那个 这样 那样 但是 哈哈 哈哈哈 什么 怎么 为什么 没有 不是 就是 还是
已经 一个 一下 一样 可以 真的 现在 自己 大家 全文 转发 回复 网页 链接 微博 视频 知道 觉得
了吗 的人 是不 不是 就是 这么 那么 怎么 有人 一个 真是 还是 都是 也是 了吧 了啊 的是 不要
"""
STOPWORDS = frozenset(_STOP.split())


def words_of(text: str) -> list[str]:
    """A comment's content words (stock dictionary, as search cuts them)."""
    return [w for w in query_words(text) if len(w) > 1 and _WORD.search(w) and w not in STOPWORDS]


def terms_of(text: str) -> set[str]:
    """Its words and the character pairs of its Chinese runs."""
    terms = set(words_of(text))
    for run in _HAN_RUN.findall(text):
        terms.update(p for i in range(len(run) - 1) if (p := run[i : i + 2]) not in STOPWORDS)
    return terms


def _weight(comment: dict[str, Any]) -> float:
    return 1.0 + math.log1p(max(0, comment.get("likes") or 0))


def comment_views(
    comments: Sequence[dict[str, Any]], negative_at: float, views: int = 5
) -> list[dict[str, Any]]:
    """Up to `views` views of `comments` (dicts with text, likes, negative; the rest is
    passed through in `example`), the largest first. Each: share (% of the comments),
    count, likes, tone (负面 when half or more of its comments are), negative_pct, words
    (the term that formed it first) and example (its most-liked comment)."""
    ordered = sorted(comments, key=lambda c: (-(c.get("likes") or 0), str(c.get("text"))))
    n = len(ordered)
    held = [terms_of(str(c.get("text") or "")) for c in ordered]
    df = Counter(t for terms in held for t in terms)
    common = {t for t, d in df.items() if n >= MANY and d > COMMON_SHARE * n}
    left = set(range(n))
    found: list[dict[str, Any]] = []
    while left and len(found) < views:
        cover: dict[str, list[int]] = {}
        for i in sorted(left):
            for t in held[i]:
                if t not in common:
                    cover.setdefault(t, []).append(i)
        # the most endorsed term; a whole word before a pair of the same weight, then the
        # longer, then in order, so the same comments give the same views
        best = max(
            (t for t, idx in cover.items() if len(idx) >= MIN_VIEW),
            key=lambda t: (sum(_weight(ordered[i]) for i in cover[t]), len(t), t),
            default=None,
        )
        if best is None:
            break
        members = cover[best]
        left.difference_update(members)
        found.append(_view(best, [ordered[i] for i in members], n, negative_at))
    return found


def _view(
    term: str, members: list[dict[str, Any]], total: int, negative_at: float
) -> dict[str, Any]:
    negative = sum(1 for c in members if (c.get("negative") or 0) >= negative_at)
    # the whole words its comments share most, after the term that formed it (a word
    # inside one already shown, or holding it, is not repeated)
    shared = Counter(
        w for c in members for w in set(words_of(str(c.get("text") or ""))) if w != term
    )
    words = [term]
    for t, k in sorted(shared.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])):
        if k < 2 or len(words) == 3:
            break
        if not any(t in w or w in t for w in words):
            words.append(t)
    share = negative / len(members)
    return {
        "share": round(len(members) * 100 / total, 1),
        "count": len(members),
        "likes": sum(c.get("likes") or 0 for c in members),
        "tone": "负面" if share >= 0.5 else "非负面",
        "negative_pct": round(share * 100),
        "words": words,
        "example": members[0],
    }
