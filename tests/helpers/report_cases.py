"""A small, fixed set of cases for the report tests, with every time written out, so the
assessment can be counted by hand (tests/test_report_assessment.py says the count).

Digest window of 2026-11-21 (08:00): 2026-11-20 00:00 UTC to 2026-11-21 00:00 UTC.

E1 景区乱收费 (culture-tourism, III, responding): response-48h met on time; an obligation
   met on time; a commitment overdue; first reply 23 h after discovery.
E2 隧道积水 (emergency, I after a rise): info-5h met 2 h late; presser-24h never met;
   response-48h superseded by the rise; a commitment kept; first release after 7 h; an
   escalation that reached the principal leader (level 3 of 3).
E3 隧道又积水 (emergency): merged into E2; its unmet clock is not counted.
E4 路灯不亮 (office, IV): closed before its reply-5wd fell due; not counted.
Mentions carry hostile text: a <script>, a Word field code, an XML control character.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from monitor.cases import sync_departments
from monitor.storage.alerts import Escalation
from monitor.storage.collection import Reporter
from monitor.storage.db import Database
from monitor.storage.models import Deadline, Department, Event, Mention, Source, Transition
from monitor.storage.workflow import (
    CaseAction,
    Commitment,
    DisposalObligation,
    Draft,
    Judgment,
    ReviewStep,
)
from tests.helpers.console import APP

T = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 Beijing, the digest window's start
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 Beijing, the morning after
AFTER_MONTH = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # the monthly assessment runs
SCRIPT = "<script>alert(1)</script>"
FIELD_CODE = '{ DDEAUTO c:\\windows\\system32\\cmd.exe "/c calc" }'
REPORTER = "李四举报人"
POLICY = {
    "min_grade": "II",
    "repeat_every": "15m",
    "levels": [
        {"who": "责任处室", "channels": ["console"], "after": "0m"},
        {"who": "分管领导", "channels": ["console"], "after": "30m"},
        {"who": "主要负责人", "channels": ["console"], "after": "60m"},
    ],
}


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def seed_cases(db: Database) -> SimpleNamespace:
    with db.session() as s:
        sync_departments(s, APP.settings)
        dept = {d.code: d.id for d in s.scalars(select(Department))}
        src = {}
        for name, kind, title, tier in (
            ("board", "board", "云川市政府留言板", "government"),
            ("weibo", "weibo", "新浪微博", "self_media"),
            ("news", "news", "云川新闻网", "local"),
            ("manual-phone", "manual", "人工登记·来电", "local"),
        ):
            src[kind] = Source(name=name, kind=kind, title=title, tier=tier)
            s.add(src[kind])
        s.flush()

        def event(title: str, code: str, grade: str, state: str, at: float, kind: str) -> Event:
            e = Event(
                title=title,
                grade=grade,
                state=state,
                department_id=dept[code],
                origin_kind=kind,
                first_source=src[kind].title,
                first_url="http://127.0.0.1/x",
                discovered_at=h(at),
                last_mention_at=h(at + 1),
                created_at=h(at),
                updated_at=h(at),
                grade_reasons=[
                    {"factor": "sentiment", "points": 30, "text": "负面倾向 0.95（乱收费）"}
                ],
            )
            s.add(e)
            s.flush()
            s.add(
                Transition(
                    event_id=e.id, from_state=None, to_state="collected", actor="system", at=h(at)
                )
            )
            return e

        e1 = event("青峰山景区停车场乱收费", "culture-tourism", "III", "responding", 2, "board")
        e2 = event("临江隧道积水多车被困", "emergency", "I", "responding", 6, "weibo")
        e3 = event("隧道又积水", "emergency", "II", "merged", 7, "weibo")
        e4 = event("滨江路路灯长期不亮", "office", "IV", "closed", 3, "board")

        def mention(
            e: Event, kind: str, at: float, title: str, text: str, negative: float, **kw: object
        ) -> Mention:
            m = Mention(
                source_id=src[kind].id,
                kind=kind,
                url=f"http://127.0.0.1/{kind}/{e.id}/{at}",
                canonical_url=f"http://127.0.0.1/{kind}/{e.id}/{at}",
                content_hash=f"{e.id}-{kind}-{at}",
                title=title,
                text=text,
                published_at=h(at - 0.5),
                fetched_at=h(at),
                analysed_at=h(at),
                negative=negative,
                heat=kw.pop("heat", 10.0),
                event_id=e.id,
                **kw,
            )
            s.add(m)
            return m

        mention(
            e1,
            "board",
            2,
            "青峰山景区停车场乱收费",
            "停车场收费50元不给票，态度恶劣。",
            0.97,
            author="张三",
            reply_status="已回复",
            extra={
                "reply_text": "答复单位：市文化和旅游局 答复时间：2026-11-21 09:00 "
                "您好，已责令整改。"
            },
        )
        mention(
            e1,
            "weibo",
            3,
            f"景区宰客{SCRIPT}",
            f"停车费太贵了 {FIELD_CODE}\x0b",
            0.91,
            author="游客小王",
            reposts=120,
            comments=30,
            likes=300,
            heat=60.0,
        )
        mention(
            e2,
            "weibo",
            6,
            "隧道积水有车被困",
            "水漫到车窗，太吓人了",
            0.95,
            author="临江路的阿杰",
            heat=80.0,
        )
        mention(
            e2,
            "news",
            8,
            "临江隧道积水 多辆车辆被困",
            "记者从市应急管理局获悉……",
            0.7,
            site="云川新闻网",
            heat=50.0,
        )
        mention(e3, "weibo", 7, "隧道又积水", "又积水了", 0.8, author="路人", heat=5.0)
        phone = mention(e4, "manual", 3, "滨江路路灯不亮", "来电反映路灯坏了一个月。", 0.6)
        s.flush()
        s.add(
            Reporter(
                mention_id=phone.id,
                name=REPORTER,
                phone="13800000000",
                entered_by="duty",
                entered_at=h(3),
            )
        )

        def clock(
            e: Event,
            name: str,
            title: str,
            due: float,
            met: float | None = None,
            superseded: bool = False,
        ) -> None:
            s.add(
                Deadline(
                    event_id=e.id,
                    clock=name,
                    title=title,
                    starts_at=e.discovered_at,
                    due_at=h(due),
                    met_at=h(met) if met is not None else None,
                    superseded=superseded,
                    breached_at=h(due) if met is None or met > due else None,
                )
            )

        clock(e1, "response-48h", "回应社会关切", 50, met=25)
        clock(e2, "info-5h", "发布权威信息", 11, met=13)
        clock(e2, "presser-24h", "召开新闻发布会", 30)
        clock(e2, "response-48h", "回应社会关切", 54, superseded=True)
        clock(e3, "response-48h", "回应社会关切", 55)
        clock(e4, "reply-5wd", "答复网民留言", 24 * 7)
        s.add(
            Transition(
                event_id=e4.id,
                from_state="evaluating",
                to_state="closed",
                actor="office",
                reason="已答复",
                at=h(20),
            )
        )
        s.add(
            Transition(
                event_id=e3.id,
                from_state="collected",
                to_state="merged",
                actor="system",
                reason=f"并入事件 #{e2.id}",
                at=h(9),
            )
        )

        j1 = Judgment(
            event_id=e1.id,
            nature="景区经营不规范",
            disposal_class="difficulty",
            grade="III",
            proposal="责令整改并公开结果",
            status="approved",
            drafted_by="office",
            drafted_at=h(4),
            decided_by="leader",
            decided_at=h(5),
        )
        s.add(j1)
        s.flush()
        s.add(
            DisposalObligation(
                event_id=e1.id,
                judgment_id=j1.id,
                key="solution",
                title="公开研究解决情况",
                by="publication",
                due_at=h(24 * 8),
                fulfilled_at=h(24 * 7),
            )
        )
        draft = Draft(
            event_id=e1.id,
            kind="reply",
            text="您好，已责令景区整改。",
            text_hash="x",
            revision=1,
            created_by="handler",
            created_at=h(20),
            updated_at=h(20),
            published_at=h(25),
            published_by="leader",
        )
        s.add(draft)
        s.flush()
        for level, actor in (
            ("drafter", "handler"),
            ("confidentiality", "secrecy"),
            ("leader", "leader"),
        ):
            s.add(
                ReviewStep(
                    draft_id=draft.id,
                    level=level,
                    approved=True,
                    text_hash="x",
                    revision=1,
                    actor=actor,
                    at=h(21),
                    note="属一般信息" if level == "drafter" else None,
                )
            )
        s.add(
            CaseAction(
                event_id=e1.id,
                kind="reply",
                draft_id=draft.id,
                note="答复网民",
                clocks_met=["response-48h"],
                actor="leader",
                at=h(25),
            )
        )
        s.add(
            CaseAction(
                event_id=e2.id,
                kind="release",
                note="发布权威信息",
                clocks_met=["info-5h"],
                actor="leader",
                at=h(13),
            )
        )
        s.add(
            Commitment(
                event_id=e1.id,
                draft_id=draft.id,
                text="一周内公布整改结果",
                due_at=h(24 * 5 + 2),
                created_by="handler",
                created_at=h(25),
            )
        )
        s.add(
            Commitment(
                event_id=e2.id,
                draft_id=draft.id,
                text="三日内公布排查结果",
                due_at=h(24 * 4),
                created_by="handler",
                created_at=h(13),
                fulfilled_at=h(24 * 3),
            )
        )
        s.add(
            Escalation(
                event_id=e2.id,
                reason="新发现特别重大事件",
                policy=POLICY,
                started_at=h(6),
                level=2,
                notices=1,
            )
        )
        return SimpleNamespace(e1=e1.id, e2=e2.id, e3=e3.id, e4=e4.id, dept=dept)
