"""Workflow figures: working-day clocks against chinese-calendar's own find_workday, and
one event carried through the whole workflow on SQLite.

- clocks: due times/s of workflow.clocks.due_time for 3/5/15-working-day clocks from
  random starts in 2026 (official data), side by side with chinese_calendar.find_workday
  (the package's own "Nth working day after") measured in the same run, and a check that
  both give the same day for every start; then the 2027 fallback calendar alone;
- cases: ms per event for open → consulting → judged → approved judgment → responding →
  draft → three-level review → publish → presser → evaluating → closed (service layer).

Needs no data from ../shared/data/. Bounded: a few seconds.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import chinese_calendar  # noqa: E402
from sqlalchemy import select  # noqa: E402

from monitor import cases  # noqa: E402
from monitor.cases.deadlines import DeadlineBook  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.storage.db import Database  # noqa: E402
from monitor.storage.migrate import upgrade  # noqa: E402
from monitor.storage.models import Department, Event, User  # noqa: E402
from monitor.storage.workflow import DisposalObligation  # noqa: E402
from workflow.calendar import WorkCalendar  # noqa: E402
from workflow.clocks import BEIJING, ClockSpec, due_time  # noqa: E402

N_CLOCKS = 3000
N_CASES = 40


def bench_clocks() -> None:
    rng = random.Random(5)
    cal = WorkCalendar()
    starts = [
        datetime(2026, 1, 1, 9, tzinfo=BEIJING) + timedelta(days=rng.randrange(0, 330))
        for _ in range(N_CLOCKS)
    ]
    specs = [ClockSpec(f"{n}wd", "t", working_days=n) for n in (3, 5, 15)]
    jobs = [(rng.choice(specs), s) for s in starts]
    t = time.perf_counter()
    ours = [due_time(spec, s, cal).due_at.date() - timedelta(days=1) for spec, s in jobs]
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    # find_workday(n, d) gives the Nth working day after d when d is a working day, but
    # the (N+1)th when d is a rest day; the statutory count (receipt day not counted) is
    # therefore n on a working day and n - 1 on a rest day.
    theirs = [
        chinese_calendar.find_workday(n if chinese_calendar.is_workday(d) else n - 1, d)
        for n, d in ((spec.working_days or 0, s.date()) for spec, s in jobs)
    ]
    t_theirs = time.perf_counter() - t
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"clocks: {N_CLOCKS} working-day due times from random 2026 starts")
    print(f"  due_time (ours)                  {N_CLOCKS / t_ours:10.0f} /s")
    print(f"  chinese_calendar.find_workday    {N_CLOCKS / t_theirs:10.0f} /s (baseline)")
    print(f"  ratio ours / baseline            {t_theirs / t_ours:10.2f}x")
    print(f"  same last working day            {agree}/{N_CLOCKS}")
    fb = [datetime(2027, 1, 1, 9, tzinfo=BEIJING) + timedelta(days=rng.randrange(0, 330))]
    fb *= 1000
    t = time.perf_counter()
    for s in fb:
        due_time(specs[2], s, cal)
    print(f"  2027 fallback calendar, 15 wd    {len(fb) / (time.perf_counter() - t):10.0f} /s")


def bench_cases() -> None:
    settings = load_config(ROOT / "config", environ={}).settings
    book = DeadlineBook(settings)
    t0 = datetime(2026, 11, 20, 2, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        upgrade(db)
        with db.session() as s:
            cases.sync_departments(s, settings)
            dept = {d.code: d.id for d in s.scalars(select(Department))}
            for role in ("duty_officer", "handler", "confidentiality", "leader", "office"):
                d = dept["emergency"] if role == "handler" else None
                s.add(User(name=role, display_name=role, role=role, department_id=d, created_at=t0))
        start = time.perf_counter()
        for i in range(N_CASES):
            with db.session() as s:
                u = {x.role: x for x in s.scalars(select(User))}
                e = Event(
                    title=f"暴雨 {i}",
                    grade="II",
                    categories=["emergency"],
                    topics=["城市内涝"],
                    kinds=["weibo"],
                    origin_kind="weibo",
                    first_source="微博",
                    first_url=f"https://w.example/{i}",
                    discovered_at=t0,
                    last_mention_at=t0,
                    created_at=t0,
                    updated_at=t0,
                    mention_count=2,
                    negative_count=2,
                )
                s.add(e)
                s.flush()
                cases.open_case(s, e, settings, book, e.title, t0)
                cases.transition(s, e, "consulting", u["duty_officer"], "会商", t0)
                cases.transition(s, e, "judged", u["office"], "研判", t0)
                cases.record_judgment(
                    s, e, u["handler"], t0, nature="n", disposal_class="unaware", proposal="p"
                )
                cases.decide_judgment(s, e, u["leader"], t0, book, approve=True)
                cases.transition(s, e, "responding", u["handler"], "处置", t0)
                d = cases.create_draft(s, e, u["handler"], t0, "release", "情况通报。")
                cases.review(s, d, u["handler"], t0, "drafter", True, note="主动公开")
                cases.review(s, d, u["confidentiality"], t0, "confidentiality", True)
                cases.review(s, d, u["leader"], t0, "leader", True, publisher="office")
                owed = list(
                    s.scalars(
                        select(DisposalObligation.id).where(DisposalObligation.event_id == e.id)
                    )
                )
                cases.publish(s, d, u["office"], t0 + timedelta(hours=1), fulfils=owed)
                cases.record_action(s, e, u["office"], t0 + timedelta(hours=2), "presser", "会")
                cases.transition(s, e, "evaluating", u["handler"], "评估", t0)
                cases.transition(s, e, "closed", u["office"], "办结", t0)
        per = (time.perf_counter() - start) / N_CASES
        db.dispose()
    print(f"cases: {N_CASES} events carried from 收集 to 办结 on SQLite")
    print(f"  {per * 1000:8.1f} ms per event (about 14 actions, each audited)")


if __name__ == "__main__":
    print(f"date {date.today()} · chinese-calendar {chinese_calendar.__version__}")
    bench_clocks()
    bench_cases()
