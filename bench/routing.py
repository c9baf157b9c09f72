"""Routing throughput and, on real citizen messages, agreement with the replying department.

- messages routed per second by `yuqing route --csv`'s router on the starter city config
  (config/examples/city): rules alone, with the agency's record (IDF over the messages),
  and with 200 officers' re-assignments to compare each message with;
- agreement: ../shared/data/gov_messages/ holds a city's board messages with the official
  replies; where a reply names exactly one of the config's departments (住建局, 人社局, …),
  that is the official department, and the bench reports how often routing picks it, next
  to a flat word list (most keywords matched, title and body alike, no weights).

Input: those messages when present (measuring only, nothing copied), else synthetic
messages built from the config's own words (said so below). Bounded: about ten seconds.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.cases.explain import Router  # noqa: E402
from monitor.config import load_config  # noqa: E402
from workflow.route_memory import MIN_HISTORY, Reassignment, RoutingMemory  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "gov_messages"
CITY = ROOT / "config" / "examples" / "city"
# how a reply names each department of the city config (full name, short name, its centre)
NAMED = {
    "hrss": r"人力资源和社会保障|人力资源社会保障|人社局|人社部门",
    "housing": r"住房和城乡建设|住房城乡建设|住建局|住建委|住建部门|房屋交易管理中心|房产局",
    "education": r"教育局|教育部门|教育体育局",
    "health": r"卫生健康委|卫健委|卫生健康局|卫生和计划生育|卫计委|卫生局",
    "transport": r"交通运输局|交通局|运管处|交通运输部门",
    "commerce": r"商务局|旅游局|文旅局|文化旅游|文化和旅游",
    "environment": r"生态环境局|环保局|环境保护局|生态环境分局|生态环境部门",
    "emergency": r"应急管理局|安监局|安全生产监督",
    "public-security": r"公安局|派出所|公安分局|交警",
}
Message = tuple[str, str, str | None]  # title, body, official department (if the reply names one)


def official(reply: str) -> str | None:
    found = {code for code, pattern in NAMED.items() if re.search(pattern, reply)}
    return found.pop() if len(found) == 1 else None


def messages(router: Router) -> list[Message]:
    files = []
    out: list[Message] = []
    for f in sorted(DATA.glob("*.csv")) if DATA.exists() else []:
        with f.open(encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if "留言主题" in r and "留言详情" in r]
        files += [f] if rows else []
        out += [(r["留言主题"], r["留言详情"], official(r.get("答复意见") or "")) for r in rows]
    if out:
        named = sum(1 for *_, o in out if o)
        print(f"input: {len(out)} board messages from {', '.join(f.name for f in files)}")
        print(f"       {named} of them answered by a reply naming one department of the config")
        return out
    print(f"input: {DATA} is absent; using 2,000 synthetic messages (no agreement figure)")
    rng = random.Random(0)
    words = [k for r in router.rules for k in r.keywords]
    filler = ["希望尽快解决", "多次反映无果", "请领导重视", "影响居民生活", "谢谢"]
    return [
        (rng.choice(words) + "问题", "，".join(rng.choices(words + filler, k=6)) + "。", None)
        for _ in range(2000)
    ]


def rate(router: Router, items: list[Message], seconds: float) -> float:
    """Messages routed per second: best of three rounds, each at least `seconds` long."""
    best = 0.0
    for _ in range(3):
        n, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds or n == 0:
            for title, body, _ in items:
                router.route(body, title, kind="board")
            n += len(items)
        best = max(best, n / elapsed)
    return best


def flat(router: Router, title: str, body: str) -> str:
    """The flat word list: the department with most keywords found, at least two."""
    text = f"{title}\n{body}"
    counts = [(sum(k in text for k in r.keywords), -i, r.code) for i, r in enumerate(router.rules)]
    n, _, code = max(counts)
    return code if n >= 2 else router.settings.departments.office


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per timing round")
    args = parser.parse_args()
    settings = load_config(CITY, environ={}).settings
    router = Router(settings)
    items = messages(router)
    history = RoutingMemory([f"{t}\n{b}" for t, b, _ in items])
    if history.n < MIN_HISTORY:
        print(f"       (fewer than {MIN_HISTORY} messages: the IDF leaves every word at 1)")
    rng = random.Random(1)
    codes = [d.code for d in settings.departments.departments]
    moved = [
        Reassignment(f"{t}\n{b}", rng.choice(codes), None, i)
        for i, (t, b, _) in enumerate(rng.sample(items, min(200, len(items))))
    ]
    for label, memory in (
        ("rules alone", None),
        (f"with IDF over {history.n} messages", history),
        (f"and {len(moved)} re-assignments", RoutingMemory(history.texts, moved)),
    ):
        r = rate(Router(settings, memory), items, args.seconds)
        print(f"routing, {label}: {r:,.0f} messages/s ({len(items):,} messages)")

    judged = [(t, b, o) for t, b, o in items if o]
    if not judged:
        return
    for label, memory in (("rules alone", None), ("with IDF", history)):
        r = Router(settings, memory)
        hits = sum(r.route(b, t, kind="board")[0].lead == o for t, b, o in judged)
        office = sum(r.route(b, t, kind="board")[0].lead == "office" for t, b, _ in judged)
        print(
            f"agreement with the replying department, {label}: {hits}/{len(judged)} "
            f"({hits / len(judged):.0%}); sent to the office: {office}"
        )
    hits = sum(flat(router, t, b) == o for t, b, o in judged)
    office = sum(flat(router, t, b) == "office" for t, b, _ in judged)
    print(
        f"agreement, flat word list (most keywords, no weights): {hits}/{len(judged)} "
        f"({hits / len(judged):.0%}); sent to the office: {office}"
    )


if __name__ == "__main__":
    main()
