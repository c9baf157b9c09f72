"""Where a text would be routed, and why: for `yuqing route` (one text or a CSV of them)
and POST /api/route."""

from __future__ import annotations

from typing import Any

from monitor.cases.core import department_rules
from monitor.config.models import Settings
from monitor.errors import YuqingError
from monitor.scoring.grade import CATEGORY_NAMES
from monitor.scoring.matcher import Matcher, compile_topic
from workflow.route_memory import RoutingMemory
from workflow.routing import Routing, route

GRADES = ("I", "II", "III", "IV")
KINDS = ("board", "manual", "news", "weibo", "feed")


class Router:
    """The configuration's rules and matcher built once, for routing many texts."""

    def __init__(self, settings: Settings, memory: RoutingMemory | None = None) -> None:
        self.settings = settings
        self.memory = memory
        self.rules = department_rules(settings)
        self.matcher = Matcher(
            [compile_topic(t) for t in settings.topics.topics],
            settings.scoring.categories,  # type: ignore[arg-type]
        )
        self.names = {d.code: d.name for d in settings.departments.departments}

    def route(
        self, text: str, title: str = "", grade: str = "IV", kind: str | None = None
    ) -> tuple[Routing, list[str], list[str]]:
        """The routing, and the topics and category keys the text matched."""
        if grade not in GRADES:
            raise YuqingError(f"风险等级应为 {'、'.join(GRADES)} 之一，实际为 {grade!r}。")
        if kind is not None and kind not in KINDS:
            raise YuqingError(f"来源类型应为 {'、'.join(KINDS)} 之一，实际为 {kind!r}。")
        hits, cats = self.matcher.match(f"{title}\n{text}" if title else text)
        topics = [t.name for t in hits]
        categories = list(cats)
        deps = self.settings.departments
        r = route(
            text,
            topics,
            categories,
            self.rules,
            deps.office,
            grade,
            deps.principal_leader,
            labels=CATEGORY_NAMES,
            title=title,
            kinds=(kind,) if kind else (),
            memory=self.memory,
        )
        return r, topics, categories


def explain_route(
    settings: Settings,
    text: str,
    grade: str = "IV",
    title: str = "",
    kind: str | None = None,
    memory: RoutingMemory | None = None,
) -> dict[str, Any]:
    router = Router(settings, memory)
    r, topics, categories = router.route(text, title, grade, kind)
    name = router.names
    return {
        "lead": {"code": r.lead, "name": name[r.lead]},
        "co": [{"code": c, "name": name[c]} for c in r.co],
        "owner": r.owner,
        "score": r.score,
        "topics": topics,
        "categories": [{"key": c, "name": CATEGORY_NAMES.get(c, c)} for c in categories],
        "reasons": list(r.reasons),
    }
