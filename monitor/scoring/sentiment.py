"""Sentiment models behind one method: P(negative) for a text."""

from __future__ import annotations

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


def load_model(name: str) -> SentimentModel:
    if name == "snownlp":
        return SnowNLPModel()
    raise ValueError(f"unknown sentiment model {name!r}")
