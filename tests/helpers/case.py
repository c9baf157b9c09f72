"""One case for the case-page tests: users of every role (the handler in 应急管理局) and a
stranger handler of another department, a grade II event opened as the pipeline opens one
(routing, clocks), three hostile scraped mentions, and the first one's preserved raw copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from monitor import cases
from monitor.accounts.users import ROLES, create_user
from monitor.cases.deadlines import DeadlineBook
from monitor.config import load_config
from monitor.pipeline.store import evidence
from monitor.storage.db import Database
from monitor.storage.models import Event, Mention, Source
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
BOOK = DeadlineBook(APP.settings)
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 Beijing
HOSTILE = '<script>window.__xss="case"</script><img src=x onerror=alert(1)>'
RAW = f"<html><body><h1>隧道积水</h1>{HOSTILE}<iframe src=//evil.example></iframe></body></html>"
PRIVATE = "联系人张三 13800000000。"


def seed_case(db: Database) -> SimpleNamespace:
    """users (role or "stranger" -> user id), event and mention ids."""
    with db.session() as s:
        cases.sync_departments(s, APP.settings)
        users = {}
        for role in ROLES:
            code = "emergency" if role == "handler" else None
            users[role] = create_user(s, role, f"测试{ROLES[role]}", role, code, T0)[0].id
        users["stranger"] = create_user(
            s, "stranger", "他处处员", "handler", "culture-tourism", T0
        )[0].id
        e = Event(
            title="暴雨致隧道积水" + HOSTILE,
            grade="II",
            categories=["emergency"],
            topics=["城市内涝"],
            kinds=["weibo", "news"],
            origin_kind="weibo",
            first_source="微博",
            first_url="https://weibo.example/1",
            discovered_at=T0,
            last_mention_at=T0,
            created_at=T0,
            updated_at=T0,
            mention_count=3,
            negative_count=2,
        )
        s.add(e)
        s.flush()
        cases.open_case(s, e, APP.settings, BOOK, "暴雨致隧道积水", T0)
        src = Source(name="weibo", kind="weibo", title="微博", tier="self_media")
        s.add(src)
        ms = []
        for i, (kind, minutes, neg) in enumerate(
            [("weibo", 0, 0.9), ("weibo", 30, 0.8), ("news", 90, 0.1)]
        ):
            m = Mention(
                source=src,
                kind=kind,
                url=f"https://gone.example/{i}",  # the post itself is deleted by now
                canonical_url=f"c{i}",
                content_hash=f"h{i}",
                title=f"隧道积水{i}{HOSTILE}",
                text=f"网友观点{i}：隧道积水严重{HOSTILE}",
                author=f"网友{i}" + (HOSTILE if i == 0 else ""),  # drawn in the SVG path
                published_at=T0 + timedelta(minutes=minutes),
                fetched_at=T0 + timedelta(minutes=minutes + 2),
                reposts=10 - i,
                negative=neg,
                event_id=e.id,
            )
            s.add(m)
            ms.append(m)
        s.flush()
        s.add(evidence(ms[0].id, "https://gone.example/0", T0, RAW.encode()))
        return SimpleNamespace(users=users, event=e.id, mention=ms[0].id)


def to_disposal(db: Database, event_id: int, now: datetime) -> None:
    """Carry the case through 会商 and an approved 研判 into 处置/回应, by the services."""
    from sqlalchemy import select

    from monitor.storage.models import User

    with db.session() as s:
        who = {u.role: u for u in s.scalars(select(User))}
        e = s.get(Event, event_id)
        assert e is not None
        cases.transition(s, e, "judged", who["duty_officer"], "研判", now)
        cases.record_judgment(
            s,
            e,
            who["duty_officer"],
            now,
            nature="突发事件",
            disposal_class="unaware",
            proposal="发布权威信息",
        )
        cases.decide_judgment(s, e, who["leader"], now, BOOK, True)
        cases.transition(s, e, "responding", who["duty_officer"], "开始处置", now)
