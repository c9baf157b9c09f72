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
_NET_NUMBER = re.compile(r"5{3,}|6{3,}|23{3,}")
MAX_CHARS = 400
NGRAMS = (1, 2)
EXPLAIN_MIN = 0.5  # a word's summed weight to be named as a reason


_SECTIONS = {"[negative]": -1, "[positive]": 1, "[negator]": 0, "[degree]": 0}
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
_PUNCT_RUNS = (("!!", "P:!!"), ("！！", "P:!!"), ("??", "P:??"), ("？？", "P:??"))
_ELLIPSIS = ("...", "。。。", "……")
NEGATION_GAP = 3  # characters allowed between a negator and the word it flips
_CLAUSE = set("，。！？；,.!?;~～\n ")


@dataclass(frozen=True)
class Lexicon:
    """Polarity words (-1/+1), negators and degree words, matched in one automaton pass."""

    words: dict[str, int]
    negators: frozenset[str]
    degrees: frozenset[str]
    automaton: ahocorasick.Automaton


def read_lexicon(path: Path = LEXICON) -> Lexicon:
    sections: dict[str, dict[str, int]] = {name: {} for name in _SECTIONS}
    current: dict[str, int] | None = None
    header = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in _SECTIONS:
            header, current = line, sections[line]
            continue
        if current is None:
            raise ValueError(f"{path}: word before any section header")
        for w in line.split():
            current.setdefault(w.lower(), _SECTIONS[header])
    words = {**sections["[positive]"]}
    words.update(sections["[negative]"])  # a word listed in both counts as negative
    negators = frozenset(sections["[negator]"])
    degrees = frozenset(sections["[degree]"])
    auto = ahocorasick.Automaton()
    for w in set(words) | negators | degrees:
        auto.add_word(w, (w, words.get(w, 0), w in negators, w in degrees))
    auto.make_automaton()
    return Lexicon(words, negators, degrees, auto)


@lru_cache(maxsize=1)
def lexicon() -> tuple[dict[str, int], ahocorasick.Automaton]:
    """Lexicon words with their polarity (-1 negative, +1 positive) and the automaton."""
    lex = _lexicon()
    return lex.words, lex.automaton


@lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    return read_lexicon()


def _digits(m: re.Match[str]) -> str:
    """Numbers become 0, except the ones Weibo writes as words (555 哭, 666 厉害, 2333 笑)."""
    return m.group() if _NET_NUMBER.fullmatch(m.group()) else "0"


def normalise(text: str) -> str:
    text = _URL.sub(" ", text.lower())
    text = _AT.sub("@", text)
    text = _DIGITS.sub(_digits, text)
    return _SPACE.sub(" ", text).strip()[:MAX_CHARS]


def _near(spans: list[tuple[int, int]], start: int, gap: int, text: str) -> int:
    """Index of the span ending within `gap` characters before `start`, same clause; -1."""
    for i, (_, e) in enumerate(spans):
        if start - gap - 1 <= e < start and not any(c in _CLAUSE for c in text[e + 1 : start]):
            return i
    return -1


@dataclass(frozen=True)
class Hit:
    """A polarity word in normalised text; `start` includes the negator when negated."""

    word: str
    polarity: int
    negated: bool
    intense: bool
    start: int
    end: int  # exclusive

    @property
    def feature(self) -> str:
        return ("W:不" if self.negated else "W:") + self.word


def lexicon_hits(t: str) -> list[Hit]:
    """Polarity words in normalised text, negation- and degree-aware.

    A word inside a longer polarity word is not counted twice (开心 in 不开心); a word is
    negated when a negator ends at most NEGATION_GAP characters before it in the same
    clause (一点都不好, 没那么开心; only the first word after it, never an emoticon),
    intensified when a degree word ends right before it.
    """
    polar: list[tuple[int, int, str, int]] = []
    negators: list[tuple[int, int]] = []
    degrees: list[tuple[int, int]] = []
    for end, (word, polarity, is_negator, is_degree) in _lexicon().automaton.iter(t):
        start = end - len(word) + 1
        if polarity:
            polar.append((start, end, word, polarity))
        if is_negator:
            negators.append((start, end))
        if is_degree:
            degrees.append((start, end))
    polar.sort(key=lambda m: (m[0], -m[1]))
    hits: list[Hit] = []
    reach = -1
    starts = {m[0] for m in polar}
    degree_words = _lexicon().degrees
    for start, end, word, polarity in polar:
        if end <= reach:
            continue  # inside a longer polarity word
        if word in degree_words and end + 1 in starts:
            continue  # 好 in 好担心 is a degree word, not praise
        reach = end
        by = -1 if word[0] == "[" else _near(negators, start, NEGATION_GAP, t)
        first = start
        if by >= 0:
            first = negators.pop(by)[0]  # a negator flips only the first word after it
        intense = _near(degrees, start, 1, t) >= 0
        hits.append(Hit(word, polarity, by >= 0, intense, first, end + 1))
    return hits


