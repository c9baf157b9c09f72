"""An officer's re-assignment (改派) of an event: refused without a reason or the role,
audited, kept, and routing the next similar message to the department chosen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor import cases
from monitor.accounts.users import create_user
from monitor.cases.deadlines import DeadlineBook
from monitor.cases.reassign import reassign
from monitor.config import load_config
from monitor.errors import Forbidden, InvalidTransition, NotFound
from monitor.storage.models import AuditLog, Event, Mention, Source
from monitor.storage.routing import RoutingCorrection
from tests.helpers.configs import REPO

APP = load_config(REPO / "config" / "examples" / "city", environ={})
BOOK = DeadlineBook(APP.settings)
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def message(s, n: int, title: str, text: str, at: datetime) -> Event:  # noqa: ANN001
    """A citizen's message on the board, opened as a case the way the pipeline opens one."""
    src = s.scalar(select(Source).where(Source.name == "board"))
    if src is None:
        src = Source(name="board", kind="board", title="市政府留言板", tier="government")
        s.add(src)
    e = Event(
        title=title,
        kinds=["board"],
        origin_kind="board",
        first_source="市政府留言板",
        first_url=f"https://board.example/{n}",
        discovered_at=at,
        last_mention_at=at,
        created_at=at,
        updated_at=at,
        mention_count=1,
    )
    s.add(e)
    s.flush()
    s.add(
        Mention(
            source=src,
            kind="board",
            url=f"https://board.example/{n}",
            canonical_url=f"board-{n}",
            content_hash=f"h{n}",
            title=title,
            text=text,
            fetched_at=at,
            event_id=e.id,
        )
    )
    s.flush()
    cases.open_case(s, e, APP.settings, BOOK, f"{title}\n{text}", at)
    return e


def test_a_reassignment_routes_the_next_similar_message_there(database) -> None:  # noqa: ANN001
    with database.session() as s:
        cases.sync_departments(s, APP.settings)
        office = create_user(s, "qian", "办公室钱", "office", None, T0)[0]
        handler = create_user(s, "li", "环保处员", "handler", "environment", T0)[0]
        first = message(
            s, 1, "夜市摊贩油烟扰民", "滨江路夜市每天营业到凌晨两点，油烟和噪音扰民。", T0
        )
        assert first.department.code == "environment"
        with pytest.raises(InvalidTransition, match="须写明理由"):
            reassign(s, first, "commerce", office, " ", T0, APP.settings)
        with pytest.raises(Forbidden, match="无权改派事件"):
            reassign(s, first, "commerce", handler, "夜市归商务", T0, APP.settings)
        with pytest.raises(NotFound, match="部门 'market' 不存在"):
            reassign(s, first, "market", office, "夜市归市场", T0, APP.settings)
        reassign(s, first, "commerce", office, "夜市经营管理属商务局职责", T0, APP.settings)
        assert first.department.code == "commerce"
        assert first.routing_reasons[-1] == (
            "qian改派：由市生态环境局改为市商务局主办（夜市经营管理属商务局职责）"
        )
        with pytest.raises(InvalidTransition, match="已由市商务局主办"):
            reassign(s, first, "commerce", office, "再改", T0, APP.settings)
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "reassign"))
        assert audit.detail["from"] == "environment" and audit.detail["to"] == "commerce"
        row = s.scalar(select(RoutingCorrection))
        assert row.text.startswith("夜市摊贩油烟扰民\n") and row.actor == "qian"

        later = T0 + timedelta(days=3)
        again = message(s, 2, "滨江路夜市扰民", "滨江路夜市摊贩油烟噪音扰民，天天到凌晨。", later)
        assert again.department.code == "commerce"
        assert any(f"与曾改派至此的事件 #{first.id} 相近" in r for r in again.routing_reasons)
        # a different matter with the same words is still the environment bureau's
        other = message(s, 3, "化工厂偷排废气", "园区化工厂每晚排放刺鼻废气。", later)
        assert other.department.code == "environment"
