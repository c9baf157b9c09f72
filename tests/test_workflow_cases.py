"""The workflow service layer: an event carried through every state, with its guards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from monitor import cases
from monitor.cases.deadlines import DeadlineBook
from monitor.cases.view import case_view
from monitor.config import load_config
from monitor.errors import Forbidden, InvalidTransition, YuqingError
from monitor.storage.models import AuditLog, Department, Event, Transition, User
from tests.helpers.configs import CONFIG

SETTINGS = load_config(CONFIG, environ={}).settings
BOOK = DeadlineBook(SETTINGS)
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 Beijing


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def seed(s, grade: str = "II", categories: tuple[str, ...] = ("emergency",)) -> SimpleNamespace:  # noqa: ANN001
    cases.sync_departments(s, SETTINGS)
    dept = {d.code: d.id for d in s.scalars(select(Department))}
    users = {}
    for role in ("duty_officer", "handler", "confidentiality", "leader", "office"):
        u = User(
            name=role,
            display_name=role,
            role=role,
            department_id=dept["emergency"] if role == "handler" else None,
            created_at=T0,
        )
        s.add(u)
        users[role] = u
    e = Event(
        title="暴雨致隧道积水，车辆被困",
        grade=grade,
        categories=list(categories),
        topics=["城市内涝"],
        kinds=["weibo"],
        origin_kind="weibo",
        first_source="微博",
        first_url="https://weibo.example/1",
        discovered_at=T0,
        last_mention_at=T0,
        created_at=T0,
        updated_at=T0,
        mention_count=3,
        negative_count=3,
    )
    s.add(e)
    s.flush()
    cases.open_case(s, e, SETTINGS, BOOK, e.title, T0)
    return SimpleNamespace(event=e, **users)


def approve_all(s, draft, u, when: datetime) -> None:  # noqa: ANN001
    cases.review(s, draft, u.handler, when, "drafter", True, note="主动公开")
    cases.review(s, draft, u.confidentiality, when, "confidentiality", True)
    cases.review(s, draft, u.leader, when, "leader", True, publisher="office")


def test_an_event_goes_through_every_state_and_meets_its_clocks(database) -> None:
    with database.session() as s:
        u = seed(s)
        e = u.event
        assert e.department.code == "emergency"
        assert {d.clock for d in e.deadlines} == {"info-5h", "presser-24h"}
        cases.transition(s, e, "consulting", u.duty_officer, "需会商", at(0.2))
        cases.add_opinion(s, e, "emergency", "已组织排水，无人员伤亡", u.handler, at(0.3))
        cases.transition(s, e, "judged", u.office, "会商完毕", at(0.4))
        cases.record_judgment(
            s,
            e,
            u.handler,
            at(0.5),
            nature="突发事件",
            disposal_class="unaware",
            proposal="发布权威信息并召开发布会",
        )
        with pytest.raises(InvalidTransition, match="领导审批"):
            cases.transition(s, e, "responding", u.handler, "开始处置", at(0.6))
        cases.decide_judgment(s, e, u.leader, at(0.7), BOOK, approve=True)
        cases.transition(s, e, "responding", u.handler, "开始处置", at(0.8))
        d = cases.create_draft(s, e, u.handler, at(1), "release", "隧道积水已排除，无人员伤亡。")
        approve_all(s, d, u, at(2))
        cases.publish(s, d, u.office, at(3), fulfils=[1])
        cases.record_action(s, e, u.office, at(20), "presser", "市政府新闻发布会，20:00")
        view = case_view(s, e, at(21))
        met = {x["clock"]: x["status"] for x in view["deadlines"]}
        assert met == {"info-5h": "met", "presser-24h": "met"}
        assert view["obligations"][0]["fulfilled_at"] == at(3)
        cases.transition(s, e, "evaluating", u.handler, "回应完毕", at(22))
        cases.transition(s, e, "closed", u.office, "办结", at(23))
        trail = s.scalars(select(Transition).where(Transition.event_id == e.id)).all()
        assert [t.to_state for t in trail] == [
            "collected",
            "consulting",
            "judged",
            "responding",
            "evaluating",
            "closed",
        ]
        assert trail[-1].actor == "office" and trail[-1].reason == "办结"


def test_refusals_name_the_rule_and_the_allowed_moves(database) -> None:
    with database.session() as s:
        u = seed(s)
        e = u.event
        with pytest.raises(InvalidTransition, match="当前可转到") as err:
            cases.transition(s, e, "closed", u.office, "x", at(1))
        assert "会商（consulting）" in str(err.value)
        with pytest.raises(Forbidden, match="无权变更事件状态"):
            cases.transition(s, e, "consulting", u.confidentiality, "x", at(1))
        with pytest.raises(InvalidTransition, match="须写明理由"):
            cases.transition(s, e, "dismissed", u.office, " ", at(1))
        with pytest.raises(InvalidTransition, match="into"):
            cases.transition(s, e, "merged", u.office, "重复", at(1))
        other = User(name="h2", display_name="h2", role="handler", created_at=T0)
        with pytest.raises(Forbidden, match="主办或会商处室"):
            cases.transition(s, e, "consulting", other, "x", at(1))


def test_an_event_cannot_close_with_an_open_obligation_or_commitment(database) -> None:
    with database.session() as s:
        u = seed(s, grade="III", categories=("false_info",))
        e = u.event
        cases.transition(s, e, "judged", u.duty_officer, "研判", at(0.1))
        cases.record_judgment(
            s,
            e,
            u.handler,
            at(0.2),
            nature="谣言",
            disposal_class="false_info",
            proposal="辟谣并移交",
        )
        cases.decide_judgment(s, e, u.leader, at(0.3), BOOK, approve=True)
        cases.transition(s, e, "transferred", u.handler, "移交网信", at(0.4))
        d = cases.create_draft(s, e, u.handler, at(1), "release", "网传信息不实。")
        approve_all(s, d, u, at(1))
        cases.publish(s, d, u.office, at(2), fulfils=[1])
        c = cases.add_commitment(s, d, u.office, at(2), "七日内公布调查结果", at(24 * 7))
        cases.transition(s, e, "evaluating", u.handler, "回应完毕", at(3))
        with pytest.raises(InvalidTransition) as err:
            cases.transition(s, e, "closed", u.office, "办结", at(4))
        assert "移交公安机关、网络监管部门" in str(err.value)
        assert "七日内公布调查结果" in str(err.value)
        cases.record_action(s, e, u.office, at(5), "transfer", "移交市公安局网安支队")
        d2 = cases.create_draft(s, e, u.handler, at(6), "release", "调查结果：系编造。")
        with pytest.raises(InvalidTransition, match="尚未发布"):
            cases.fulfil_commitment(s, c, d2, u.office, at(6))
        approve_all(s, d2, u, at(6))
        cases.publish(s, d2, u.office, at(7))
        cases.fulfil_commitment(s, c, d2, u.office, at(7))
        cases.transition(s, e, "closed", u.office, "办结", at(8))
        assert e.state == "closed"


def test_return_to_judgment_when_the_grade_rises(database) -> None:
    with database.session() as s:
        u = seed(s, grade="III", categories=("emergency",))
        e = u.event
        assert {d.clock for d in e.deadlines} == {"response-48h"}
        cases.transition(s, e, "judged", u.duty_officer, "研判", at(0.1))
        cases.record_judgment(
            s, e, u.handler, at(0.2), nature="n", disposal_class="unaware", proposal="p"
        )
        cases.decide_judgment(s, e, u.leader, at(0.3), BOOK, approve=True)
        cases.transition(s, e, "responding", u.handler, "处置", at(0.4))
        e.grade = "II"
        moved = cases.return_to_judgment(s, e, cases.SYSTEM, "风险等级升为 II", at(1), book=BOOK)
        assert moved and e.state == "judged"
        live = {d.clock: d.due_at for d in e.deadlines if not d.superseded}
        assert live == {"info-5h": at(5), "presser-24h": at(24)}  # from discovery, not from now
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "transition")).all()[-1]
        assert audit.detail == {"from": "responding", "to": "judged", "reason": "风险等级升为 II"}
        # the approval that started disposal no longer holds
        with pytest.raises(InvalidTransition, match="领导审批"):
            cases.transition(s, e, "responding", u.handler, "处置", at(2))
        assert not cases.return_to_judgment(s, e, cases.SYSTEM, "again", at(3))


def test_judgment_grade_override_needs_a_reason_and_roles_are_checked(database) -> None:
    with database.session() as s:
        u = seed(s, grade="III")
        e = u.event
        cases.transition(s, e, "judged", u.duty_officer, "研判", at(0.1))
        with pytest.raises(YuqingError, match="须写明理由"):
            cases.record_judgment(
                s,
                e,
                u.handler,
                at(1),
                nature="n",
                disposal_class="unaware",
                proposal="p",
                grade="I",
            )
        with pytest.raises(YuqingError, match="处置类别"):
            cases.record_judgment(
                s, e, u.handler, at(1), nature="n", disposal_class="x", proposal="p"
            )
        cases.record_judgment(
            s,
            e,
            u.handler,
            at(1),
            nature="n",
            disposal_class="major_problem",
            proposal="p",
            grade="II",
            grade_reason="涉及人员被困",
        )
        with pytest.raises(Forbidden, match="领导"):
            cases.decide_judgment(s, e, u.office, at(2), BOOK, approve=True)
        cases.decide_judgment(s, e, u.leader, at(2), BOOK, approve=True)
        assert e.grade == "II"
        ob = case_view(s, e, at(2))["obligations"][0]
        assert ob["title"] == "公开调查处理情况"
        # 15 working days from Friday 2026-11-20 10:02 Beijing
        assert ob["due_at"] == datetime(2026, 12, 12, 0, 0, tzinfo=BOOK_TZ)


BOOK_TZ = ZoneInfo("Asia/Shanghai")


def test_overdue_obligations_and_commitments_are_reminded_once(database) -> None:
    from monitor.overdue import check_overdue
    from monitor.storage.models import Alert

    with database.session() as s:
        u = seed(s, grade="III", categories=("false_info",))
        e = u.event
        with pytest.raises(Forbidden, match="本处室"):
            cases.add_opinion(s, e, "public-security", "不是本处室", u.handler, at(0.05))
        cases.transition(s, e, "judged", u.duty_officer, "研判", at(0.1))
        cases.record_judgment(
            s, e, u.handler, at(0.2), nature="谣言", disposal_class="false_info", proposal="p"
        )
        cases.decide_judgment(s, e, u.leader, at(0.3), BOOK, approve=True)
        cases.transition(s, e, "responding", u.handler, "处置", at(0.4))
        d = cases.create_draft(s, e, u.handler, at(1), "release", "网传信息不实。")
        approve_all(s, d, u, at(1))
        cases.publish(s, d, u.office, at(2))
        cases.add_commitment(s, d, u.office, at(2), "三日内公布调查结果", at(72))
    late = at(24 * 30)
    assert check_overdue(database, SETTINGS, late) >= 3  # 2 obligations, 1 commitment
    assert check_overdue(database, SETTINGS, late + timedelta(minutes=1)) == 0
    with database.session() as s:
        titles = [a.payload.get("clock_title", "") for a in s.scalars(select(Alert))]
    assert any(t == "承诺：三日内公布调查结果" for t in titles)
    assert any(t == "处置义务：移交公安机关、网络监管部门" for t in titles)
