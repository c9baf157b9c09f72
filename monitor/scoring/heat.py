"""Heat index (热度) 0–100 from engagement, the source's tier and spread across sources."""

from __future__ import annotations

import math
from datetime import datetime

from monitor.clock import as_utc


def mention_heat(
    reposts: int, comments: int, likes: int, tier_points: float, age_hours: float | None = None
) -> float:
    """Engagement, the source tier's points, and velocity when the post's age is known.

    `tier_points` is what scoring.yaml `grading.tier_points` gives the source's tier.
    """
    # 1k engagements ≈ 45, 10k ≈ 60, 100k ≈ 75, 1M ≈ 90 (before the tier bonus)
    engagement = reposts + comments + 0.2 * likes
    heat = 15 * math.log10(1 + engagement) + tier_points
    if age_hours is not None:
        # velocity: 100 engagements an hour ≈ +1.5, 1k ≈ +5, capped at +10
        per_hour = engagement / max(age_hours, 1.0)
        heat += min(10.0, 5 * math.log10(1 + per_hour / 100))
    return round(min(100.0, heat), 1)


def age_hours(published_at: datetime | None, fetched_at: datetime) -> float | None:
    """How old a post was when fetched: engagement over this is its velocity."""
    if published_at is None:
        return None
    age = as_utc(fetched_at) - as_utc(published_at)
    return max(age.total_seconds() / 3600, 0.0)


def event_heat(
    peak_heat: float, source_count: int, mention_count: int, pickup: float = 0.0
) -> float:
    """The hottest mention, raised by how widely the matter has spread.

    `pickup` is added when news outlets took up a story that started on a message board
    or Weibo (传统媒体介入, one of the things judgment weighs).
    """
    spread = 8 * math.log2(max(source_count, 1)) + 3 * math.log2(max(mention_count, 1))
    return round(min(100.0, peak_heat + spread + pickup), 1)


def picked_up(origin_kind: str, kinds: list[str]) -> bool:
    return origin_kind in ("weibo", "board") and any(k in ("news", "feed") for k in kinds)
