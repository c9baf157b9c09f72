"""Emergency monitoring (突发事件监测): an open major event's terms searched every few minutes."""

from __future__ import annotations

import logging

from sqlalchemy import select

from monitor.collection.crawl import crawl_child
from monitor.config.models import Settings
from monitor.config.types import at_least
from monitor.storage.db import Database
from monitor.storage.models import Event
from workflow.states import OPEN_STATES

log = logging.getLogger(__name__)
TERMS_PER_EVENT = 3
MAX_KEYWORDS = 10


def emergency_keywords(db: Database, min_grade: str) -> list[str]:
    """Distinctive terms of the open events graded `min_grade` or above, gravest first."""
    with db.session() as s:
        events = s.scalars(
            select(Event).where(Event.state.in_(OPEN_STATES)).order_by(Event.id)
        ).all()
        major = sorted((e for e in events if at_least(e.grade, min_grade)), key=lambda e: e.grade)
        words: list[str] = []
        for e in major:
            for term in list(e.terms)[:TERMS_PER_EVENT]:
                if term not in words:
                    words.append(str(term))
    return words[:MAX_KEYWORDS]


def run_emergency(db: Database, settings: Settings, config_dir: str) -> int:
    """Search the open major events' terms on every enabled Weibo source; 0 when none."""
    words = emergency_keywords(db, settings.service.crawl.emergency_min_grade)
    if not words:
        return 0
    sources = [s.name for s in settings.sources.sources if s.enabled and s.kind == "weibo"]
    for name in sources:
        log.info("emergency search on %s: %s", name, "、".join(words))
        crawl_child(config_dir, name, keywords=words)
    return len(sources)
