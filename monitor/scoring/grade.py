"""Risk grade I–IV from points, with every reason kept as data and shown in one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.config.models import GradingConfig
from monitor.config.types import GRADE_NAMES

CATEGORY_NAMES = {
    "decision": "重大决策部署",
    "vital_interest": "切身利益",
    "image": "政府形象",
    "emergency": "突发事件",
    "morality": "社会道德",
    "false_info": "虚假信息",
    "policy_misread": "政策误读",
}
TIER_NAMES = {
    "central": "中央媒体",
    "provincial": "省级媒体",
    "local": "地方媒体",
    "self_media": "自媒体",
    "government": "政务网站",
}


@dataclass(frozen=True)
class Reason:
    factor: str  # sentiment | category | topic | heat | spike | floor
    text: str  # Chinese, for people
    points: float

    def as_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "text": self.text, "points": round(self.points, 1)}


def apply_floors(
    grade: str, categories: set[str], heat: float, cfg: GradingConfig
) -> tuple[str, Reason | None]:
    """The most severe floor that applies, if it is above `grade`, with its reason."""
    from monitor.config.types import grade_rank

    best: tuple[str, Reason | None] = (grade, None)
    for f in cfg.floors:
        if f.categories and not categories.intersection(f.categories):
            continue
        if heat < f.min_heat:
            continue
        if grade_rank(f.grade) > grade_rank(best[0]):
            best = (f.grade, Reason("floor", f"{f.name}，至少为{GRADE_NAMES[f.grade]}", 0))
    return best


def grade_for(points: float, cfg: GradingConfig) -> str:
    for grade in ("I", "II", "III"):
        if points >= cfg.thresholds[grade]:  # type: ignore[index]
            return grade
    return "IV"


def mention_reasons(
    negative: float,
    negative_at: float,
    sentiment_words: list[str],
    categories: dict[str, list[str]],
    topics: list[tuple[str, int, tuple[str, ...]]],
    heat: float,
    cfg: GradingConfig,
    tier: str | None = None,
) -> list[Reason]:
    """The mention's reasons; `tier` is named in the heat reason when it added heat."""
    reasons = []
    if negative >= negative_at:
        why = f"（{'、'.join(sentiment_words[:3])}）" if sentiment_words else ""
        reasons.append(
            Reason("sentiment", f"负面倾向 {negative:.2f}{why}", cfg.negative_points * negative)
        )
    for cat, words in categories.items():
        pts = cfg.category_points.get(cat, 0)  # type: ignore[call-overload]
        reasons.append(Reason("category", f"{CATEGORY_NAMES[cat]}（{'、'.join(words[:3])}）", pts))
    if topics:
        name, priority, words = max(topics, key=lambda t: t[1])
        pts = cfg.priority_points.get(priority, 0)
        reasons.append(Reason("topic", f"话题“{name}”（{'、'.join(words[:3])}）", pts))
    if heat > 0:
        source = f"（来源：{TIER_NAMES[tier]}）" if tier in TIER_NAMES else ""
        reasons.append(Reason("heat", f"热度 {heat:.0f}{source}", cfg.heat_points_max * heat / 100))
    return reasons


def total(reasons: list[Reason]) -> float:
    return sum(r.points for r in reasons)


def one_line(reasons: list[dict[str, Any]] | list[Reason]) -> str:
    """The reasons as officers read them: '负面倾向 0.91；政府形象（乱收费）；热度 63'."""
    texts = [r.text if isinstance(r, Reason) else r["text"] for r in reasons]
    return "；".join(texts) if texts else "无突出风险因素"


def grade_label(grade: str) -> str:
    return f"{GRADE_NAMES[grade]}（{grade}级）"
