"""Sentiment models behind one method: P(negative) for a text."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class SentimentModel(Protocol):
    name: str

    def negative(self, text: str) -> float:
        """Probability in [0, 1] that the text expresses negative sentiment."""
        ...


class SnowNLPModel:
    """Stock snownlp (trained on product reviews): the design's baseline."""

    name = "snownlp"

    def __init__(self) -> None:
        from snownlp import SnowNLP  # loads its model once, here

        self._snow = SnowNLP

    def negative(self, text: str) -> float:
        text = text.strip()
        if not text:
            return 0.5
        return 1.0 - float(self._snow(text[:2000]).sentiments)


def load_model(name: str, trained_path: Path | None = None) -> SentimentModel:
    """The configured model; for `linear`, the agency's retrained file when there is one."""
    if name == "snownlp":
        return SnowNLPModel()
    if name == "linear":
        from monitor.scoring.linear import SHIPPED_MODEL, LinearModel

        path = trained_path if trained_path and trained_path.exists() else SHIPPED_MODEL
        return LinearModel.load(path)
    raise ValueError(f"unknown sentiment model {name!r}")
