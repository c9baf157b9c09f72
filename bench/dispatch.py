"""Dispatcher throughput: alerts/s delivered to a loopback JSON webhook with no rate limit,
each alert marked `sending`, posted, and recorded (attempt row) as in production.
Runs on SQLite, and on PostgreSQL when 127.0.0.1:5432 answers."""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from monitor.clock import utcnow  # noqa: E402
from monitor.config.types import Secret  # noqa: E402
from monitor.notify.dispatcher import deliver_due  # noqa: E402
from monitor.notify.webhook import WebhookChannel  # noqa: E402
from monitor.storage.db import Database  # noqa: E402
from monitor.storage.migrate import upgrade  # noqa: E402
from monitor.storage.models import Alert  # noqa: E402
from tests.helpers.fake_http import fake_http  # noqa: E402

N = 1000
PG = "postgresql+psycopg://root@127.0.0.1:5432/test"


def payload(i: int) -> dict:
    return {
        "event_id": i,
        "title": f"事件{i}",
        "grade": "III",
        "grade_label": "较大（III级）",
        "kind": "new_event",
        "kind_label": "新舆情事件",
        "reasons": "负面倾向 0.9",
        "department": "市文化和旅游局",
        "owner": None,
        "first_source": "新浪微博",
        "discovered_at": "2026-11-21 10:00",
        "mention_count": 1,
        "deadlines": [],
        "url": "http://127.0.0.1:8000/events/1",
    }


def run(db: Database, label: str) -> None:
    upgrade(db)
    now = utcnow()
    with db.session() as s:
        for i in range(N):
            s.add(
                Alert(
                    key=f"b:{i}",
                    channel="hook",
                    kind="new_event",
                    payload=payload(i),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    with fake_http([(200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        t0 = time.perf_counter()
        sent = 0
        while sent < N:
            sent += deliver_due(db, hook, utcnow(), batch=500).sent
        took = time.perf_counter() - t0
        assert len(srv.requests) == N
    print(
        f"{label}: {N} alerts in {took:.1f} s = {N / took:,.0f} alerts/s "
        f"(each: mark sending, HTTP POST, record attempt)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/b.db")
        run(db, "SQLite")
        db.dispose()
    schema = "bench_" + uuid.uuid4().hex[:8]
    try:
        admin = create_engine(PG)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # noqa: BLE001
        print(f"PostgreSQL: not reachable ({type(e).__name__}); skipped")
        return
    try:
        db = Database(f"{PG}?options=-csearch_path%3D{schema}")
        run(db, "PostgreSQL")
        db.dispose()
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
