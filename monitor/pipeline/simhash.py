"""SimHash of a mention's text: reposts and 转载 with small edits land within a few bits."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

BITS = 64
BANDS = 4  # 16-bit bands: within 3 bits, two hashes share at least one band (pigeonhole)
BAND_BITS = BITS // BANDS
# Hamming distance at or below which two texts are one story (about 95% alike).
NEAR = 3
# Shorter texts are too alike by chance ("转发微博", "好") to call one a copy of another.
MIN_CHARS = 30

_KEEP = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
# Repost furniture that does not change what a copy says.
_NOISE = re.compile(r"(?:转发微博|//@[^:：]{1,30}[:：]|@[\w\u4e00-\u9fff-]{1,30}|#)")


def tokens(text: str) -> list[str]:
    """Chinese characters one by one and Latin words, lower-cased, punctuation dropped."""
    return _KEEP.findall(_NOISE.sub(" ", text.lower()))


def shingles(text: str) -> Counter[str]:
    """Overlapping token pairs: word order matters, a swapped phrase changes few pairs."""
    toks = tokens(text)
    if len(toks) < 2:
        return Counter(toks)
    return Counter(a + b for a, b in zip(toks, toks[1:], strict=False))


def simhash(text: str) -> int:
    """Bit b is set when the shingles whose hash has bit b outweigh those without it.

    The per-bit tally runs in C: each hash as a 64-character 0/1 string, the columns
    counted with zip() and tuple.count(), about five times faster than a loop over bits.
    """
    rows: list[str] = []
    for gram, count in shingles(text).items():
        h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        rows.extend([format(h, "064b")] * count)
    total = len(rows)
    out = 0
    for i, column in enumerate(zip(*rows, strict=True)):
        if 2 * column.count("1") > total:
            out |= 1 << (BITS - 1 - i)
    return out


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def bands(h: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(h >> (i * BAND_BITS)) & mask for i in range(BANDS)]


def comparable(text: str) -> bool:
    """Long enough that a near-equal hash means a copy, not a coincidence."""
    return len(tokens(text)) >= MIN_CHARS
