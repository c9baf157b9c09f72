"""Scoring throughput, side by side with the baselines measured in the same run.

- sentiment: texts/s of the shipped linear model and of stock snownlp, and load times;
- rule matching: 1,000 generated topics, the one-pass matcher against one regex per rule;
- the whole scoring stage (Scorer.score: sentiment, topics, categories, heat, grade,
  grouping terms) with each sentiment model.

Input: Weibo posts from ../shared/data/sentiment/ when present (real text, measuring
only), else the project's own synthetic posts (said so below). Bounded: about a minute.
"""

from __future__ import annotations

import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.config.models import Topic, TopicsConfig  # noqa: E402
from monitor.scoring.linear import SHIPPED_MODEL, LinearModel  # noqa: E402
from monitor.scoring.matcher import Matcher, RegexBaseline, compile_topic  # noqa: E402
from monitor.scoring.scorer import Scorer  # noqa: E402
from monitor.scoring.sentiment import SnowNLPModel  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "sentiment"
TOPICS = 1000


def texts() -> list[str]:
    files = sorted(DATA.glob("*.csv")) if DATA.exists() else []
    if files:
        rows = []
        for f in files:
            with f.open(encoding="utf-8") as fh:
                rows += [r["text"] for r in csv.DictReader(fh)]
        print(f"input: {len(rows)} Weibo posts from {', '.join(f.name for f in files)}")
        return rows
    print(f"input: {DATA} is absent; using 5,000 synthetic posts")
    words = ["青峰山景区", "停车费", "乱收费", "博物馆", "暴雨", "隧道", "游客", "图书馆", "点赞"]
    rng = random.Random(0)
    return ["，".join(rng.choices(words, k=8)) + "！" for _ in range(5000)]


def rate(fn, items: list[str]) -> float:  # noqa: ANN001
    started = time.perf_counter()
    for t in items:
        fn(t)
    return len(items) / (time.perf_counter() - started)


def topics_for(posts: list[str], n: int) -> list[Topic]:
    """n rules of the 地域词 & 主体词 & 事件词 & !排除词 form over words the posts use."""
    rng = random.Random(1)
    vocab = sorted({p[i : i + 2] for p in posts[:3000] for i in range(0, len(p) - 1, 3)})
    vocab = [w for w in vocab if w.strip() and all("\u4e00" <= c <= "\u9fff" for c in w)]

    def group(k: int) -> str:
        return "(" + " | ".join(rng.sample(vocab, k)) + ")"

    return [
        Topic(name=f"t{i}", rule=f"{group(3)} & {group(4)} & {group(4)} & !{rng.choice(vocab)}")
        for i in range(n)
    ]


def main() -> None:
    posts = texts()
    started = time.perf_counter()
    linear = LinearModel.load(SHIPPED_MODEL)
    linear_load = time.perf_counter() - started
    started = time.perf_counter()
    snow = SnowNLPModel()
    snow.negative("预热")
    snow_load = time.perf_counter() - started
    snow_sample = posts[:1000]
    ours = rate(linear.negative, posts)
    theirs = rate(snow.negative, snow_sample)
    print(
        f"sentiment: linear {ours:,.0f} texts/s (load {linear_load * 1000:.0f} ms) | "
        f"snownlp {theirs:,.0f} texts/s (load {snow_load * 1000:.0f} ms, {len(snow_sample)} "
        f"texts) | ratio {ours / theirs:.1f}x"
    )

    rules = [compile_topic(t) for t in topics_for(posts, TOPICS)]
    started = time.perf_counter()
    matcher = Matcher(rules)
    build = time.perf_counter() - started
    baseline = RegexBaseline(rules)
    regex_sample = posts[:600]
    one_pass = rate(matcher.match, posts)
    per_rule = rate(baseline.match, regex_sample)
    agree = all(
        [h.name for h in matcher.match(t)[0]] == baseline.match(t) for t in regex_sample[:200]
    )
    print(
        f"rules ({TOPICS} topics): one pass {one_pass:,.0f} texts/s (automaton built in "
        f"{build * 1000:.0f} ms) | one regex per rule {per_rule:,.0f} texts/s "
        f"({len(regex_sample)} texts) | ratio {one_pass / per_rule:.1f}x | same topics: {agree}"
    )

    app = load_config(ROOT / "config", environ={})
    stage_sample = posts[:3000]
    for name, model in (("linear", linear), ("snownlp", snow)):
        scorer = Scorer(app.settings, model=model)
        items = stage_sample if name == "linear" else stage_sample[:500]
        r = rate(lambda t, s=scorer: s.score("", t, 10, 5, 20, "self_media"), items)  # noqa: B023
        print(f"scoring stage with {name}: {r:,.0f} texts/s ({len(items)} texts)")
    trial = app.settings.model_copy(update={"topics": TopicsConfig(topics=topics_for(posts, 1000))})
    scorer = Scorer(trial, model=linear)
    r = rate(lambda t: scorer.score("", t, 10, 5, 20, "self_media"), stage_sample)
    print(f"scoring stage with linear and {TOPICS} topics: {r:,.0f} texts/s")


if __name__ == "__main__":
    main()
