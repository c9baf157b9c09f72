"""The reports bench's database: a month of mentions, events and case records, generated
from a fixed seed and bulk-loaded into a migrated, empty SQLite or PostgreSQL database.

30 days, 2026-11-01 to 2026-12-01 UTC. 20,000 events: five with 50,000 mentions each (two
of them break on the morning of 11-19 Beijing time, so the digest of 11-20 has the busiest
window), the rest sharing the remaining mentions with a Pareto tail; 5 % of mentions belong
to no event. Mentions come more by day than by night (Beijing hours). Events carry grades,
workflow states by age, a department, 1–3 clocks (met on time, late, unmet, superseded),
transitions, judgments with disposal obligations, case actions with their drafts,
commitments and a few escalations. Working-day clocks are taken as 1.4 calendar days per
working day: close enough for load, not for the counting rules.

Loading goes round the ORM: SQLite gets executemany on the DB-API connection with each
column's own bind processor (dates are stored exactly as the service stores them),
PostgreSQL gets COPY. The secondary indexes of `mentions` are dropped for the load and
rebuilt from their own DDL after it; foreign keys are not checked while loading.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, select, text

from monitor import cases
from monitor.config.loader import AppConfig
from monitor.storage.alerts import Escalation
from monitor.storage.db import Database
from monitor.storage.migrate import HEAD, current_revisions, upgrade
from monitor.storage.models import Deadline, Department, Event, Mention, Source, Transition
from monitor.storage.workflow import CaseAction, Commitment, DisposalObligation, Draft, Judgment
from workflow.actions import ACTION_KINDS
from workflow.disposal import DISPOSAL_CLASSES

VERSION = 1  # bump when the generator changes: a kept database is then seeded again
SEED = 20261101
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
T0, T1 = int(START.timestamp()), int(END.timestamp())
HOUR, DAY = 3600, 86400
BATCH = 10_000
MARKER_TABLE = "bench_seed"  # one row: the marker of the finished seed

# relative weight of a mention by Beijing hour (0–23): quiet at night, busy by day
DIURNAL = [0.3, 0.2, 0.12, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1, 1, 1]
DIURNAL += [0.95, 0.95, 1, 1, 1, 0.95, 0.9, 0.95, 1, 0.95, 0.75, 0.5]
SOURCES = [  # name, title, kind, tier, share of mentions
    ("gov-board", "云川市政府留言板", "board", "government", 6),
    ("province-board", "省领导留言板·云川", "board", "provincial", 3),
    ("weibo-search", "微博搜索", "weibo", "self_media", 38),
    ("weibo-accounts", "政务微博账号", "weibo", "government", 5),
    ("weibo-topics", "微博话题", "weibo", "self_media", 12),
    ("yunchuan-news", "云川新闻网", "news", "local", 9),
    ("xinhua-local", "新华网·地方频道", "news", "central", 4),
    ("evening-news", "云川晚报", "news", "local", 7),
    ("province-daily-rss", "省日报网·地方频道", "feed", "provincial", 7),
    ("yunchuan-gov-atom", "云川市人民政府门户网站", "feed", "government", 3),
    ("tv-station-rss", "云川广播电视台", "feed", "local", 2),  # failing for two days
    ("manual", "来信来电", "manual", "government", 4),
]
SOURCE_WEIGHTS = [s[4] for s in SOURCES]
PLACES = "青峰山景区 云川博物馆 滨江路 老城区 高新区 东湖街道 北站 市一医院 实验中学 西山隧道"
ISSUES = "停车乱收费 闭馆传闻 暴雨积水 噪音扰民 供暖不足 公交停运 拆迁补偿 食品安全 物业纠纷 "
ISSUES += "工地扬尘 学校食堂 医保报销 道路塌陷 网约车 价格欺诈"
WORDS = "市民 反映 景区 收费 道路 积水 学校 医院 社区 物业 停车 噪音 供暖 公交 政策 补贴 调查 "
WORDS += "回应 处理 部门 街道 村民 企业 工地 环保 投诉 热线 留言 办理 排查 整改 安全 服务 网友"
TOPICS = ["景区收费", "博物馆", "城市内涝", "交通出行", "教育", "医疗卫生", "物业管理", "环境保护"]
# the transitions an event in each state went through, from collected
STATE_PATHS = {
    "collected": [],
    "consulting": ["consulting"],
    "judged": ["consulting", "judged"],
    "responding": ["judged", "responding"],
    "transferred": ["judged", "transferred"],
    "evaluating": ["judged", "responding", "evaluating"],
    "closed": ["judged", "responding", "evaluating", "closed"],
    "dismissed": ["dismissed"],
    "merged": ["merged"],
}
OPEN_STATES = ["collected", "consulting", "judged", "responding", "transferred", "evaluating"]
# share of an event's clocks met on time and met late, by its state (the rest stay unmet)
MET = {"closed": (0.75, 0.2), "evaluating": (0.75, 0.2), "responding": (0.45, 0.2)}
MET |= {"transferred": (0.45, 0.2), "judged": (0.3, 0.2), "collected": (0.1, 0.1)}
MET |= {"consulting": (0.1, 0.1), "dismissed": (0.1, 0.05), "merged": (0.1, 0.05)}
CLOCKS = {  # name -> (title, seconds allowed, the action kind that meets it)
    "info-5h": ("发布权威信息", 5 * HOUR, "release"),
    "presser-24h": ("召开新闻发布会", 24 * HOUR, "presser"),
    "response-48h": ("回应社会关切", 48 * HOUR, "release"),
    "reply-5wd": ("答复网民留言", int(5 * 1.4 * DAY), "reply"),
}
CLOCK_SECONDS = {"reply-5wd": int(7 * DAY), "response-48h": 48 * HOUR}
CLOCK_SECONDS |= {"complaint-handle-15wd": 21 * DAY, "complaint-transfer-5wd": 7 * DAY}
# tables in load order (foreign keys point backwards), each with its model's Table
TABLES: dict[str, Any] = {
    "sources": Source,
    "events": Event,
    "mentions": Mention,
    "transitions": Transition,
    "judgments": Judgment,
    "drafts": Draft,
    "case_actions": CaseAction,
    "deadlines": Deadline,
    "disposal_obligations": DisposalObligation,
    "commitments": Commitment,
    "escalations": Escalation,
}


@dataclass(frozen=True)
class Scale:
    mentions: int = 1_000_000
    events: int = 20_000
    big: int = 5
    big_size: int = 50_000

    @classmethod
    def of(cls, factor: float) -> Scale:
        """The full size times `factor` (a quick try: 0.05)."""
        return cls(int(1_000_000 * factor), max(50, int(20_000 * factor)), 5, int(50_000 * factor))

    @property
    def marker(self) -> str:
        return (
            f"reports-bench v{VERSION} seed {SEED} schema {HEAD} "
            f"mentions {self.mentions} events {self.events} big {self.big}x{self.big_size}"
        )


def dt(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


@dataclass
class Plan:
    """Every row but the mentions', which are streamed from the compact `mentions`."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (fetched ts, event id or None, source index, negative, heat) in id order
    mentions: list[tuple[int, int | None, int, float, float]] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)
    topics: dict[int, list[str]] = field(default_factory=dict)


