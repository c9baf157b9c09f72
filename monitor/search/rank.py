"""Relevance: how much a hit is about the query, from its own title and text.

The same on SQLite and PostgreSQL (neither's ranking function is used): per term, its
occurrences in the title count TITLE_WEIGHT times, those in the text saturate as in BM25
(a long article repeating a word is not ten times as relevant) and are scaled by length.
Only the POOL hits stored last are ranked: scoring every one of a common word's hundreds of
thousands would take seconds, and the newest are what a duty officer works on.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.search.query import Term

POOL = 1000
TITLE_WEIGHT = 4.0
K1, B, AVERAGE_CHARS = 1.2, 0.75, 300


def score(title: str, body: str, terms: Sequence[Term]) -> float:
    title, body = (title or "").lower(), (body or "").lower()
    norm = K1 * (1 - B + B * len(body) / AVERAGE_CHARS)
    total = 0.0
    for t in terms:
        in_body = body.count(t.text)
        total += TITLE_WEIGHT * min(title.count(t.text), 2) + in_body * (K1 + 1) / (in_body + norm)
    return total


def ranked(rows: Sequence[tuple[int, str, str]], terms: Sequence[Term]) -> list[int]:
    """The ids of (id, title, text) rows, most relevant first; ties keep the rows' order."""
    scored = [(-score(title, body, terms), n, i) for n, (i, title, body) in enumerate(rows)]
    return [i for _, _, i in sorted(scored)]
