"""Officers' sentiment labels: store a correction, and read them back for training."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.storage.models import Mention
from monitor.storage.scoring import LABELS, SentimentLabel


def add_label(
    session: Session, mention: Mention, label: str, actor: str, now: datetime
) -> SentimentLabel:
    """Record `label` for the mention; the latest label of a mention is the one that counts."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}")
    row = SentimentLabel(
        mention_id=mention.id,
        text=f"{mention.title}\n{mention.text}"[:5000],
        label=label,
        actor=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def training_labels(session: Session, weight: float = 3.0) -> list[tuple[str, int, float]]:
    """(text, is_negative, weight) per labelled mention, latest label first wins.

    An item marked irrelevant teaches the sentiment model nothing about polarity (it is
    not negative government 舆情), so it is learnt as not negative.
    """
    latest: dict[object, SentimentLabel] = {}
    rows = session.scalars(select(SentimentLabel).order_by(SentimentLabel.id.desc()))
    for row in rows:
        latest.setdefault(row.mention_id or f"text:{row.id}", row)
    return [(r.text, 1 if r.label == "negative" else 0, weight) for r in latest.values()]
