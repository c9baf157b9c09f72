"""A seeded web console for tests: users of every role, events, deadlines, mentions, an
escalation under way, and sources in every health state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.accounts.passwords import hash_password
from monitor.accounts.users import ROLES, create_user
from monitor.cases import sync_departments
from monitor.config import load_config
from monitor.storage.accounts import UserPassword
from monitor.storage.alerts import Escalation
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert, Deadline, Department, Event, Mention, Source
from monitor.web import create_app
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 12:00 Beijing
XSS = "<script>alert(1)</script>"
# A scraped title that would set a flag if it ever ran; the browser test checks it never does.
MENTION_XSS = '<script>window.__xss = "mention"</script>'
# A board thread as the board spider stores it: posts with UTC times, the official reply
# marked, one post carrying markup that must stay text.
THREAD = [
    {
        "author": "市民张先生",
        "at": "2026-11-21T01:30:00+00:00",
        "text": "小区门口积水半米<img src=x onerror=alert(3)>",
        "official": False,
    },
    {
        "author": "市民张先生",
        "at": None,
        "time": "昨天傍晚",
        "text": "补充：水还没退",
        "official": False,
    },
    {
        "author": "市应急管理局",
        "at": "2026-11-21T03:00:00+00:00",
        "text": "您好，已安排排水车现场处置。",
        "official": True,
    },
]
BROKEN_REASON = "已 5 小时 未成功；最近的错误：HTTP 403：站点拒绝访问"
ESCALATION_POLICY = {
    "min_grade": "II",
    "repeat_every": "15m",
    "levels": [
        {"who": "责任处室", "channels": ["console"], "after": "0m"},
        {"who": "分管领导", "channels": ["console"], "after": "30m"},
    ],
}


# Every seeded user's console password (hashed once: argon2 is slow on purpose).
PASSWORD = "测试密码-correct-horse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token in the forms of `path` as the client's session sees it."""
    found = CSRF.search(client.get(path).text)
    assert found, f"no csrf_token in the forms of {path}"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD, next: str = "/") -> str:
    """Log in through the login form as a person does; the session's CSRF token, for the
    forms the test then posts."""
    r = client.post(
        "/login",
        data={"name": name, "password": password, "next": next, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_token(client, "/account/password")


def seed(db: Database) -> SimpleNamespace:
    """Users of every role; events owned by three departments; mentions; alerts."""
    with db.session() as s:
        sync_departments(s, APP.settings)
        dept = {d.code: d.id for d in s.scalars(select(Department))}
        tokens = {}
        for role in ROLES:
            code = "culture-tourism" if role == "handler" else None
            user, tokens[role] = create_user(s, role, f"测试{ROLES[role]}", role, code, NOW)
            s.add(UserPassword(user_id=user.id, hash=password_hash(), changed_at=NOW))
        src = _sources(s)

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
        posts = []
        for i, url in enumerate(["javascript:alert(2)", "https://bbs.example.cn/t/9"]):
            posts.append(
                Mention(
                    source=src,
                    kind="feed",
                    url=url,
                    canonical_url=f"u{i}",
                    content_hash=f"h{i}",
                    title=f"帖子{i}" + (MENTION_XSS if i == 0 else ""),
                    text="正文",
                    author="网友",
                    fetched_at=NOW,
                    published_at=NOW - timedelta(hours=2),
                    negative=0.9,
                    event_id=late.id,
                )
            )
        s.add_all(posts)
        s.add(
            Mention(
                source=src,
                kind="board",
                url="https://x.cn/2",
                canonical_url="u9",
                content_hash="h9",
                title="内涝帖子",
                text="正文",
                fetched_at=NOW,
                event_id=other.id,
                reply_status="已回复",
                extra={"posts": THREAD},  # every post (楼) of the board thread, as stored
            )
        )
        s.add(
            Escalation(
                event_id=co.id,
                reason="新发现特别重大事件",
                policy=ESCALATION_POLICY,
                started_at=NOW - timedelta(minutes=20),
                level=0,
                notices=1,
                last_notified_at=NOW - timedelta(minutes=5),
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
        s.flush()
        return SimpleNamespace(
            tokens=tokens, late=late.id, co=co.id, other=other.id, mention=posts[0].id
        )


def _sources(s: Session) -> Source:
    """A healthy feed (the mentions' source), a news site failing for 5 hours, a silent
    Weibo search; the other configured sources have never run."""
    ok = Source(
        name="province-daily-rss",
        kind="feed",
        title="省日报网·地方频道",
        tier="provincial",
        last_run_at=NOW - timedelta(minutes=5),
        last_success_at=NOW - timedelta(minutes=5),
        runs=20,
        failed_runs=1,
        items_total=40,
    )
    broken = Source(
        name="yunchuan-news",
        kind="news",
        title="云川新闻网",
        tier="local",
        last_run_at=NOW - timedelta(minutes=10),
        last_success_at=NOW - timedelta(hours=5),
        last_error="HTTP 403：站点拒绝访问",
        last_error_at=NOW - timedelta(minutes=10),
        runs=10,
        failed_runs=4,
        items_total=12,
    )
    silent = Source(
        name="weibo-search",
        kind="weibo",
        title="微博搜索",
        tier="self_media",
        last_run_at=NOW - timedelta(minutes=3),
        last_success_at=NOW - timedelta(minutes=3),
        runs=5,
    )
    s.add_all([ok, broken, silent])
    return ok


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
