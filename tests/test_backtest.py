"""`yuqing backtest`: stored mentions replayed through changed topic rules, nothing written."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.clock import utcnow
from monitor.config import load_config
from monitor.ingest import Ingest
from monitor.pipeline.analyse import analyse_pending
from monitor.scoring.grade import one_line
from monitor.service.context import Context
from monitor.storage.db import Database
from monitor.storage.models import Base, Event, Mention
from tests.helpers.cli import prepare

# (minutes before now, source, kind, text)
POSTS = [
    (100, "weibo-search", "weibo", "青峰山景区停车场乱收费，一小时收五十元，游客投诉没人管"),
    (90, "gov-board", "board", "青峰山景区停车场乱收费一事，市文旅局回应称已介入调查"),
    (80, "weibo-search", "weibo", "青峰山景区停车场今天还在乱收费，投诉电话打不通"),
    (70, "weibo-search", "weibo", "市博物馆新展厅开放，市民排队参观新展厅文物"),
    (60, "weibo-search", "weibo", "图书馆旁的新展厅开放首日，市民排队参观文物"),
    (50, "province-daily-rss", "feed", "网传云川市博物馆下月起闭馆改造"),
]

# The analyst splits the scenic-area topic in two, drops the culture topics and watches
# museum-closure rumours closely.
TRIAL = """\
topics:
  - name: 景区投诉
    rule: 青峰山 & 投诉
    priority: 1
  - name: 部门回应
    rule: 青峰山 & 回应
    priority: 2
  - name: 闭馆传言
    rule: 博物馆 & 闭馆
    priority: 3
