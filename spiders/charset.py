"""Which charset a page's bytes are really in, whatever the page or the server claims."""

from __future__ import annotations

from collections.abc import Iterable

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# Tried besides what the page declares. GB18030 is a superset of GBK and GB2312, the usual
# undeclared or mis-declared charset of Chinese portal, government and forum pages.
CANDIDATES = ("utf-8", "gb18030", "big5")
# Another decoding replaces the declared one only when it reads as at least this many more
# common Chinese characters, and at least twice as many: a mostly-English page whose few
# accented letters or © happen to pair into Chinese characters keeps its charset.
_MIN_GAIN = 10
# A clean decoding at least this plausible (common Chinese characters per non-ASCII
# character) is kept without trying the others; a right one scores above 0.9.
_PLAUSIBLE = 0.6
_REPLACEMENT_COST = 3


def _common_chars() -> frozenset[str]:
    """GB2312's level 1 (the 3,755 most used simplified characters), Big5's frequent set
    (5,401 traditional ones) and Chinese punctuation. A right decoding of Chinese text is
    nearly all these; a wrong one (UTF-8 read as GBK, GBK read as Big5 or as a single-byte
    charset) gives mostly rare characters, symbols or Latin letters."""
    chars: set[str] = set("，。、：；？！“”‘’（）《》【】…—\u3000")
    for lead in range(0xB0, 0xD8):
        chars.update(_decodable(lead, range(0xA1, 0xFF), "gb2312"))
    for lead in range(0xA4, 0xC7):
        chars.update(_decodable(lead, [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5"))
    return frozenset(chars)


def _decodable(lead: int, trails: Iterable[int], encoding: str) -> Iterable[str]:
    for trail in trails:
        try:
            yield bytes((lead, trail)).decode(encoding)
        except UnicodeDecodeError:
            continue


COMMON = _common_chars()


def plausibility(text: str) -> int:
    """Common Chinese characters in `text`, less a penalty per U+FFFD replacement character."""
    return sum(map(COMMON.__contains__, text)) - _REPLACEMENT_COST * text.count("\ufffd")


def declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """What the bytes claim, strongest first: the BOM, the HTTP Content-Type header, then
    <meta charset> or <meta http-equiv="Content-Type"> (names resolved: gb2312 → gb18030)."""
    found = [
        read_bom(body)[0],
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body),
    ]
    return [e for e in (resolve_encoding(name) for name in found if name) if e]


def best_encoding(body: bytes, declared: Iterable[str]) -> str | None:
    """The encoding to read `body` with: the first of `declared` (the one in use), unless
    another declared one or a usual Chinese charset reads as clearly more plausible Chinese
    text. None when nothing is declared and the body is plain ASCII.

    A byte order mark is taken as it is. Undecodable bytes do not rule a charset out: the
    best decoding keeps them as replacement characters rather than losing the page."""
    names = list(dict.fromkeys(declared))
    bom = read_bom(body)[0]
    if bom:
        return resolve_encoding(bom) or bom
    if not names:
        names = ["utf-8"]
    current = names[0]
    if body.isascii():
        return current
    scores: dict[str, int] = {}
    for name in [*names, *CANDIDATES]:
        if name in scores:
            continue
        try:
            text = body.decode(name, errors="replace")
        except LookupError:
            continue
        scores[name] = plausibility(text)
        if name == current and "\ufffd" not in text:
            non_ascii = len(text) - len(text.encode("ascii", "ignore"))
            if scores[name] >= _PLAUSIBLE * non_ascii:
                return current
    if current not in scores:  # not a codec Python knows: the best of the others
        return max(scores, key=scores.__getitem__)
    base = scores[current]
    best = max(scores, key=scores.__getitem__)  # the first of equals: declared ones first
    return best if scores[best] - base >= max(_MIN_GAIN, base) else current
