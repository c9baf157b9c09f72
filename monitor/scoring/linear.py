"""The default sentiment model: a logistic regression over character n-grams and a lexicon.

Scoring is a few hundred dictionary look-ups per text, so it runs at tens of thousands of
short texts a second on one core and loads in a fraction of a second. The model file is
built by `monitor/scoring/train.py` (see `yuqing sentiment train` and
`scripts/build_sentiment_model.py`); its provenance travels inside the file.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

DATA = Path(__file__).parent / "data"
SHIPPED_MODEL = DATA / "sentiment-linear.json.gz"
LEXICON = DATA / "lexicon.txt"

_URL = re.compile(r"https?://\S+|www\.\S+")
_AT = re.compile(r"@[\w\-]{1,30}")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")
_NEGATORS = "不没别未无非"
MAX_CHARS = 400
NGRAMS = (1, 2)
EXPLAIN_MIN = 0.5  # a word's summed weight to be named as a reason


@lru_cache(maxsize=1)
def lexicon() -> tuple[dict[str, int], ahocorasick.Automaton]:
    """Lexicon words with their polarity (-1 negative, +1 positive) and an automaton."""
    words: dict[str, int] = {}
    polarity = 0
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("[negative]", "[positive]"):
            polarity = -1 if line == "[negative]" else 1
            continue
        for w in line.split():
            words.setdefault(w.lower(), polarity)
    auto = ahocorasick.Automaton()
    for w, p in words.items():
        auto.add_word(w, (w, p))
    auto.make_automaton()
    return words, auto


def normalise(text: str) -> str:
    text = _URL.sub(" ", text.lower())
    text = _AT.sub("@", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()[:MAX_CHARS]


def features(text: str) -> list[str]:
    """Character 1–3-grams, lexicon words and lexicon counts (negation-aware)."""
    t = normalise(text)
    grams = {t[i : i + n] for n in NGRAMS for i in range(len(t) - n + 1)}
    _, auto = lexicon()
    neg = pos = 0
    for end, (word, polarity) in auto.iter(t):
        grams.add("W:" + word)
        start = end - len(word) + 1
        negated = start > 0 and t[start - 1] in _NEGATORS
        if polarity < 0:
            neg += 1
        elif negated:
            neg += 1
            grams.add("W:不" + word)
        else:
            pos += 1
    for i in range(min(neg, 3)):
        grams.add(f"L-:{i}")
    for i in range(min(pos, 3)):
        grams.add(f"L+:{i}")
    if "!" in t or "！" in t:
        grams.add("P:!")
    if "?" in t or "？" in t:
        grams.add("P:?")
    return list(grams)


@dataclass
class LinearModel:
    """P(negative) = sigmoid(bias + Σ weight); positive weights point to negative text."""

    weights: dict[str, float]
    bias: float
    meta: dict[str, Any]
    name: str = "linear"

    def _z(self, feats: list[str]) -> float:
        w = self.weights.get
        return self.bias + sum(w(f, 0.0) for f in feats)

    def negative(self, text: str) -> float:
        if not text.strip():
            return 0.5
        return _sigmoid(self._z(features(text)))

    def explain(self, text: str, k: int = 5) -> tuple[float, list[str]]:
        """P(negative) and the words that pushed it up the most, as jieba segments them."""
        import jieba

        p = self.negative(text)
        w = self.weights.get
        scored: dict[str, float] = {}
        for word in jieba.lcut(normalise(text)):
            if len(word) < 2 or not word.strip() or word in scored:
                continue
            grams = {word[i : i + n] for n in NGRAMS for i in range(len(word) - n + 1)}
            scored[word] = w("W:" + word, 0.0) + sum(w(g, 0.0) for g in grams)
        ranked = sorted(scored.items(), key=lambda x: -x[1])
        return p, [word for word, s in ranked[:k] if s >= EXPLAIN_MIN]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "format": "yuqing-sentiment-linear/1",
            "meta": self.meta,
            "bias": round(self.bias, 4),
            "weights": {f: round(w, 4) for f, w in sorted(self.weights.items())},
        }
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # mtime=0 keeps a rebuilt file byte-identical when nothing changed
        path.write_bytes(gzip.compress(data, mtime=0))

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        doc = json.loads(gzip.decompress(path.read_bytes()))
        if doc.get("format") != "yuqing-sentiment-linear/1":
            raise ValueError(f"{path}: not a yuqing sentiment model")
        return cls(weights=doc["weights"], bias=float(doc["bias"]), meta=doc.get("meta", {}))


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