class Generator:
    def __init__(self, app: AppConfig, departments: list[int], scale: Scale) -> None:
        self.rng = random.Random(SEED)
        self.app = app
        self.departments = departments
        self.scale = scale
        self.negative_at = app.settings.scoring.sentiment.negative_at
        self.plan = Plan(rows={name: [] for name in TABLES if name != "mentions"})

    def add(self, table: str, **values: Any) -> int:
        rows = self.plan.rows[table]
        values["id"] = len(rows) + 1
        rows.append(values)
        return values["id"]

    def when(self, t0: int, mean: float) -> int:
        """A time after t0 (exponential with this mean, seconds), thinned by hour of day."""
        rng = self.rng
        for _ in range(40):
            t = t0 + int(rng.expovariate(1 / mean))
            if t >= T1:
                t = rng.randrange(t0, T1)
            if rng.random() < DIURNAL[(t // HOUR + 8) % 24]:
                return t
        return t0

    def any_time(self, before: int) -> int:
        """A time in [T0, before), thinned by hour of day."""
        rng = self.rng
        while True:
            t = rng.randrange(T0, before)
            if rng.random() < DIURNAL[(t // HOUR + 8) % 24]:
                return t

    def tail_sizes(self) -> list[int]:
        """Mentions of each ordinary event: Pareto weights scaled to what is left."""
        sc, rng = self.scale, self.rng
        n = sc.events - sc.big
        rest = sc.mentions - sc.big * sc.big_size - sc.mentions // 20
        cap = max(1, int(sc.big_size * 0.4))
        weights = [rng.paretovariate(1.25) for _ in range(n)]
        total = sum(weights)
        out = [min(cap, max(1, round(w / total * rest))) for w in weights]
        diff, i = rest - sum(out), 0
        while diff:  # spread the rounding over the events, each kept within bounds
            j = i % n
            if diff > 0 and out[j] < cap:
                out[j], diff = out[j] + 1, diff - 1
            elif diff < 0 and out[j] > 1:
                out[j], diff = out[j] - 1, diff + 1
            i += 1
        return out

    def generate(self) -> Plan:
        rng, sc, p = self.rng, self.scale, self.plan
        for name, title, kind, tier, _ in SOURCES:
            broken = name == "tv-station-rss"
            self.add(
                "sources",
                name=name,
                kind=kind,
                title=title,
                tier=tier,
                last_run_at=dt(T1 - 120),
                last_success_at=dt(T1 - (2 * DAY if broken else 120)),
                last_error="HTTP 503 Service Unavailable" if broken else None,
                last_error_at=dt(T1 - 120) if broken else None,
                runs=30 * 24 * 12,
                failed_runs=600 if broken else 3,
                items_total=0,
            )
        # (discovered ts, mentions, mean lifetime s, negativity, grade); the big ones fixed
        # (day, UTC hour, grade, mean life in days): two break on 11-19 Beijing time
        big_at = [(2, 2, "I", 1.5), (8, 6, "II", 1.5), (17, 22, "I", 0.5), (18, 2, "II", 0.5)]
        big_at.append((25, 1, "II", 1.5))
        specs = [
            (T0 + d * DAY + h * HOUR, sc.big_size, DAY * life, 0.75, g)
            for d, h, g, life in big_at[: sc.big]
        ]
        for size in self.tail_sizes():
            t = self.any_time(T1 - HOUR)
            grade = rng.choices(["I", "II", "III", "IV"], [0.4, 4, 25, 70.6])[0]
            life = HOUR * (2 + 7 * math.log10(size + 1))
            specs.append((t, size, life, rng.betavariate(2, 3), grade))
        specs.sort(key=lambda s: s[0])
        n_src = len(SOURCES)
        for eid, (t, size, life, neg0, grade) in enumerate(specs, start=1):
            srcs = rng.choices(range(n_src), SOURCE_WEIGHTS, k=size)
            rows = [
                (
                    self.when(t, life) if k else t,
                    eid,
                    src,
                    min(1.0, max(0.0, round(neg0 + rng.gauss(0, 0.2), 3))),
                    round(min(100.0, rng.lognormvariate(2.2, 0.9)), 1),
                )
                for k, src in enumerate(srcs)
            ]
            p.mentions += rows
            self.event(eid, t, grade, rows)
        for _ in range(sc.mentions - len(p.mentions)):  # mentions grouped into no event
            ts = self.any_time(T1)
            src = rng.choices(range(n_src), SOURCE_WEIGHTS)[0]
            neg, heat = round(rng.betavariate(2, 4), 3), round(rng.lognormvariate(1.5, 0.8), 1)
            p.mentions.append((ts, None, src, neg, heat))
        p.mentions.sort(key=lambda r: (r[0], r[1] or 0))
        for ev in p.rows["events"]:
            self.case(ev)
        return p

    def event(self, eid: int, t: int, grade: str, rows: list[tuple]) -> None:
        rng = self.rng
        u = rng.random()
        if u < 0.04:
            state = "merged"
        elif u < 0.16:
            state = "dismissed"
        elif rng.random() < min(0.85, (T1 - t) / DAY / 8):  # the older, the likelier closed
            state = "closed"
        else:
            state = rng.choices(OPEN_STATES, [35, 10, 20, 20, 5, 10])[0]
        title = f"{rng.choice(PLACES.split())}{rng.choice(ISSUES.split())}"
        self.plan.titles[eid] = title
        self.plan.topics[eid] = rng.sample(TOPICS, rng.randint(1, 2))
        negs = sum(1 for r in rows if r[3] >= self.negative_at)
        peak = max(r[4] for r in rows)
        last = max(r[0] for r in rows)
        reasons = [
            {"factor": "sentiment", "text": f"负面倾向 {negs / len(rows):.2f}", "points": 30.0},
            {"factor": "heat", "text": f"热度 {peak:.0f}", "points": round(peak / 4, 1)},
        ]
        origin = SOURCES[rows[0][2]]
        self.add(
            "events",
            title=title,
            title_rank=1,
            state=state,
            grade=grade,
            grade_reasons=reasons,
            topics=self.plan.topics[eid],
            categories=["emergency"] if grade in ("I", "II") and rng.random() < 0.5 else [],
            terms=[title[:4], title[-4:]],
            department_id=None if rng.random() < 0.03 else rng.choice(self.departments),
            co_departments=[],
            owner="市长 张明" if grade == "I" else None,
            routing_reasons=[],
            origin_kind=origin[2],
            kinds=sorted({SOURCES[r[2]][2] for r in rows}),
            first_source=origin[1],
            first_url=f"https://{origin[0]}.example.cn/{eid}/first",
            first_published_at=dt(t - 600),
            discovered_at=dt(t),
            last_mention_at=dt(last),
            mention_count=len(rows),
            negative_count=negs,
            source_count=len({r[2] for r in rows}),
            heat=round(sum(r[4] for r in rows) ** 0.5, 1),
            peak_points=round(30.0 + peak / 4, 1),
            peak_reasons=reasons,
            peak_heat=peak,
            created_at=dt(t),
            updated_at=dt(last),
        )

    def action(self, eid: int, kind: str, at: int, clocks: list[str]) -> int:
        """A recorded action; a release or reply with its published draft, and now and then
        a commitment made in it."""
        rng, draft = self.rng, None
        if kind in ("release", "reply"):
            body = f"关于{self.plan.titles[eid]}的情况通报。"
            draft = self.add(
                "drafts",
                event_id=eid,
                kind=kind,
                text=body,
                text_hash=hashlib.sha256(body.encode()).hexdigest(),
                revision=1,
                created_by="handler",
                created_at=dt(at - 2 * HOUR),
                updated_at=dt(at),
                published_at=dt(at),
                published_by="office",
            )
            if rng.random() < 0.12:
                due = at + rng.randint(3, 15) * DAY
                r = rng.random()
                done = (
                    due - rng.randint(HOUR, 2 * DAY)
                    if r < 0.5
                    else due + rng.randint(HOUR, 3 * DAY)
                )
                done = done if r < 0.7 and done < T1 else None
                self.add(
                    "commitments",
                    event_id=eid,
                    draft_id=draft,
                    text="在7个工作日内公布调查处理结果",
                    due_at=dt(due),
                    created_by="handler",
                    created_at=dt(at),
                    fulfilled_at=dt(done),
                    fulfilment_draft_id=draft if done else None,
                    breached_at=dt(due if (done is None or done > due) and due < T1 else None),
                )
        return self.add(
            "case_actions",
            event_id=eid,
            kind=kind,
            draft_id=draft,
            note=None,
            clocks_met=clocks,
            actor="office",
            at=dt(at),
        )

    def case(self, ev: dict[str, Any]) -> None:
        rng = self.rng
        eid, state, grade = ev["id"], ev["state"], ev["grade"]
        d0 = int(ev["discovered_at"].timestamp())
        at, prev, times = d0, "collected", {}
        for to in STATE_PATHS[state]:  # a few hours apart
            at = min(T1 - 1, at + int(rng.expovariate(1 / (8 * HOUR))) + 60)
            self.add(
                "transitions",
                event_id=eid,
                from_state=prev,
                to_state=to,
                actor="office",
                reason=None,
                at=dt(at),
            )
            times[to], prev = at, to
        clocks = []  # by the rules of config/deadlines.yaml, roughly
        if grade in ("I", "II") and ev["categories"]:
            clocks += ["info-5h", "presser-24h"]
        if ev["origin_kind"] in ("board", "manual"):
            clocks.append("reply-5wd")
        if not clocks or (grade != "IV" and len(clocks) < 3 and rng.random() < 0.3):
            clocks.append("response-48h")
        if grade in ("I", "II") and "response-48h" not in clocks and rng.random() < 0.3:
            # opened at a lower grade; the tighter clocks superseded its 48 h one
            self.deadline(eid, "response-48h", d0, None, superseded=True)
        on, late = MET[state]
        for c in clocks:
            allowed, kind = CLOCKS[c][1], CLOCKS[c][2]
            r, met = rng.random(), None
            if r < on:
                met = d0 + int(allowed * rng.uniform(0.2, 0.97))
            elif r < on + late:
                met = d0 + allowed + int(rng.expovariate(1 / (10 * HOUR))) + 60
            met = met if met is not None and met < T1 else None
            self.deadline(eid, c, d0, met and self.action(eid, kind, met, [c]), met)
        if "judged" in times:
            self.judgment(eid, ev["title"], grade, times["judged"])
        if grade in ("I", "II") and rng.random() < 0.35:
            started = d0 + rng.randint(60, HOUR)
            level = rng.choices([0, 1, 2], [4, 3, 3])[0]
            ack = started + rng.randint(600, 4 * HOUR) if rng.random() < 0.6 else None
            ack = ack if ack is not None and ack < T1 else None
            policy = self.app.settings.channels.escalation
            self.add(
                "escalations",
                event_id=eid,
                reason="重大舆情" if grade == "I" else "较大舆情",
                policy=policy.model_dump(mode="json") if policy else {"levels": []},
                started_at=dt(started),
                level=level,
                notices=level + 1,
                last_notified_at=dt(started + level * 1800),
                acknowledged_at=dt(ack),
                acknowledged_by="leader" if ack else None,
                resolved_at=dt(times.get("closed") or times.get("dismissed")),
            )

    def deadline(
        self,
        eid: int,
        clock: str,
        d0: int,
        action: int | None,
        met: int | None = None,
        superseded: bool = False,
    ) -> None:
        title, allowed, kind = CLOCKS[clock]
        due = d0 + allowed
        self.add(
            "deadlines",
            event_id=eid,
            clock=clock,
            title=title,
            starts_at=dt(d0),
            due_at=dt(due),
            fallback_calendar=False,
            met_at=dt(met),
            met_by=f"{ACTION_KINDS[kind]}（office，记录 #{action}）" if action else None,
            breached_at=dt(
                due if (met is None or met > due) and due < T1 and not superseded else None
            ),
            superseded=superseded,
        )

    def judgment(self, eid: int, title: str, grade: str, decided: int) -> None:
        rng = self.rng
        cls = rng.choice(list(DISPOSAL_CLASSES.values()))
        jid = self.add(
            "judgments",
            event_id=eid,
            nature=f"{title}：{cls.name}",
            disposal_class=cls.key,
            grade=grade,
            grade_override_reason=None,
            proposal="按分类处置。",
            status="approved",
            drafted_by="handler",
            drafted_at=dt(decided - 1800),
            decided_by="leader",
            decided_at=dt(decided),
            decision_note=None,
        )
        if rng.random() >= 0.3:
            return
        for ob in cls.obligations:
            due = decided + CLOCK_SECONDS.get(ob.clock, 48 * HOUR)
            r, done = rng.random(), None
            if r < 0.45:
                done = decided + int((due - decided) * rng.uniform(0.3, 0.95))
            elif r < 0.6:
                done = due + rng.randint(HOUR, 3 * DAY)
            done = done if done is not None and done < T1 else None
            kind = "transfer" if ob.by == "transfer" else "release"
            self.add(
                "disposal_obligations",
                event_id=eid,
                judgment_id=jid,
                key=ob.key,
                title=ob.title,
                by=ob.by,
                due_at=dt(due),
                fallback_calendar=False,
                fulfilled_at=dt(done),
                action_id=self.action(eid, kind, done, []) if done else None,
                breached_at=dt(due if (done is None or done > due) and due < T1 else None),
            )

    def mention_rows(self) -> Iterator[dict[str, Any]]:
        """The full mention rows, in id order (fetch time), from the compact records."""
        p, rng, neg_at = self.plan, random.Random(SEED + 1), self.negative_at
        texts = [
            "，".join(rng.choices(WORDS.split(), k=rng.randint(12, 30))) + "。" for _ in range(997)
        ]
        heads = [f"{rng.choice(PLACES.split())}{rng.choice(WORDS.split())}" for _ in range(499)]
        authors = [f"网友{rng.randint(1000, 99999)}" for _ in range(301)]
        reasons = {
            g: [{"factor": "sentiment", "text": "负面倾向", "points": pt}]
            for g, pt in (("II", 40.0), ("III", 25.0))
        }
        none, empty, rain = {}, [], {"emergency": ["暴雨"]}  # shared: serialised once each
        for i, (ts, eid, src, neg, heat) in enumerate(p.mentions):
            mid = i + 1
            name, stitle, kind = SOURCES[src][:3]
            url = f"https://{name}.example.cn/{kind}/{mid}"
            grade = (
                "II" if neg > 0.85 and heat > 40 else "III" if neg >= neg_at and heat > 8 else "IV"
            )
            social = kind == "weibo"
            yield {
                "id": mid,
                "source_id": src + 1,
                "kind": kind,
                "url": url,
                "canonical_url": url,
                "content_hash": hashlib.sha256(url.encode()).hexdigest(),
                "title": p.titles[eid] if eid and mid % 3 else heads[mid % 499],
                "text": texts[mid % 997],
                "author": authors[mid % 301] if kind in ("weibo", "board") else None,
                "site": stitle if kind in ("news", "feed") else None,
                "published_at": None if mid % 7 == 0 else dt(ts - (mid * 37) % 7200),
                "fetched_at": dt(ts),
                "reposts": int(heat * 3) if social else 0,
                "comments": int(heat * 2) if social else 0,
                "likes": int(heat * 8) if social else 0,
                "reposted_from": None,
                "reply_status": ("已回复" if mid % 2 else "未回复") if kind == "board" else None,
                "extra": none,
                "analysed_at": dt(ts + 1 + mid % 90),
                "negative": neg,
                "topics": p.topics[eid] if eid else empty,
                "categories": rain if mid % 41 == 0 else none,
                "heat": heat,
                "grade": grade,
                "grade_reasons": reasons.get(grade, empty),
                "terms": None,
                "event_id": eid,
            }


class Loader:
    """Bulk rows into one database over a single DB-API connection, foreign keys off."""

    def __init__(self, db: Database) -> None:
        self.dialect = db.engine.dialect
        self.sqlite = self.dialect.name == "sqlite"
        self.raw = db.engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.cur = self.conn.cursor()
        if self.sqlite:
            for pragma in (
                "foreign_keys=OFF",
                "synchronous=OFF",
                "journal_mode=WAL",
                "cache_size=-262144",
            ):
                self.cur.execute(f"PRAGMA {pragma}")
        else:
            self.cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if self.cur.fetchone()[0]:  # skips the foreign-key triggers
                self.cur.execute("SET session_replication_role = replica")
            self.cur.execute("SET synchronous_commit = off")
            self.cur.execute("SET maintenance_work_mem = '256MB'")

    def close(self) -> None:
        self.conn.commit()
        if self.sqlite:
            self.cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.raw.invalidate()  # the session settings above must not reach the service's pool

    def table(self, table: Table, rows: Iterable[dict[str, Any]], rebuild: bool = False) -> int:
        """Load rows (dicts of column values); with `rebuild`, its secondary indexes are
        dropped first and created again from their own DDL afterwards."""
        cols = [c.name for c in table.columns]
        names = ", ".join(f'"{c}"' for c in cols)
        indexes = self.indexes(table.name) if rebuild else []
        for name, _ in indexes:
            self.cur.execute(f'DROP INDEX "{name}"')
        convert = [self.converter(c) for c in table.columns]
        n, batch = 0, []
        if self.sqlite:
            sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(cols))})'
            for row in rows:
                batch.append(
                    [
                        v if v is None or f is None else f(v)
                        for f, v in zip(convert, map(row.__getitem__, cols), strict=True)
                    ]
                )
                if len(batch) == BATCH:
                    self.cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
                    if n % (20 * BATCH) == 0:
                        self.conn.commit()
            self.cur.executemany(sql, batch)
            n += len(batch)
        else:
            with self.cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
                for row in rows:
                    cp.write_row(
                        [
                            v if v is None or f is None else f(v)
                            for f, v in zip(convert, map(row.__getitem__, cols), strict=True)
                        ]
                    )
                    n += 1
            seq = f"pg_get_serial_sequence('\"{table.name}\"', 'id')"
            self.cur.execute(f'SELECT setval({seq}, (SELECT max(id) FROM "{table.name}"))')
        for _, ddl in indexes:
            self.cur.execute(ddl)
        self.conn.commit()
        return n

    def converter(self, col: Any) -> Any:
        """What turns a value into what the driver takes: SQLite, the column's own bind
        processor; PostgreSQL, JSON text (COPY takes the rest as they are). JSON is kept by
        the object's identity (the object with it, so the id stays its own): the mention
        rows share their lists and dicts."""
        if self.sqlite:
            f = col.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        else:
            f = (
                (lambda v: json.dumps(v, ensure_ascii=False))
                if isinstance(col.type, JSON)
                else None
            )
        if f is None or not isinstance(col.type, JSON):
            return f
        memo: dict[int, tuple[Any, Any]] = {}

        def once(v: Any) -> Any:
            hit = memo.get(id(v))
            if hit is None:
                hit = memo[id(v)] = (v, f(v))
            return hit[1]

        return once

    def indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE INDEX ...) of the table's indexes that back no constraint."""
        if self.sqlite:
            q = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            return [(n, ddl) for n, ddl in self.cur.execute(q, (table,)) if ddl]
        self.cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            (table, table),
        )
        return list(self.cur.fetchall())

    def mark(self, marker: str) -> None:
        self.cur.execute(f"CREATE TABLE {MARKER_TABLE} (marker TEXT NOT NULL)")
        self.cur.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES ({'?' if self.sqlite else '%s'})", (marker,)
        )
        if not self.sqlite:  # as autovacuum would, long before a month's data is in
            self.conn.commit()
            self.cur.execute("ANALYZE")


