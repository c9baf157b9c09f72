"""Heat index (热度) 0–100 from engagement, the source's tier and spread across sources."""

from __future__ import annotations

import math

TIER_POINTS = {"central": 30, "provincial": 20, "local": 10, "government": 10, "self_media": 0}


def mention_heat(reposts: int, comments: int, likes: int, tier: str) -> float:
    # 1k engagements ≈ 45, 10k ≈ 60, 100k ≈ 75, 1M ≈ 90 (before the tier bonus)
    engagement = reposts + comments + 0.2 * likes
    return round(min(100.0, 15 * math.log10(1 + engagement) + TIER_POINTS.get(tier, 0)), 1)


def event_heat(peak_heat: float, source_count: int, mention_count: int) -> float:
    """The hottest mention, raised by how widely the matter has spread."""
    spread = 8 * math.log2(max(source_count, 1)) + 3 * math.log2(max(mention_count, 1))
    return round(min(100.0, peak_heat + spread), 1)
