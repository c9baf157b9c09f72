"""Spike detection: the last hour against the trailing hourly baseline (mean + kσ)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config.models import GradingConfig
from monitor.scoring.grade import Reason

BASELINE_HOURS = 24


@dataclass(frozen=True)
class Spike:
    last_hour: int
    mean: float
    sigma: float

    def text(self, subject: str) -> str:
        return (
            f"{subject}传播激增：近 1 小时 {self.last_hour} 条，此前每小时均值 {self.mean:.1f} 条"
        )


def hourly_counts(
    times: Iterable[datetime], until: datetime, hours: int = BASELINE_HOURS + 1
) -> list[int]:
    """Counts per hour, oldest first; the last bucket is the hour ending at `until`."""
    counts = [0] * hours
    for t in times:
        age = until - t
        if age < timedelta(0):
            continue
        bucket = int(age.total_seconds() // 3600)
        if bucket < hours:
            counts[hours - 1 - bucket] += 1
    return counts


def detect(counts: list[int], k: float = 3.0, min_count: int = 5) -> Spike | None:
    """A spike when the last hour is at least `min_count` and above mean + kσ of the rest.

    The floor of one mention in σ keeps a quiet topic from "spiking" on its second post.
    """
    if len(counts) < 2:
        return None
    last, base = counts[-1], counts[:-1]
    mean = sum(base) / len(base)
    sigma = math.sqrt(sum((c - mean) ** 2 for c in base) / len(base))
    if last >= min_count and last > mean + k * max(sigma, 1.0):
        return Spike(last, mean, sigma)
    return None


def spike_reasons(
    event_counts: list[int],
    topic_counts: Mapping[str, list[int]],
    topics: list[str],
    g: GradingConfig,
) -> list[Reason]:
    """Spike reasons of an event and of a mention's topics from their hourly counts
    (`hourly_counts`, up to the mention's time). The same reasons the analysis stage
    gives; a replay counts the times it holds."""
    out = []
    found = detect(event_counts, g.spike_sigma, g.spike_min_count)
    if found:
        out.append(Reason("spike", found.text("本事件"), g.spike_points))
    for topic in topics:
        found = detect(topic_counts.get(topic, []), g.spike_sigma, g.spike_min_count)
        if found:
            out.append(Reason("spike", found.text(f"话题“{topic}”"), g.spike_points))
            break  # one topic spike is reason enough; the points do not add up
    return out
