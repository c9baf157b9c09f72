"""SimHash of a mention's text: reposts and 转载 with small edits land within a few bits."""

from __future__ import annotations

import hashlib
import operator
import re
import sys
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
# Shingle -> its hash spread out, bit b into a 16-bit counter at bits 16b..16b+15, so
# adding the spread hashes of a text's shingles counts, per bit, the shingles that set it
# (about twice as fast as tallying the joined hashes column by column). A text of 2**16
# shingles or more could overflow a counter and is tallied by `_hash` instead.
_LANE_BYTES = 2
_LANE_LIMIT = 1 << (8 * _LANE_BYTES)
_SPREAD: dict[str, int] = {}
_SPREAD_MAX = 50_000  # cleared when full (about 15 MB)
# _SPREAD_BYTE[v]: the little-endian counters of byte value v's 8 bits, least first.
_SPREAD_BYTE = [
    bytes(x for j in range(8) for x in ((v >> j) & 1, *([0] * (_LANE_BYTES - 1))))
    for v in range(256)
]
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
    return _hash_tokens(tokens(text))


def simhash_comparable(text: str) -> tuple[int, bool]:
    """`simhash(text)` and `comparable(text)`, the text tokenised once."""
    toks = tokens(text)
    return _hash_tokens(toks), len(toks) >= MIN_CHARS


def _hash_tokens(toks: list[str]) -> int:
    """`_hash(_pairs(toks))`, by adding up the shingles' spread hashes."""
    grams = list(map(operator.add, toks, toks[1:])) if len(toks) >= 2 else toks
    total = len(grams)
    if total >= _LANE_LIMIT:
        return _hash(Counter(grams))
    spread = _SPREAD
    try:
        acc = sum(map(spread.__getitem__, grams))
    except KeyError:  # new shingles (or the cache was cleared meanwhile)
        if len(spread) > _SPREAD_MAX:
            spread.clear()
        acc = 0
        for gram in grams:
            value = spread.get(gram)
            if value is None:
                value = spread[gram] = _spread(gram)
            acc += value
    counts = memoryview(acc.to_bytes(BITS * _LANE_BYTES, sys.byteorder)).cast("H")
    out = 0
    for bit in range(BITS):
        if 2 * counts[bit] > total:
            out |= 1 << bit
    return out


def _spread(gram: str) -> int:
    digest = _digest(gram)
    return int.from_bytes(b"".join(_SPREAD_BYTE[v] for v in reversed(digest)), "little")


def _digest(gram: str) -> bytes:
    return hashlib.blake2b(gram.encode(), digest_size=8).digest()


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
            digest = digests[gram] = _digest(gram)
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
