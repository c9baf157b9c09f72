"""Reminder ladders on every clock: the right reminder at the right time, once, and after an
outage one current reminder rather than a replay of stale ones."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.notify.console import ConsoleChannel
from monitor.notify.dispatcher import deliver_due
from monitor.overdue import remind
from monitor.storage.db import Database
from monitor.storage.models import Alert, Deadline, Event
from tests.helpers.configs import CONFIG
from workflow.reminders import Ladder, due_reminder

START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
DUE = START + timedelta(hours=5)  # an info-5h clock
LADDER = Ladder()


@pytest.mark.parametrize(
    ("after", "point"),
    [
        (timedelta(hours=2), None),
        (timedelta(hours=2, minutes=31), "50%"),
        (timedelta(hours=4, minutes=1), "80%"),
        (timedelta(hours=4, minutes=31), "before"),
        (timedelta(hours=5, minutes=10), None),  # the breach alert covers the first hour
        (timedelta(hours=6, minutes=1), "overdue-1"),
        (timedelta(hours=8, minutes=30), "overdue-3"),
    ],
)
def test_the_latest_point_reached_is_the_reminder(after, point) -> None:
    r = due_reminder(START, DUE, START + after, LADDER)
    assert (r.point if r else None) == point


def test_reminder_labels_read_as_officers_expect() -> None:
    assert due_reminder(START, DUE, START + timedelta(hours=4, minutes=40), LADDER).label == (
        "距截止不足 30 分钟"
    )
    late = due_reminder(START, DUE, DUE + timedelta(hours=2, minutes=5), LADDER)
    assert late.label == "已超时 2小时5分，仍未完成"


SETTINGS = load_config(CONFIG, environ={}).settings


def _clock(db: Database) -> None:
    with db.session() as s:
        ev = Event(
            title="云川遭遇强降雨 临江隧道积水",
            grade="II",
            origin_kind="weibo",
            first_source="新浪微博",
            first_url="https://m.weibo.cn/detail/1",
            discovered_at=START,
            last_mention_at=START,
            created_at=START,
            updated_at=START,
        )
        s.add(ev)
        s.flush()
        s.add(
            Deadline(
                event_id=ev.id, clock="info-5h", title="发布权威信息", starts_at=START, due_at=DUE
            )
        )


def _reminders(db: Database) -> list[str]:
    with db.session() as s:
        return [
            a.key.split(":")[2]
            for a in s.scalars(
                select(Alert).where(Alert.kind == "deadline_reminder").order_by(Alert.id)
            )
        ]


def test_each_point_is_reminded_once(database: Database) -> None:
    _clock(database)
    assert remind(database, SETTINGS, START + timedelta(hours=1)) == 0
    assert remind(database, SETTINGS, START + timedelta(hours=3)) == 1
    assert remind(database, SETTINGS, START + timedelta(hours=3, minutes=5)) == 0
    assert remind(database, SETTINGS, START + timedelta(hours=4, minutes=10)) == 1
    assert _reminders(database) == ["50%", "80%"]


def test_after_an_outage_one_current_reminder_not_a_replay(database: Database) -> None:
    _clock(database)
    # the service was down from 1 h to 4 h 40 min: 50%, 80% and "30 min before" all passed
    assert remind(database, SETTINGS, START + timedelta(hours=4, minutes=40)) == 1
    assert _reminders(database) == ["before"]
    out = io.StringIO()
    deliver_due(
        database,
        {"console": ConsoleChannel("console", out)},
        START + timedelta(hours=4, minutes=40),
    )
    text = out.getvalue()
    assert "【时限提醒】" in text
    assert "提醒：发布权威信息（2026-11-22 03:00 前完成）（距截止不足 30 分钟）" in text


def test_a_met_clock_is_not_reminded(database: Database) -> None:
    _clock(database)
    with database.session() as s:
        d = s.scalars(select(Deadline)).one()
        d.met_at, d.met_by = START + timedelta(hours=1), "发布权威信息"
    assert remind(database, SETTINGS, START + timedelta(hours=4, minutes=40)) == 0


def test_a_commitment_is_reminded_like_a_clock(database: Database) -> None:
    from monitor.storage.workflow import Commitment, Draft

    _clock(database)
    with database.session() as s:
        s.scalars(select(Deadline)).one().met_at = START  # only the commitment runs
        ev = s.scalars(select(Event)).one()
        draft = Draft(
            event_id=ev.id,
            kind="release",
            text="我局将于三日内公布调查结果。",
            text_hash="h",
            created_by="drafter",
            created_at=START,
            updated_at=START,
        )
        s.add(draft)
        s.flush()
        s.add(
            Commitment(
                event_id=ev.id,
                draft_id=draft.id,
                text="三日内公布调查结果",
                due_at=START + timedelta(days=3),
                created_by="drafter",
                created_at=START,
            )
        )
    assert remind(database, SETTINGS, START + timedelta(days=2)) == 1  # past 50%
    out = io.StringIO()
    deliver_due(database, {"console": ConsoleChannel("console", out)}, START + timedelta(days=2))
    assert (
        "提醒：承诺：三日内公布调查结果（2026-11-24 22:00 前完成）（时限已过 50%）"
        in out.getvalue()
    )
