"""The scoring stage: one call per mention, everything configured loaded once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.config.models import Settings
from monitor.scoring.grade import grade_for, mention_reasons, total
from monitor.scoring.heat import mention_heat
from monitor.scoring.matcher import Matcher, compile_topic
from monitor.scoring.sentiment import SentimentModel, load_model

_DIGITS = re.compile(r"^[\d.%]+$")
LEAD_CHARS = 300  # of headline and text, where grouping terms are taken from


@dataclass(frozen=True)
class MentionScore:
    negative: float
    topics: list[str]
    categories: dict[str, list[str]]
    heat: float
    points: float
    grade: str
    reasons: list[dict[str, Any]]
    terms: list[str] = field(default_factory=list)
    sentiment_words: list[str] = field(default_factory=list)  # what drove `negative`


class Scorer:
    def __init__(
        self,
        settings: Settings,
        model: SentimentModel | None = None,
        trained_path: Path | None = None,
    ) -> None:
        import jieba
        import jieba.analyse

        jieba.setLogLevel(logging.WARNING)
        self.settings = settings
        self.model = model or load_model(settings.scoring.sentiment.model, trained_path)
        self.matcher = Matcher(
            [compile_topic(t) for t in settings.topics.topics],
            settings.scoring.categories,
        )
        # Configured words are the domain's vocabulary: keep them whole when segmenting.
        vocab: set[str] = set(self.matcher.vocabulary())
        for d in settings.departments.departments:
            vocab.update(d.owns.keywords)
            vocab.add(d.name)
        for w in vocab:
            jieba.add_word(w)
        self._extract = jieba.analyse.extract_tags
        self._common = set(settings.service.events.common_terms)

    def terms(self, text: str, k: int = 12) -> list[str]:
        """Distinctive terms used to tell whether two mentions are about one matter.

        From the headline and the opening (导语) only: a report names its matter there,
        and the rest of a long article adds the words of its whole beat, not of its
        matter (and segmenting it was half the cost of scoring a news page).
        """
        words = self._extract(text[:LEAD_CHARS], topK=k + len(self._common))
        return [w for w in words if len(w) > 1 and not _DIGITS.match(w) and w not in self._common][
            :k
        ]

    def score(
        self,
        title: str,
        text: str,
        reposts: int,
        comments: int,
        likes: int,
        tier: str,
        age_hours: float | None = None,
    ) -> MentionScore:
        s = self.settings.scoring
        body = f"{title}\n{text}"
        negative = round(self.model.negative(body), 3)
        words: list[str] = []
        explain = getattr(self.model, "explain", None)
        if explain is not None and negative >= s.sentiment.negative_at:
            # the words are shown only in a negative mention's reason; finding them
            # segments the text, several times the cost of the score itself
            words = explain(body)[1]
        topics, categories = self.matcher.match(body)
        tier_points = s.grading.tier_points.get(tier, 0)  # type: ignore[call-overload]
        heat = mention_heat(reposts, comments, likes, tier_points, age_hours)
        reasons = mention_reasons(
            negative,
            s.sentiment.negative_at,
            words,
            categories,
            [(t.name, t.priority, t.words) for t in topics],
            heat,
            s.grading,
            tier if tier_points > 0 else None,
        )
        points = total(reasons)
        return MentionScore(
            negative=negative,
            topics=[t.name for t in topics],
            categories=categories,
            heat=heat,
            points=round(points, 1),
            grade=grade_for(points, s.grading),
            reasons=[r.as_dict() for r in reasons],
            terms=self.terms(body),
            sentiment_words=words,
        )
