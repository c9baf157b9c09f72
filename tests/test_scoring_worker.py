"""A big crawl is scored in a worker process as it is stored; analysis then only groups.

What officers see must not depend on where a mention was scored: the same events, grades
and reasons either way. A worker that cannot start loses nothing: analysis scores instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.clock import utcnow
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.scoring.worker import ScoringWorker
from monitor.service.context import Context
from monitor.storage.collection import Fingerprint
from monitor.storage.lookups import MentionTopic
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert, Event, Mention
from tests.helpers.cli import prepare
from tests.helpers.databases import postgres_schema_url

POSTS = [
    "青峰山景区停车场乱收费，一小时五十元，游客投诉没人管",
    "青峰山景区停车场收费太离谱了，投诉到文旅局也没人回",
    "暴雨后城东隧道积水严重，两辆车被困，有人求助",
    "城东隧道积水，车辆被困，消防正在救援",
    "图书馆新馆开放，周末带孩子去看书，环境很好",
    "青峰山景区停车场乱收费的事情有人管吗",
    # long enough to be compared as copies (simhash.MIN_CHARS): a repost of the post after
    # it, which is five minutes older (post i is published 5*i minutes ago)
    "转发微博 //@云川热线: 城西老旧小区加装电梯工程停工三个月，住户多次向街道和住建部门反映，"
    "至今没有答复，希望有关部门尽快协调复工",
    "城西老旧小区加装电梯工程停工三个月，住户多次向街道和住建部门反映，至今没有答复，"
    "希望有关部门尽快协调复工",
]


def crawl_and_analyse(tmp: Path, database_url: str, worker):  # noqa: ANN001, ANN201
    app = load_config(prepare(tmp).config, environ={"DATABASE_URL": database_url})
    ctx = Context(app)
    upgrade(ctx.db)
    now = utcnow()
    scoring = worker(app) if worker else None
    sink = Ingest(app, ctx.db, now=lambda: now, batch=2, background=True, scoring=scoring)
    for i, text in enumerate(POSTS):
        sink(
            {
                "source": "weibo-search",
                "kind": "weibo",
                "url": f"https://m.weibo.cn/detail/{i}",
                "title": "",
                "text": text,
                "fetched_at": now,
                "published": now - timedelta(minutes=5 * i),
                "author": f"user{i}",
                "reposts": 40 * i,
            }
        )
    sink.close()
    with ctx.db.session() as s:
        before = {m.url: (m.grade, m.grade_reasons) for m in s.scalars(select(Mention))}
        topic_rows = len(list(s.scalars(select(MentionTopic))))
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    with ctx.db.session() as s:
        events = sorted(
            (e.title, e.grade, tuple(r["text"] for r in e.grade_reasons), e.mention_count)
            for e in s.scalars(select(Event))
        )
        mentions = sorted(
            (m.url, m.grade, m.negative, tuple(m.topics), m.event_id is not None)
            for m in s.scalars(select(Mention))
        )
        alerts = len(list(s.scalars(select(Alert))))
        url = {m.id: m.url for m in s.scalars(select(Mention))}
        copies = sorted(
            (url[f.mention_id], f.simhash, url.get(f.duplicate_of_id))  # type: ignore[arg-type]
            for f in s.scalars(select(Fingerprint))
        )
    ctx.db.dispose()
    return before, topic_rows, events, mentions, alerts, copies


def worker_for(app):  # noqa: ANN001, ANN201
    worker = ScoringWorker(app.settings, app.path(app.settings.scoring.sentiment.trained_path))
    worker.start(wait=True)  # a crawl does not wait for it to start; this test does
    return worker


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    else:
        with postgres_schema_url() as a, postgres_schema_url() as b:
            yield a, b


def test_scored_while_stored_gives_what_analysis_gives(tmp_path, two_databases) -> None:  # noqa: ANN001
    with_worker, without = two_databases
    before, topic_rows, events, mentions, alerts, copies = crawl_and_analyse(
        tmp_path / "worker", with_worker, worker_for
    )
    # scored as stored: grades and reasons are there before analysis runs
    assert all(grade is not None and reasons for grade, reasons in before.values())
    assert topic_rows >= 3  # the 景区收费 posts, counted for topic spikes at once
    plain = crawl_and_analyse(tmp_path / "plain", without, None)
    assert all(grade is None for grade, _ in plain[0].values())
    assert (events, mentions, alerts, copies) == plain[2:]
    assert any("景区" in title for title, *_ in events) and alerts >= 1
    # the repost and the post it copies are one story, whichever process hashed them
    # (which of the two is the link's root does not matter: the propagation path is
    # ordered by publication time)
    repost, post = "https://m.weibo.cn/detail/6", "https://m.weibo.cn/detail/7"
    assert {(a, b) for a, _, b in copies if b} in ({(post, repost)}, {(repost, post)})


def test_a_worker_that_cannot_start_leaves_scoring_to_analysis(tmp_path, caplog) -> None:  # noqa: ANN001
    broken = tmp_path / "broken-model.json.gz"
    broken.write_bytes(b"not a model")

    def broken_worker(app):  # noqa: ANN001, ANN202
        return ScoringWorker(app.settings, broken)

    url = f"sqlite:///{tmp_path}/w.db"
    before, topic_rows, events, mentions, alerts, copies = crawl_and_analyse(
        tmp_path / "broken", url, broken_worker
    )
    assert all(grade is None for grade, _ in before.values()) and topic_rows == 0
    assert "评分子进程不可用" in caplog.text
    # nothing lost: every mention scored and grouped by analysis
    assert len(mentions) == len(POSTS)
    assert all(grade is not None and grouped for _, grade, _, _, grouped in mentions)
    assert events and alerts >= 1


def test_analyse_command_goes_on_until_everything_stored_is_analysed(tmp_path) -> None:  # noqa: ANN001
    # one analysis run takes at most 1,000 mentions; the command must not stop there
    setup = prepare(tmp_path)
    setup.ok("init")
    app = load_config(setup.config, environ=setup.env)
    ctx = Context(app)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now, batch=200)
    for i in range(1003):
        sink(
            {
                "source": "weibo-search",
                "kind": "weibo",
                "url": f"https://m.weibo.cn/detail/{i}",
                "title": "",
                "text": f"第{i}号帖子：周末去图书馆看书",
                "fetched_at": now,
            }
        )
    sink.close()
    out = setup.ok("analyse").stdout
    assert "分析 1003 条" in out
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).where(Mention.analysed_at.is_(None))) == 0
    ctx.db.dispose()


OWNER = """
import sys, time
from monitor.config import load_config
from monitor.scoring.worker import ScoringWorker
if __name__ == "__main__":
    app = load_config(sys.argv[1], environ={"DATABASE_URL": "sqlite:///" + sys.argv[2]})
    worker = ScoringWorker(app.settings, None)
    worker.start(wait=True)
    print("ready" if worker.ready else "failed", flush=True)
    time.sleep(600)
"""


def test_a_crawl_killed_outright_leaves_no_worker_behind(tmp_path) -> None:  # noqa: ANN001
    import os
    import signal
    import subprocess
    import sys
    import time

    setup = prepare(tmp_path)
    script = tmp_path / "owner.py"
    script.write_text(OWNER, encoding="utf-8")
    owner = subprocess.Popen(
        [sys.executable, str(script), str(setup.config), str(tmp_path / "x.db")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
        children = subprocess.run(
            ["pgrep", "-P", str(owner.pid)], capture_output=True, text=True
        ).stdout.split()
        assert children, "the worker (and multiprocessing's resource tracker) run"
    finally:
        os.kill(owner.pid, signal.SIGKILL)  # as kill -9 or the service's crawl timeout
        owner.wait()

    def alive(pid: str) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        return state != "Z"

    deadline = time.monotonic() + 15
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in children if alive(p)], "a worker outlived its crawl"
