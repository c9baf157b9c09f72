"""Rule backtest: replay stored mentions through changed topic rules, changing nothing.

For each stored event the replay recomputes its topics and its grade from its mentions
under the new rules (heat and spread as stored: rules do not change them); mentions that
belong to no event and now match a topic are events that would have opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config.loader import AppConfig, _key_path, _read_yaml
from monitor.config.models import Settings, TopicsConfig
from monitor.config.types import GRADE_NAMES, grade_rank
from monitor.errors import ConfigError
from monitor.pipeline.group import age_hours
from monitor.scoring.grade import apply_floors, grade_for
from monitor.scoring.scorer import Scorer
from monitor.storage.models import Event, Mention


@dataclass
class BacktestResult:
    mentions: int = 0
    changed: int = 0  # mentions whose topics differ
    lines: list[str] = field(default_factory=list)


def load_topics_file(path: Path, settings: Settings) -> TopicsConfig:
    """A topics.yaml to try; errors name the file, the key and what was expected."""
    if not path.exists():
        raise ConfigError(f"话题文件 {path} 不存在。")
    raw = _read_yaml(path)
    try:
        return TopicsConfig.model_validate(raw)
    except ValidationError as e:
        parts = []
        for err in e.errors(include_url=False):
            what = err["msg"].removeprefix("Value error, ")
            parts.append(f"{path} 中的 {_key_path(tuple(err['loc']))}：{what}")
        raise ConfigError("话题文件无效：" + "；".join(parts) + "。") from None


def replay(
    session: Session, app: AppConfig, scorer: Scorer, topics: TopicsConfig, since: datetime
) -> BacktestResult:
    settings = app.settings.model_copy(update={"topics": topics})
    trial = Scorer(settings, model=scorer.model)
    grading = settings.scoring.grading
    result = BacktestResult()
    per_event: dict[int, tuple[set[str], float]] = {}
    opened: list[Mention] = []
    mentions = session.scalars(
        select(Mention).where(Mention.analysed_at.is_not(None), Mention.fetched_at >= since)
    )
    for m in mentions:
        result.mentions += 1
        s = trial.score(
            m.title, m.text, m.reposts, m.comments, m.likes, m.source.tier, age_hours(m)
        )
        if set(s.topics) != set(m.topics or []):
            result.changed += 1
        own = sum(r["points"] for r in s.reasons if r["factor"] != "heat")
        if m.event_id is None:
            if s.topics:
                opened.append(m)
            continue
        topics_so_far, points = per_event.get(m.event_id, (set(), 0.0))
        per_event[m.event_id] = (topics_so_far | set(s.topics), max(points, own))
    for event_id, (new_topics, points) in sorted(per_event.items()):
        ev = session.get_one(Event, event_id)
        heat_points = grading.heat_points_max * ev.heat / 100
        grade = grade_for(points + heat_points, grading)
        grade, _ = apply_floors(grade, set(ev.categories), ev.heat, grading)
        old_topics = set(ev.topics)
        notes = []
        if new_topics != old_topics:
            before = "、".join(sorted(old_topics)) or "无"
            notes.append(f"话题 {before} → {'、'.join(sorted(new_topics)) or '无'}")
        if grade != ev.grade:
            way = "升" if grade_rank(grade) > grade_rank(ev.grade) else "降"
            notes.append(f"等级{way}：{GRADE_NAMES[ev.grade]} → {GRADE_NAMES[grade]}")
        if notes:
            result.lines.append(f"事件 #{ev.id} {ev.title}：" + "；".join(notes))
    for m in opened:
        result.lines.append(f"会新开事件：信息 {m.id} {m.title[:40]}")
    return result
