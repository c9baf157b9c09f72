"""Scheduled reports: made and queued once per period however often the job fires and
however many processes share the database; the one missed while the service was down made
once on start (not one per missed day, nothing on a new installation); a failed or killed
build taken over; `--since` making the rest."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.reports import schedule
from monitor.reports.store import STALE_BUILD
from monitor.storage.db import Database
from monitor.storage.models import Alert
from monitor.storage.reports import Report
from tests.helpers.configs import REPO
from tests.helpers.console import APP
from tests.helpers.report_cases import NOW, seed_cases

DAY = NOW.date()  # 2026-11-21: NOW is 10:00 Beijing, after the 08:00 digest time


@pytest.fixture
def app(tmp_path):  # noqa: ANN001, ANN201
    svc = APP.settings.service
    digest = svc.digest.model_copy(update={"output_dir": str(tmp_path), "formats": ["html", "md"]})
    settings = APP.settings.model_copy(
        update={"service": svc.model_copy(update={"digest": digest})}
    )
    return dataclasses.replace(APP, settings=settings)


def reports(db: Database) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(r.key, r.status) for r in s.scalars(select(Report).order_by(Report.id))]


def digest_alerts(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Alert.id)).where(Alert.kind == "digest")) or 0


def test_the_job_firing_twice_makes_and_queues_one_digest(database: Database, app) -> None:  # noqa: ANN001
    seed_cases(database)
    assert schedule.latest_digest_day("08:00", NOW) == DAY
    first = schedule.make_digest(database, app, DAY, NOW)
    assert first is not None and [p.name for p in first.paths] == [
        "舆情日报-2026-11-21.html",
        "舆情日报-2026-11-21.md",
    ]
    queued = digest_alerts(database)
    assert queued == 1  # the shipped routes: console only, no kinds filter
    assert schedule.make_digest(database, app, DAY, NOW + timedelta(minutes=1)) is None
    assert reports(database) == [("daily:2026-11-21", "ready")] and digest_alerts(database) == 1


def test_two_processes_at_the_same_moment_make_it_once(database: Database, app) -> None:  # noqa: ANN001
    seed_cases(database)
    start = threading.Barrier(4)
    made = []

    def run() -> None:
        start.wait()
        made.append(schedule.make_digest(database, app, DAY, NOW))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(m is not None for m in made) == 1
    assert reports(database) == [("daily:2026-11-21", "ready")] and digest_alerts(database) == 1


def test_a_restart_makes_the_latest_missed_digest_once(database: Database, app) -> None:  # noqa: ANN001
    seed_cases(database)  # collecting since 2026-11-20; the service then down until the 24th
    back = NOW + timedelta(days=3)
    made = schedule.catch_up(database, app, back)
    assert [m.paths[0].name for m in made] == ["舆情日报-2026-11-24.html"]
    assert schedule.catch_up(database, app, back + timedelta(minutes=5)) == []
    since = schedule.digests_since(database, app, DAY, back)
    assert [(d.isoformat(), m is not None) for d, m in since] == [
        ("2026-11-21", True),
        ("2026-11-22", True),
        ("2026-11-23", True),
        ("2026-11-24", False),
    ]
    assert digest_alerts(database) == 4


def test_a_new_installation_does_not_open_with_a_digest_of_before_it_existed(
    database: Database, app
) -> None:  # noqa: ANN001
    assert schedule.catch_up(database, app, NOW) == []
    assert reports(database) == []


def test_the_monthly_assessment_is_made_on_start_when_it_was_missed(
    database: Database, app
) -> None:  # noqa: ANN001
    seed_cases(database)
    made = schedule.catch_up(database, app, datetime(2026, 12, 5, 2, 0, tzinfo=UTC))
    assert [m.paths[0].name for m in made] == [
        "舆情日报-2026-12-05.html",
        "舆情回应考核-2026-11.html",
    ]
    assert ("assessment:2026-11", "ready") in reports(database)


def test_a_failed_build_is_recorded_and_made_again(database: Database, app, monkeypatch) -> None:  # noqa: ANN001
    seed_cases(database)

    def broken(*args: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(schedule, "build_daily", broken)
    with pytest.raises(RuntimeError):
        schedule.make_digest(database, app, DAY, NOW)
    with database.session() as s:
        row = s.scalar(select(Report))
        assert row.status == "failed" and "磁盘已满" in row.error
    monkeypatch.undo()
    assert schedule.make_digest(database, app, DAY, NOW) is not None
    assert reports(database) == [("daily:2026-11-21", "ready")] and digest_alerts(database) == 1


KILLED = """
import sys, time
from monitor.storage.db import Database
from monitor.reports import schedule
from tests.helpers.report_cases import NOW
from tests.test_report_schedule import APP
def slow(*a):
    print("building", flush=True)
    time.sleep(60)
schedule.build_daily = slow
schedule.make_digest(Database(sys.argv[1]), APP, NOW.date(), NOW)
"""


def test_a_build_killed_mid_way_is_taken_over_later(
    database_url: str, database: Database, app
) -> None:  # noqa: ANN001
    seed_cases(database)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, database_url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"building"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert reports(database) == [("daily:2026-11-21", "building")]
    # while the claim is fresh, another process leaves it alone (it may still be building)
    assert schedule.make_digest(database, app, DAY, NOW + timedelta(minutes=5)) is None
    later = NOW + STALE_BUILD + timedelta(minutes=1)
    assert schedule.make_digest(database, app, DAY, later) is not None
    assert reports(database) == [("daily:2026-11-21", "ready")] and digest_alerts(database) == 1
    assert Path(app.settings.service.digest.output_dir, "舆情日报-2026-11-21.html").exists()