def marker(db: Database) -> str | None:
    """The marker of a finished seed in this database, if it has one and the schema is HEAD."""
    try:
        if current_revisions(db) != {HEAD}:
            return None
        with db.engine.connect() as c:
            return c.execute(text(f"SELECT marker FROM {MARKER_TABLE}")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not seeded (or not finished)
        return None


def seed(db: Database, app: AppConfig, scale: Scale, say: Any = print) -> dict[str, int]:
    """Migrate the (empty) database, generate and load every row; returns rows per table."""
    upgrade(db)
    with db.session() as s:
        cases.sync_departments(s, app.settings)
        departments = list(s.scalars(select(Department.id).order_by(Department.id)))
    t = time.perf_counter()
    gen = Generator(app, departments, scale)
    plan = gen.generate()
    say(f"  generated in {time.perf_counter() - t:.1f} s; loading")
    counts: dict[str, int] = {}
    load = Loader(db)
    try:
        for name, model in TABLES.items():
            t = time.perf_counter()
            rows = gen.mention_rows() if name == "mentions" else plan.rows[name]
            counts[name] = load.table(model.__table__, rows, rebuild=name == "mentions")
            if name == "mentions":
                took = time.perf_counter() - t
                say(f"  {counts[name]:,} mentions loaded, indexes rebuilt, in {took:.1f} s")
        load.mark(scale.marker)
    finally:
        load.close()
    db.dispose()
    return counts
