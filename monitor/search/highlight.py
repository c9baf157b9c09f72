"""Escaped text with <mark> around the hits: scraped text is hostile, only our tags are markup."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

SNIPPET_CHARS = 120
_SPACE = re.compile(r"\s+")


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    # longest first, so 乱收费 is marked whole rather than its 收费
    found = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in found), re.IGNORECASE) if found else None


def mark(text: str, terms: list[str]) -> Markup:
    """All of `text`, escaped, each occurrence of a term in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, at = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[at : m.start()]))
        out.append(Markup("<mark>%s</mark>") % text[m.start() : m.end()])
        at = m.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> Markup:
    """About `width` characters of `text` around its first hit, escaped and marked; "…"
    where it was cut. The text's start when no term is in it (the hit was in the title)."""
    flat = _SPACE.sub(" ", text or "").strip()
    pattern = _pattern(terms)
    hit = pattern.search(flat) if pattern else None
    start = 0 if hit is None else max(0, hit.start() - width // 3)
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))
    piece = flat[start:end]
    return Markup("").join(
        [
            Markup("…") if start else Markup(""),
            mark(piece, terms),
            Markup("…") if end < len(flat) else Markup(""),
        ]
    )
