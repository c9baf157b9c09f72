"""The reports bench's data plan: its size, its fixed seed, the tables it fills and the
shapes of time, sources and workflow it draws from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.storage.alerts import Escalation
from monitor.storage.migrate import HEAD
from monitor.storage.models import Deadline, Event, Mention, Source, Transition
from monitor.storage.workflow import CaseAction, Commitment, DisposalObligation, Draft, Judgment

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
