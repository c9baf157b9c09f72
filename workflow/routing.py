"""Routing an event to the department responsible for it (谁主管谁负责).

reference/001_* 三(一) and 000_* 8: the department in charge answers first; several
departments each answer for their part with a lead department; matters spanning several
regions go to the higher-level department; especially major matters name the principal
leader. A miss goes to the office, never nowhere.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workflow.route_memory import RoutingMemory


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
    score: float = 0.0  # the lead's score (the top score when the office coordinates)

    @property
    def why(self) -> str:
        """The first reason: why the lead got it, in one line."""
        return self.reasons[0] if self.reasons else ""


TOPIC_WEIGHT = 3.0
CATEGORY_WEIGHT = 2.0
# The title is the writer's own summary of the matter; the body has its context too, and
# many weak words there must not outvote one of the title: each further word of a field
# adds DECAY times the one before (the strongest first), so a body adds at most 1/(1-DECAY).
TITLE_WEIGHT = 2.5
BODY_WEIGHT = 1.0
DECAY = 0.7
REGION_WEIGHT = 1.0
# times the similarity to a re-assigned event: an officer's decision on a near-identical
# matter (similarity 0.6 and up) outweighs what the words alone say
LEARNED_WEIGHT = 8.0
MIN_SCORE = 2.0  # a single stray keyword is not ownership
# A citizen's own message (留言板, 来信来电) is about one matter of their own: one specific
# word of its title is enough, and the focus categories, which such messages nearly always
# hit (切身利益), tell departments apart less than in a news report.
CITIZEN_KINDS = frozenset({"board", "manual"})
CITIZEN_MIN_SCORE = 1.5
CITIZEN_CATEGORY_FACTOR = 0.5
# The runner-up this close to the top: the matter is several departments', so the office
# coordinates (会商) rather than the rules picking one by a hair.
AMBIGUOUS_RATIO = 0.8
KIND_NAMES = {"board": "留言板", "manual": "来信来电"}


def _longest(words: list[str]) -> list[str]:
    """The words not inside another found word: 噪音扰民 counts once, not with 噪音 and 扰民."""
    return [w for w in words if not any(w != o and w in o for o in words)]


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def route(
    text: str,
    topics: list[str] | tuple[str, ...],
    categories: list[str] | tuple[str, ...],
    departments: list[DepartmentRule] | tuple[DepartmentRule, ...],
    office: str,
    grade: str = "IV",
    principal_leader: str | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    title: str = "",
    kinds: Sequence[str] = (),
    memory: RoutingMemory | None = None,
) -> Routing:
    """`text` is the body (or all of it when there is no `title`); `kinds` are the source
    kinds of the event's mentions; `memory` the agency's own record (IDF, re-assignments).
    `labels` gives the Chinese names of category keys for the reasons.

    A keyword weighs more in the title than in the body, and less the more departments
    list it and the more common it is in the agency's mentions (its IDF).
    """
    labels = labels or {}
    citizen = next((k for k in kinds if k in CITIZEN_KINDS), None)
    min_score = CITIZEN_MIN_SCORE if citizen else MIN_SCORE
    category_weight = CATEGORY_WEIGHT * (CITIZEN_CATEGORY_FACTOR if citizen else 1.0)
    listed = Counter(k for d in departments for k in set(d.keywords))
    similar = memory.similar(f"{title}\n{text}") if memory else []
    scored: list[tuple[float, int, DepartmentRule, list[str]]] = []
    regions_hit: set[str] = set()
    for order, dept in enumerate(departments):
        score = 0.0
        why: list[str] = []
        for t in dept.topics:
            if t in topics:
                score += TOPIC_WEIGHT
                why.append(f"话题“{t}”")
        for c in dept.categories:
            if c in categories:
                score += category_weight
                why.append(f"类别“{labels.get(c, c)}”")
        in_title = _longest([k for k in dept.keywords if title and k in title])
        in_body = _longest([k for k in dept.keywords if k in text and k not in in_title])
        for found, weight in ((in_title, TITLE_WEIGHT), (in_body, BODY_WEIGHT)):
            each = [
                weight * (memory.keyword_factor(k) if memory else 1.0) / math.sqrt(listed[k])
                for k in found
            ]
            score += sum(w * DECAY**i for i, w in enumerate(sorted(each, reverse=True)))
        if in_title:
            why.append("标题含“" + "、".join(in_title) + "”")
        if in_body:
            why.append(("正文含“" if title else "关键词“") + "、".join(in_body) + "”")
        hit = [r for r in dept.regions if r in text or r in title]
        if hit:
            regions_hit.update(hit)
            score += REGION_WEIGHT
            why.append("地域“" + "、".join(hit) + "”")
        for r, sim in similar:
            ref = f"事件 #{r.event_id} " if r.event_id else "事件"
            if r.to == dept.code:
                score += LEARNED_WEIGHT * sim
                why.append(f"与曾改派至此的{ref}相近（相似度 {sim:.2f}）")
            elif r.origin == dept.code:
                score -= LEARNED_WEIGHT * sim / 2
                why.append(f"与曾由此改派出的{ref}相近（相似度 {sim:.2f}）")
        if score >= min_score:
            scored.append((score, -order, dept, why))
    owner = principal_leader if grade == "I" else None
    if not scored:
        return Routing(lead=office, owner=owner, reasons=("未匹配到主管部门，转办公室统筹",))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    top = scored[0][0]
    lead = scored[0][2]
    source = f"（来源：{KIND_NAMES[citizen]}）" if citizen else ""
    reasons = [f"{d.name}：{'，'.join(why)}（得分 {_fmt(s)}）{source}" for s, _, d, why in scored]
    by_code = {d.code: d for d in departments}
    if len(scored) > 1 and scored[1][0] >= AMBIGUOUS_RATIO * top and lead.code != office:
        second = scored[1][2]
        reasons.insert(
            0,
            f"{lead.name}与{second.name}得分相近（{_fmt(top)} / {_fmt(scored[1][0])}），"
            "由办公室统筹会商",
        )
        lead = by_code.get(office, lead)
    elif len(regions_hit) > 1 and lead.parent and lead.parent in by_code:
        reasons.append(f"涉及多个地域（{'、'.join(sorted(regions_hit))}），由上级部门牵头")
        lead = by_code[lead.parent]
    co = tuple(d.code for _, _, d, _ in scored if d.code not in (lead.code, office))
    if owner:
        reasons.append(f"特别重大事件，由{owner}负总责")
    return Routing(lead=lead.code, co=co, owner=owner, reasons=tuple(reasons), score=round(top, 2))
