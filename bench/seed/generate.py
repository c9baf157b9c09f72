"""Events and mentions generated from the fixed seed: a few giant events and a Pareto tail,
more mentions by day than by night; each event's case records from CaseRecords."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from typing import Any

from bench.seed.case_records import CaseRecords
from bench.seed.plan import (
    DAY,
    DIURNAL,
    HOUR,
    ISSUES,
    OPEN_STATES,
    PLACES,
    SEED,
    SOURCE_WEIGHTS,
    SOURCES,
    T0,
    T1,
    TABLES,
    TOPICS,
    WORDS,
    Plan,
    Scale,
    dt,
)
from monitor.config.loader import AppConfig


class Generator(CaseRecords):
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
