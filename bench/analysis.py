"""Analysis-stage throughput: mentions/s through score → group → case → outbox, on SQLite.

Input: Weibo posts from ../shared/data/sentiment/ when present (real text, measuring only),
else the project's own synthetic posts. Prints mentions/s for the whole stage and, side by
side, texts/s of the sentiment model alone, so the share of each is visible.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from monitor.clock import utcnow  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.ingest import Ingest  # noqa: E402
from monitor.pipeline.analyse import analyse_pending  # noqa: E402
from monitor.service.context import Context  # noqa: E402
from monitor.storage.migrate import upgrade  # noqa: E402
from monitor.storage.models import Mention  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "sentiment" / "smp2020_ewect_usual_test_neg_vs_nonneg.csv"
N = 400


def texts() -> list[str]:
    if DATA.exists():
        with DATA.open(encoding="utf-8") as f:
            rows = [r["text"] for r in csv.DictReader(f)]
        print(f"input: {N} posts from {DATA.relative_to(ROOT.parent)}")
        return random.Random(0).sample(rows, N)
    print(f"input: {DATA} is absent; using synthetic posts")
    words = ["青峰山景区", "停车费", "乱收费", "博物馆", "暴雨", "隧道", "游客", "图书馆", "点赞"]
    rng = random.Random(0)
    return ["，".join(rng.choices(words, k=8)) + "！" for _ in range(N)]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = load_config(ROOT / "config", environ={"DATABASE_URL": f"sqlite:///{tmp}/b.db"})
        ctx = Context(app)
        upgrade(ctx.db)
        now = utcnow()
        sink = Ingest(app, ctx.db, now=lambda: now)
        posts = texts()
        for i, t in enumerate(posts):
            sink(
                {
                    "source": "weibo-search",
                    "kind": "weibo",
                    "url": f"https://m.weibo.cn/detail/{i}",
                    "fetched_at": now - timedelta(seconds=N - i),
                    "title": "",
                    "text": t,
                    "reposts": i % 50,
                    "comments": i % 30,
                    "likes": i % 70,
                }
            )
        scorer = ctx.scorer  # model loading is not part of the throughput
        with ctx.db.session() as s:
            stored = [f"{m.title}\n{m.text}" for m in s.scalars(select(Mention))]
        t0 = time.perf_counter()
        for t in stored:  # exactly what the stage scores
            scorer.model.negative(t)
        sentiment_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = analyse_pending(ctx.db, app, scorer, ctx.book, now)
        stage_s = time.perf_counter() - t0
        ctx.db.dispose()
    print(f"sentiment ({scorer.model.name}) alone: {N / sentiment_s:,.0f} texts/s")
    print(
        f"analysis stage: {report.mentions / stage_s:,.0f} mentions/s "
        f"({report.mentions} mentions, {report.events_opened} events, {report.alerts} alerts)"
    )
    print(f"sentiment share of the stage: {sentiment_s / stage_s:.0%}")


if __name__ == "__main__":
    main()
