"""Routing an event to the department responsible for it (谁主管谁负责).

reference/001_* 三(一) and 000_* 8: the department in charge answers first; several
departments each answer for their part with a lead department; matters spanning several
regions go to the higher-level department; especially major matters name the principal
leader. A miss goes to the office, never nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DepartmentRule:
    code: str
    name: str
    level: str = "city"
    parent: str | None = None
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    lead: str  # department code
    co: tuple[str, ...] = ()  # other departments that consult (会商)
    owner: str | None = None  # principal leader for especially major events
    reasons: tuple[str, ...] = field(default_factory=tuple)


TOPIC_WEIGHT = 3
CATEGORY_WEIGHT = 2
KEYWORD_WEIGHT = 1
REGION_WEIGHT = 1
MIN_SCORE = 2  # a single stray keyword is not ownership


def route(
    text: str,
    topics: list[str] | tuple[str, ...],
    categories: list[str] | tuple[str, ...],
    departments: list[DepartmentRule] | tuple[DepartmentRule, ...],
    office: str,
    grade: str = "IV",
    principal_leader: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Routing:
    """`labels` gives the Chinese names of category keys for the reasons."""
    labels = labels or {}
    scored: list[tuple[int, int, DepartmentRule, list[str]]] = []
    regions_hit: set[str] = set()
    for order, dept in enumerate(departments):
        score = 0
        why: list[str] = []
        for t in dept.topics:
            if t in topics:
                score += TOPIC_WEIGHT
                why.append(f"话题“{t}”")
        for c in dept.categories:
            if c in categories:
                score += CATEGORY_WEIGHT
                why.append(f"类别“{labels.get(c, c)}”")
        words = [k for k in dept.keywords if k in text]
        if words:
            score += KEYWORD_WEIGHT * len(words)
            why.append("关键词“" + "、".join(words) + "”")
        hit = [r for r in dept.regions if r in text]
        if hit:
            regions_hit.update(hit)
            score += REGION_WEIGHT
            why.append("地域“" + "、".join(hit) + "”")
        if score >= MIN_SCORE:
            scored.append((score, -order, dept, why))
    owner = principal_leader if grade == "I" else None
    if not scored:
        return Routing(lead=office, owner=owner, reasons=("未匹配到主管部门，转办公室统筹",))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    lead = scored[0][2]
    reasons = [f"{d.name}：{'，'.join(why)}（得分 {s}）" for s, _, d, why in scored]
    by_code = {d.code: d for d in departments}
    if len(regions_hit) > 1 and lead.parent and lead.parent in by_code:
        reasons.append(f"涉及多个地域（{'、'.join(sorted(regions_hit))}），由上级部门牵头")
        lead = by_code[lead.parent]
    co = tuple(d.code for _, _, d, _ in scored if d.code != lead.code)
    if owner:
        reasons.append(f"特别重大事件，由{owner}负总责")
    return Routing(lead=lead.code, co=co, owner=owner, reasons=tuple(reasons))
