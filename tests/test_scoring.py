"""Scoring a mention as officers see it: categories, topics, sentiment, grade and reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.config import load_config
from monitor.scoring.grade import one_line
from monitor.scoring.scorer import Scorer
from tests.helpers.configs import CONFIG

CASES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "scoring" / "mentions.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_config(CONFIG, environ={}).settings)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:12] for c in CASES])
def test_labelled_mention(scorer: Scorer, case: dict) -> None:
    reposts, comments, likes = case.get("engagement", [0, 0, 0])
    score = scorer.score("", case["text"], reposts, comments, likes, case["tier"])
    assert sorted(score.categories) == sorted(case["categories"])
    assert score.topics == case.get("topics", [])
    assert score.grade == case["grade"], one_line(score.reasons)
    if "negative" in case:
        assert (score.negative >= 0.5) == case["negative"]
    line = one_line(score.reasons)
    for word in case.get("reason_words", []):
        assert word in line
    assert "\n" not in line


def test_category_words_are_kept(scorer: Scorer) -> None:
    score = scorer.score("", "青峰山景区停车场乱收费宰客", 0, 0, 0, "local")
    assert score.categories["image"] == ["乱收费", "宰客"]


def test_a_negative_reason_names_the_words_behind_it(scorer: Scorer) -> None:
    score = scorer.score(
        "", "这个政策太不合理了，老百姓怨声载道，强烈要求有关部门给个说法！", 0, 0, 0, "self_media"
    )
    sentiment = next(r for r in score.reasons if r["factor"] == "sentiment")
    assert sentiment["text"].startswith("负面倾向 ")
    assert "怨声载道" in sentiment["text"]
    assert "怨声载道" in score.sentiment_words
