"""Where a text would be routed, and why: for `yuqing route` and POST /api/route."""

from __future__ import annotations

from typing import Any

from monitor.cases.core import department_rules
from monitor.config.models import Settings
from monitor.errors import YuqingError
from monitor.scoring.grade import CATEGORY_NAMES
from monitor.scoring.lexicon import match_categories, match_topics
from workflow.routing import route

GRADES = ("I", "II", "III", "IV")


def explain_route(settings: Settings, text: str, grade: str = "IV") -> dict[str, Any]:
    if grade not in GRADES:
        raise YuqingError(f"风险等级应为 {'、'.join(GRADES)} 之一，实际为 {grade!r}。")
    topics = [t.name for t in match_topics(text, settings.topics.topics)]
    categories = list(match_categories(text, settings.scoring.categories))  # type: ignore[arg-type]
    r = route(
        text,
        topics,
        categories,
        department_rules(settings),
        settings.departments.office,
        grade,
        settings.departments.principal_leader,
        labels=CATEGORY_NAMES,
    )
    name = {d.code: d.name for d in settings.departments.departments}
    return {
        "lead": {"code": r.lead, "name": name[r.lead]},
        "co": [{"code": c, "name": name[c]} for c in r.co],
        "owner": r.owner,
        "topics": topics,
        "categories": [{"key": c, "name": CATEGORY_NAMES.get(c, c)} for c in categories],
        "reasons": list(r.reasons),
    }