def _last_clause(t: str) -> int:
    """Where the text's last clause starts (trailing punctuation and emoticons aside)."""
    end = len(t)
    while end and (t[end - 1] in _CLAUSE or t[end - 1] in "]…"):
        if t[end - 1] == "]":
            i = t.rfind("[", 0, end)
            if i < 0:
                break
            end = i
        else:
            end -= 1
    i = end - 1
    while i >= 0 and t[i] not in _CLAUSE:
        i -= 1
    return i + 1


def _counts_as(hit: Hit) -> str:
    """Which lexicon count a hit adds to: '-', '+' or '' (a negated negative word)."""
    if hit.negated:
        return "-" if hit.polarity > 0 else ""
    return "-" if hit.polarity < 0 else "+"


def features(text: str) -> list[str]:
    """Character n-grams, lexicon words and counts (negation- and degree-aware), emoticons
    and punctuation runs."""
    t = normalise(text)
    grams = {t[i : i + n] for n in NGRAMS for i in range(len(t) - n + 1)}
    neg = pos = 0
    last = _last_clause(t)
    for hit in lexicon_hits(t):
        grams.add(hit.feature)
        if hit.end > last:
            grams.add("T:" + _counts_as(hit))  # the closing clause often carries the mood
        if hit.negated:
            grams.add("N:-" if hit.polarity < 0 else "N:+")
            neg += hit.polarity > 0
            continue
        if hit.polarity < 0:
            neg += 1
        else:
            pos += 1
        if hit.intense:
            grams.add("D:-" if hit.polarity < 0 else "D:+")
    for i in range(min(neg, 3)):
        grams.add(f"L-:{i}")
    for i in range(min(pos, 3)):
        grams.add(f"L+:{i}")
    if neg > pos:
        grams.add("L:-")
    elif pos > neg:
        grams.add("L:+")
    elif not neg:
        grams.add("L:0")  # no polarity word at all
    for m in _EMOTICON.findall(t):
        grams.add("E:" + m)
    if "!" in t or "！" in t:
        grams.add("P:!")
    if "?" in t or "？" in t:
        grams.add("P:?")
    for run, name in _PUNCT_RUNS:
        if run in t:
            grams.add(name)
    if any(e in t for e in _ELLIPSIS):
        grams.add("P:...")
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
        """P(negative) and the words that pushed it up the most.

        The candidates are the text's lexicon words as they occur (with their negator:
        一点都不好), its emoticons and its other words as jieba segments them; each scores
        the weights of the character n-grams inside it plus its lexicon feature.
        """
        import jieba

        if not text.strip():
            return 0.5, []
        all_feats = features(text)
        p = _sigmoid(self._z(all_feats))
        t = normalise(text)
        w = self.weights.get

        def inside(a: int, b: int) -> float:
            return sum(w(t[i : i + n], 0.0) for n in NGRAMS for i in range(a, b - n + 1))

        feats = set(all_feats)
        hits = lexicon_hits(t)
        # the lexicon counts (L-:0, L:-, T:-, D:-, N:+ ...) are shared out among the words counted
        share: dict[str, float] = {}
        for kind in "-+":
            counted = [h for h in hits if _counts_as(h) == kind]
            total = sum(w(f, 0.0) for f in feats if f[:2] in (f"L{kind}", "D:") and f[-1:] == kind)
            total += sum(w(f, 0.0) for f in feats if f in (f"L:{kind}", f"T:{kind}"))
            total += w("N:+", 0.0) if kind == "-" and "N:+" in feats else 0.0
            share[kind] = total / len(counted) if counted else 0.0
        scored: dict[str, float] = {}
        taken = [False] * len(t)
        for hit in hits:
            shown = t[hit.start : hit.end]
            grams = inside(hit.start, hit.end)
            if _counts_as(hit) == "-":
                # 没那么开心: the negation is the reason, whatever 开心 weighs on its own
                grams = max(grams, 0.0)
            s = w(hit.feature, 0.0) + grams + share.get(_counts_as(hit), 0)
            scored[shown] = max(scored.get(shown, -1e9), s)
            taken[hit.start : hit.end] = [True] * (hit.end - hit.start)
        for m in _EMOTICON.finditer(t):
            if m.group() not in scored:
                scored[m.group()] = w("E:" + m.group(), 0.0) + w("W:" + m.group(), 0.0)
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
        pos = 0
        for word in jieba.lcut(t):
            a, pos = pos, pos + len(word)
            if len(word) < 2 or not word.strip() or word in scored or any(taken[a:pos]):
                continue
            # a word outside the lexicon is named only when its n-grams weigh clearly
            scored[word] = inside(a, pos) - EXPLAIN_MIN
        ranked = sorted(scored.items(), key=lambda x: -x[1])
        return p, [word for word, s in ranked[:k] if s >= EXPLAIN_MIN and len(word) > 1]

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
