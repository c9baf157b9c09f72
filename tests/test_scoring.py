"""Scoring a mention as officers see it: categories, topics, sentiment, heat, grade, reasons."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from monitor.config import load_config
from monitor.scoring.grade import one_line
from monitor.scoring.scorer import Scorer
from tests.helpers.cli import Setup, prepare
from tests.helpers.configs import CONFIG, config_case

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


# ---- source tier weights (scoring.yaml grading.tier_points) ---------------------------

RUMOUR = "网传云川市博物馆下月起调整开放时间"


def _events_shown(tmp_path: Path, tier_points: str | None) -> str:
    """What `yuqing events` shows for one provincial-paper item under these weights."""
    from monitor.clock import utcnow
    from monitor.ingest import Ingest
    from monitor.pipeline.analyse import analyse_pending
    from monitor.service.context import Context
    from monitor.storage.migrate import upgrade

    setup = prepare(tmp_path)
    if tier_points is not None:
        scoring = setup.config / "scoring.yaml"
        text = scoring.read_text(encoding="utf-8")
        default = (
            "tier_points: {central: 30, provincial: 20, local: 10, government: 10, self_media: 0}"
        )
        assert default in text
        scoring.write_text(text.replace(default, f"tier_points: {tier_points}"), "utf-8")
    app = load_config(setup.config, environ=setup.env)
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    Ingest(app, ctx.db, now=lambda: now)(
        {
            "source": "province-daily-rss",
            "kind": "feed",
            "url": "https://daily.example.cn/2026/1.html",
            "title": RUMOUR,
            "text": "",
            "fetched_at": now,
            "published": now - timedelta(minutes=10),
        }
    )
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    ctx.db.dispose()
    return setup.ok("events").stdout


def test_tier_weights_change_the_heat_and_grade_an_officer_sees(tmp_path: Path) -> None:
    before = _events_shown(tmp_path / "default", None)
    assert "[一般（IV级）]" in before and RUMOUR in before
    assert "热度 20（来源：省级媒体）" not in before  # the event line shows its own heat
    assert "热度 20" in before

    after = _events_shown(tmp_path / "weighted", "{provincial: 50}")
    assert "[较大（III级）]" in after, after
    assert "热度 50" in after and "热度 20" not in after

    none = _events_shown(tmp_path / "flat", "{provincial: 0}")
    assert "[一般（IV级）]" in none and "热度 0" in none


def test_the_mention_heat_reason_names_the_source_tier(scorer: Scorer) -> None:
    line = one_line(scorer.score("", RUMOUR, 0, 0, 0, "central").reasons)
    assert line.endswith("热度 30（来源：中央媒体）"), line
    line = one_line(scorer.score("", RUMOUR, 0, 0, 0, "self_media").reasons)
    assert "来源" not in line and "热度" not in line  # self-media adds no heat by default


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        (
            "bad_tier_name",
            ["scoring.yaml", "grading.tier_points", "'centrl'", "central、provincial"],
        ),
        (
            "negative_tier_points",
            ["scoring.yaml", "grading.tier_points", "provincial", "不小于 0", "-5"],
        ),
    ],
)
def test_a_bad_tier_weight_stops_start_up_with_one_paragraph(tmp_path, case, fragments) -> None:  # noqa: ANN001
    done = Setup(config_case(tmp_path, case), dict(os.environ), 0).run("check-config")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("错误：配置无效，服务未启动。") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
