"""A seeded web console for tests: users of every role, events, deadlines, mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.cases import sync_departments
from monitor.config import load_config
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert, Deadline, Department, Event, Mention, Source
from monitor.users import ROLES, create_user
from monitor.web import create_app
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 12:00 Beijing
XSS = "<script>alert(1)</script>"


def seed(db: Database) -> SimpleNamespace:
    """Users of every role; events owned by three departments; mentions; alerts."""
    with db.session() as s:
        sync_departments(s, APP.settings)
        dept = {d.code: d.id for d in s.scalars(select(Department))}
        tokens = {}
        for role in ROLES:
            code = "culture-tourism" if role == "handler" else None
            _, tokens[role] = create_user(s, role, f"测试{ROLES[role]}", role, code, NOW)
        src = Source(name="rss", kind="feed", title="省报 RSS", tier="provincial")
        s.add(src)

        def event(title: str, code: str, grade: str, due_in: timedelta, **kw: object) -> Event:
            e = Event(
                title=title,
                grade=grade,
                department_id=dept[code],
                origin_kind="feed",
                first_source="省报 RSS",
                first_url="https://news.example.cn/1.html",
                discovered_at=NOW - timedelta(hours=5),
                last_mention_at=NOW,
                created_at=NOW,
                updated_at=NOW,
                mention_count=2,
                grade_reasons=[{"factor": "sentiment", "text": "负面倾向 0.91"}],
                **kw,
            )
            s.add(e)
            s.flush()
            s.add(
                Deadline(
                    event_id=e.id,
                    clock="response_48h",
                    title="48小时内回应",
                    starts_at=e.discovered_at,
                    due_at=NOW + due_in,
                )
            )
            return e

        late = event(XSS, "culture-tourism", "II", timedelta(hours=-1))
        co = event(
            "景区门票涨价",
            "market-regulation",
            "I",
            timedelta(minutes=30),
            co_departments=["culture-tourism"],
        )
        other = event("城区内涝", "emergency", "III", timedelta(hours=10))
        for i, url in enumerate(["javascript:alert(2)", "https://bbs.example.cn/t/9"]):
            s.add(
                Mention(
                    source=src,
                    kind="feed",
                    url=url,
                    canonical_url=f"u{i}",
                    content_hash=f"h{i}",
                    title=f"帖子{i}",
                    text="正文",
                    author="网友",
                    fetched_at=NOW,
                    published_at=NOW - timedelta(hours=2),
                    negative=0.9,
                    event_id=late.id,
                )
            )
        s.add(
            Mention(
                source=src,
                kind="feed",
                url="https://x.cn/2",
                canonical_url="u9",
                content_hash="h9",
                title="内涝帖子",
                text="正文",
                fetched_at=NOW,
                event_id=other.id,
            )
        )
        for key, status in (("a1", "pending"), ("a2", "sent")):
            s.add(
                Alert(
                    key=key,
                    channel="console",
                    kind="new_event",
                    event_id=late.id,
                    status=status,
                    next_attempt_at=NOW,
                    created_at=NOW,
                )
            )
        return SimpleNamespace(tokens=tokens, late=late.id, co=co.id, other=other.id)


@pytest.fixture
def web(tmp_path) -> SimpleNamespace:  # noqa: ANN001
    db = Database(f"sqlite:///{tmp_path}/t.db")
    upgrade(db)
    ns = seed(db)
    ns.db = db
    ns.client = TestClient(create_app(APP, db, now=lambda: NOW))
    yield ns
    db.dispose()


def bearer(web: SimpleNamespace, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.tokens[role]}"}
