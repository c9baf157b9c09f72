"""SimHash of a mention's text: reposts and 转载 with small edits land within a few bits."""

from __future__ import annotations

import hashlib
import operator
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
# _BIT_IS_SET[j][v] is 1 when bit j (from the most significant) of byte value v is set.
_BIT_IS_SET = [bytes((v >> (7 - j)) & 1 for v in range(256)) for j in range(8)]
# Shingle -> its 8-byte hash: common character pairs recur across texts, and a dict
# lookup costs a tenth of hashing again. Cleared when full (about 15 MB).
_DIGESTS: dict[str, bytes] = {}
_DIGESTS_MAX = 100_000
_NOISE = re.compile(r"(?:转发微博|//@[^:：]{1,30}[:：]|@[\w\u4e00-\u9fff-]{1,30}|#)")


def tokens(text: str) -> list[str]:
    """Chinese characters one by one and Latin words, lower-cased, punctuation dropped."""
    return _KEEP.findall(_NOISE.sub(" ", text.lower()))


def shingles(text: str) -> Counter[str]:
    """Overlapping token pairs: word order matters, a swapped phrase changes few pairs."""
    return _pairs(tokens(text))


def _pairs(toks: list[str]) -> Counter[str]:
    if len(toks) < 2:
        return Counter(toks)
    return Counter(map(operator.add, toks, toks[1:]))


def simhash(text: str) -> int:
    return _hash(shingles(text))


def simhash_comparable(text: str) -> tuple[int, bool]:
    """`simhash(text)` and `comparable(text)`, the text tokenised once."""
    toks = tokens(text)
    return _hash(_pairs(toks)), len(toks) >= MIN_CHARS


def _hash(grams: Counter[str]) -> int:
    """Bit b is set when the shingles whose hash has bit b outweigh those without it.

    The per-bit tally runs in C: the 8-byte hashes (one copy per occurrence) are joined,
    each byte position sliced out as one bytes object, and for each of its 8 bits
    `translate` maps a byte to 1 where that bit is set and `count` adds them up; about
    ten times faster than a 64-character 0/1 string per shingle tallied column by column.
    """
    digests = _DIGESTS
    if len(digests) > _DIGESTS_MAX:
        digests.clear()
    parts = []
    for gram, count in grams.items():
        digest = digests.get(gram)
        if digest is None:
            digest = digests[gram] = hashlib.blake2b(gram.encode(), digest_size=8).digest()
        parts.append(digest * count)
    joined = b"".join(parts)
    total = len(joined) // 8
    out = 0
    for byte in range(8):
        column = joined[byte::8]
        for bit, table in enumerate(_BIT_IS_SET):
            if 2 * column.translate(table).count(1) > total:
                out |= 1 << (BITS - 1 - (8 * byte + bit))
    return out


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def bands(h: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(h >> (i * BAND_BITS)) & mask for i in range(BANDS)]


def comparable(text: str) -> bool:
    """Long enough that a near-equal hash means a copy, not a coincidence."""
    return len(tokens(text)) >= MIN_CHARS
