"""A Slack click is acted on once: the same signed request again is refused by every web
worker on the database, after a restart, and when two copies arrive at the same moment."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from monitor.storage.alerts import Escalation
from monitor.storage.db import Database
from monitor.storage.models import AuditLog
from monitor.storage.slack import SlackSeenRequest, first_time, request_digest
from monitor.web import create_app
from tests import test_slack_interactions
from tests.test_slack_interactions import CLICKED, SECRET, T0, World

# the same seeded escalation, its message in a fake Slack and a first web worker
world = test_slack_interactions.world

WINDOW = timedelta(minutes=5)


def _signed(world: World, at: datetime = CLICKED) -> tuple[bytes, dict[str, str]]:
    return world.slack.click(SECRET, "U0DUTY", str(world.event), int(at.timestamp()))


def _post(
    db: Database, world: World, request: tuple[bytes, dict[str, str]], now: datetime = CLICKED
) -> httpx.Response:
    """The request as another web worker on `db` receives it at `now`."""
    client = TestClient(create_app(world.app, db, now=lambda: now))
    body, headers = request
    return client.post("/slack/interactions", content=body, headers=headers)


def _acknowledged_once(world: World) -> None:
    assert len(world.slack.responses) == 1, world.slack.responses
    assert world.slack.responses[0]["replace_original"] is True
    with world.db.session() as s:
        assert s.scalars(select(Escalation)).one().acknowledged_by == "xiaowang"
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "acknowledge")).all()) == 1


def _refused_as_replay(r: httpx.Response) -> None:
    assert r.status_code == 401 and "同一请求已处理过（重放）" in r.json()["error"], r.text


def test_a_replay_to_another_worker_is_refused(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    request = _signed(world)
    assert world.post(*request).status_code == 200
    _refused_as_replay(_post(world.db, world, request))
    _acknowledged_once(world)
    signature = request[1]["X-Slack-Signature"]
    assert "重放" in caplog.text
    assert signature not in caplog.text and signature[3:] not in caplog.text
    assert SECRET not in caplog.text
    with world.db.session() as s:  # the table holds no part of a request
        assert s.scalars(select(SlackSeenRequest.digest)).all() == [request_digest(signature)]


def test_a_replay_after_a_restart_is_refused(world: World) -> None:
    request = _signed(world)
    assert world.post(*request).status_code == 200
    restarted = Database(world.db.url)
    try:
        _refused_as_replay(_post(restarted, world, request, now=CLICKED + timedelta(minutes=2)))
    finally:
        restarted.dispose()
    _acknowledged_once(world)


def test_a_replay_after_the_window_is_refused_as_stale(world: World) -> None:
    request = _signed(world)
    assert world.post(*request).status_code == 200
    restarted = Database(world.db.url)
    try:
        late = CLICKED + WINDOW + timedelta(seconds=1)
        r = _post(restarted, world, request, now=late)
    finally:
        restarted.dispose()
    assert r.status_code == 401 and "超过 5 分钟" in r.json()["error"]
    _acknowledged_once(world)


def test_a_request_stamped_ahead_is_guarded_for_its_whole_window(world: World) -> None:
    # Slack's clock four minutes ahead of ours: the request stays inside the window until
    # nine minutes after it first arrived, and is a replay for all of that time
    request = _signed(world, at=CLICKED + timedelta(minutes=4))
    assert world.post(*request).status_code == 200
    for later in (timedelta(minutes=6), timedelta(minutes=9)):
        _refused_as_replay(_post(world.db, world, request, now=CLICKED + later))
    _acknowledged_once(world)


def test_identical_requests_at_the_same_moment_are_accepted_once(world: World) -> None:
    request = _signed(world)
    workers = [Database(world.db.url) for _ in range(4)]
    clients = [TestClient(create_app(world.app, db, now=lambda: CLICKED)) for db in workers]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def receive(client: TestClient) -> None:
        start.wait()
        r = client.post("/slack/interactions", content=request[0], headers=request[1])
        statuses.append(r.status_code)

    threads = [threading.Thread(target=receive, args=(c,)) for c in clients]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for db in workers:
            db.dispose()
    assert sorted(statuses) == [200, 401, 401, 401]
    _acknowledged_once(world)


@pytest.mark.parametrize("first_commits", [True, False])
def test_the_database_decides_between_two_racing_claims(
    database: Database, first_commits: bool
) -> None:
    # one worker has inserted the claim and not yet committed; the other's insert must
    # wait for that outcome, then lose if it committed and win if it rolled back
    until = T0 + WINDOW
    other = Database(database.url)
    result: list[bool] = []
    racer = threading.Thread(target=lambda: result.append(first_time(other, "v0=ab", until, T0)))
    try:
        with database.engine.connect() as conn:
            txn = conn.begin()
            conn.execute(
                insert(SlackSeenRequest.__table__).values(
                    digest=request_digest("v0=ab"), expires_at=until
                )
            )
            racer.start()
            time.sleep(0.5)
            assert racer.is_alive()  # waiting on the database, not answered from memory
            txn.commit() if first_commits else txn.rollback()
        racer.join(30)
    finally:
        other.dispose()
    assert result == [not first_commits]


def test_expired_claims_are_pruned(database: Database) -> None:
    assert first_time(database, "v0=old", T0 + WINDOW, now=T0)
    assert first_time(database, "v0=edge", T0 + timedelta(minutes=6), now=T0)
    assert not first_time(database, "v0=old", T0 + WINDOW, now=T0 + timedelta(minutes=1))
    # six minutes on, the first has left its window; the second is just inside its own
    assert first_time(database, "v0=new", T0 + timedelta(minutes=11), now=T0 + timedelta(minutes=6))
    with database.session() as s:
        kept = set(s.scalars(select(SlackSeenRequest.digest)))
    assert kept == {request_digest("v0=edge"), request_digest("v0=new")}
