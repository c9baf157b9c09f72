"""How an event spread: the propagation path (首发 → 转载/转发 → 媒体跟进) and the hourly
trend of its mentions with their negative share. The 舆情专报 and the console's case page
draw the same figures from these."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from monitor.clock import as_utc, beijing
from monitor.pipeline.group import publisher
from monitor.reports.document import Chart, Flow, FlowStep, Series, Table
from monitor.storage.models import Event, Mention

MEDIA = ("news", "feed")
STAGES = ("首发", "转载/转发", "媒体跟进")


def when(m: Mention) -> datetime:
    """When a mention appeared: its publish time, else when it was fetched."""
    return as_utc(m.published_at or m.fetched_at)


def stage_of(m: Mention, first: Mention, origin_kind: str) -> str:
    """Which step of 首发 → 转载/转发 → 媒体跟进 a mention belongs to."""
    if m.id == first.id:
        return STAGES[0]
    if m.kind in MEDIA and origin_kind not in MEDIA:
        return STAGES[2]
    return STAGES[1]


def propagation(ev: Event, ms: list[Mention]) -> tuple[Flow, Table]:
    """首发 → 转载/转发 → 媒体跟进 for an event's mentions, oldest first."""
    first = ms[0]
    firsts: dict[str, Mention] = {}
    counts: Counter[str] = Counter()
    for m in ms:
        st = stage_of(m, first, ev.origin_kind)
        counts[st] += 1
        firsts.setdefault(st, m)
    steps = [
        FlowStep(
            st,
            publisher(firsts[st]),
            beijing(when(firsts[st])).strftime("%m-%d %H:%M"),
            counts[st],
        )
        for st in STAGES
        if st in firsts
    ]
    flow = Flow(
        "传播路径",
        steps,
        alt=" → ".join(f"{s.stage}：{s.who}（{s.at}，{s.count} 条）" for s in steps),
    )
    table = Table(
        ["环节", "首条发布者", "首条时间", "信息量"],
        [[s.stage, s.who, s.at, str(s.count)] for s in steps],
    )
    return flow, table


def hourly_trend(ms: list[Mention], negative_at: float) -> Chart:
    """Mentions and the negative share per hour, from the first to the last mention (at most
    the last 72 hours of it, so a long event stays readable)."""
    hours: Counter[datetime] = Counter()
    negative: Counter[datetime] = Counter()
    for m in ms:
        h = beijing(when(m)).replace(minute=0, second=0, microsecond=0)
        hours[h] += 1
        negative[h] += 1 if (m.negative or 0) >= negative_at else 0
    last = max(hours)
    first = max(min(hours), last - timedelta(hours=71))
    slots, t = [], first
    while t <= last:
        slots.append(t)
        t = t + timedelta(hours=1)
    labels = [t.strftime("%d日%H时") for t in slots]
    return Chart(
        "信息量与负面占比走势（每小时）",
        labels,
        [
            Series("信息量（条）", [float(hours[t]) for t in slots], "bar", "left", "条"),
            Series(
                "负面占比",
                [round(negative[t] * 100 / hours[t], 1) if hours[t] else None for t in slots],
                "line",
                "right",
                "%",
            ),
        ],
        label_every=max(1, len(slots) // 8),
        alt="；".join(
            f"{lb} {hours[t]} 条" for lb, t in zip(labels, slots, strict=True) if hours[t]
        ),
    )