"""


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a command changed nothing."""
    with db.session() as s:
        return {
            t.name: sorted(map(tuple, s.execute(select(t)).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture
def stored(tmp_path: Path, database: Database, database_url: str):  # noqa: ANN201
    """The posts collected and analysed by the live pipeline; the CLI on that database."""
    setup = prepare(tmp_path, database_url=database_url)
    app = load_config(setup.config, environ=setup.env)
    ctx = Context(app)
    now = utcnow()
    sink = Ingest(app, ctx.db, now=lambda: now)
    for i, (ago, source, kind, text) in enumerate(POSTS):
        sink(
            {
                "source": source,
                "kind": kind,
                "url": f"https://example.cn/post/{i}",
                "title": "",
                "text": text,
                "fetched_at": now - timedelta(minutes=ago - 5),
                "published": now - timedelta(minutes=ago),
                "author": f"user{i}",
            }
        )
    analyse_pending(ctx.db, app, ctx.scorer, ctx.book, now)
    ctx.db.dispose()
    trial = tmp_path / "trial-topics.yaml"
    trial.write_text(TRIAL, encoding="utf-8")
    yield setup, database, trial


def event_of(db: Database, fragment: str) -> Event:
    with db.session() as s:
        event_id = s.scalar(select(Mention.event_id).where(Mention.text.contains(fragment)))
        return s.get_one(Event, event_id)


def mention_id(db: Database, fragment: str) -> int:
    with db.session() as s:
        return s.scalar(select(Mention.id).where(Mention.text.contains(fragment)))


def test_backtest_reports_what_the_changed_rules_would_do(stored) -> None:  # noqa: ANN001
    setup, db, trial = stored
    fee = event_of(db, "游客投诉没人管")
    reply = mention_id(db, "回应称已介入调查")
    museum = event_of(db, "市博物馆新展厅开放")
    library = event_of(db, "图书馆旁的新展厅")
    rumour = event_of(db, "闭馆改造")
    assert len({fee.id, museum.id, library.id, rumour.id}) == 4
    before = snapshot(db)

    out = setup.ok("backtest", "--topics", str(trial), "--since", "30d").stdout
    lines = out.splitlines()
    assert lines[0].startswith(f"回放 {len(POSTS)} 条信息（30d 以来")
    assert "数据库未作任何改动" in lines[0]

    def section(title: str) -> list[str]:
        start = next(i for i, x in enumerate(lines) if x.startswith(title))
        rest = lines[start + 1 :]
        end = next((i for i, x in enumerate(rest) if not x.startswith(" ")), len(rest))
        return rest[:end]

    # the office's reply no longer shares a topic with the complaints: its own event
    opened = section("会新开的事件（1 个")
    assert opened[0].startswith("  新事件 1「青峰山景区停车场乱收费一事")
    assert f"1 条信息（{reply}）" in opened[0] and "话题 部门回应" in opened[0]
    assert "依据：负面倾向" in opened[0] and "话题“部门回应”（青峰山、回应）" in opened[0]
    # without the culture topics the two new-hall posts are one matter
    gone = section("不会再开的事件（1 个")
    assert gone == [
        f"  事件 #{library.id}「{library.title[:30]}」（一般（IV级），1 条）："
        f"其信息将归入 事件 #{museum.id}"
    ]
    # a closely watched rumour is graded higher, and the reasons say why
    regraded = section("等级变化的事件（1 个")
    assert regraded[0] == f"  事件 #{rumour.id}「{rumour.title}」：一般（IV级） → 较大（III级）"
    assert regraded[1] == f"    原依据：{one_line(rumour.grade_reasons)}"
    assert "话题“博物馆”" in regraded[1] and "话题“闭馆传言”（博物馆、闭馆）" in regraded[2]
    topics = section("话题变化的事件")
    assert f"  事件 #{fee.id}「{fee.title[:30]}」：话题 景区收费 → 景区投诉" in topics
    assert f"  事件 #{museum.id}「{museum.title[:30]}」：话题 博物馆 → 无" in topics
    moved = section("换到别的事件的信息（2 条）")
    assert moved[0].startswith(f"  信息 {reply}「") and moved[0].endswith(
        f"：事件 #{fee.id} → 新事件 1"
    )
    assert moved[1].endswith(f"：事件 #{library.id} → 事件 #{museum.id}")

    data = json.loads(setup.ok("backtest", "--topics", str(trial), "--json").stdout)
    assert data["mentions"] == len(POSTS)
    assert [e["mentions"] for e in data["would_open"]] == [[reply]]
    assert data["would_not_open"][0]["event_id"] == library.id
    assert data["would_not_open"][0]["mentions_go_to"] == [f"事件 #{museum.id}"]
    change = data["grade_changes"][0]
    assert (change["event_id"], change["old_grade"], change["new_grade"]) == (
        rumour.id,
        "IV",
        "III",
    )
    assert "闭馆传言" in change["new_reasons"]
    assert {(m["mention"], m["to"]) for m in data["moved_mentions"]} == {
        (reply, "新事件 1"),
        (mention_id(db, "图书馆旁的新展厅"), f"事件 #{museum.id}"),
    }

    # the replay changed nothing: every row of every table is as it was
    assert snapshot(db) == before
    assert event_of(db, "回应称已介入调查").id == fee.id


def test_the_rules_in_force_replay_to_what_the_pipeline_did(stored) -> None:  # noqa: ANN001
    setup, db, _ = stored
    same = setup.config / "topics.yaml"
    out = setup.ok("backtest", "--topics", str(same), "--since", "30d").stdout
    assert out.splitlines()[1] == "没有事件会新开或不再开，等级、话题和信息归属都不会变。", out
    assert "话题变化 0 条" in out


def test_backtest_failures_are_one_paragraph(stored, tmp_path: Path) -> None:  # noqa: ANN001
    setup, db, trial = stored
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics:\n  - name: 闭馆传言\n    rule: '(博物馆 | 闭馆'\n", "utf-8")
    done = setup.run("backtest", "--topics", str(bad))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    for fragment in ("bad.yaml", "topics[0]", "括号没有闭合"):
        assert fragment in done.stderr, done.stderr
    done = setup.run("backtest", "--topics", str(tmp_path / "missing.yaml"))
    assert done.returncode != 0 and "missing.yaml" in done.stderr and "Traceback" not in done.stderr
    done = setup.run("backtest", "--topics", str(trial), "--since", "a month")
    assert done.returncode != 0 and "应为时长" in done.stderr and "Traceback" not in done.stderr
    # nothing stored that recently: said plainly
    out = setup.ok("backtest", "--topics", str(trial), "--since", "1m").stdout
    assert out.startswith("回放 0 条信息") and "不会变" in out
