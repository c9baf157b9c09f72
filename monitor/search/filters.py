"""A search's parameters as the console form and GET /api/search give them, checked.

Dates are Beijing dates (the day a user means); they become UTC bounds on when a mention
appeared (published, else fetched). Every refusal is a Chinese sentence for a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from monitor.clock import BEIJING
from monitor.reports.common import KIND_NAMES
from monitor.search.query import Query, QueryError, parse

SENTIMENTS = {"negative": "负面", "non_negative": "非负面", "unscored": "未分析"}
ORDERS = {"newest": "最新采集在前", "relevance": "相关度"}
PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 20, 100, 500
PARAMS = (
    "q",
    "source",
    "kind",
    "sentiment",
    "topic",
    "since",
    "until",
    "order",
    "page",
    "per_page",
)


@dataclass(frozen=True)
class Filters:
    query: Query
    source: str | None = None  # a source's name (sources.name)
    kind: str | None = None
    sentiment: str | None = None
    topic: str | None = None
    since: date | None = None  # Beijing dates, both included
    until: date | None = None
    order: str = "newest"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC of the Beijing days asked for."""
        start = datetime.combine(self.since, time(), BEIJING) if self.since else None
        end = (
            datetime.combine(self.until + timedelta(days=1), time(), BEIJING)
            if self.until
            else None
        )
        return start, end


def _date(params: Mapping[str, str], key: str, label: str) -> date | None:
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"{label}“{raw}”无效：请按 YYYY-MM-DD 填写，如 2026-11-20。") from None


def _int(params: Mapping[str, str], key: str, label: str, default: int, top: int) -> int:
    raw = (params.get(key) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise QueryError(f"{label}“{raw}”无效：应为 1 到 {top} 之间的整数。")
    return int(raw)


def _choice(
    params: Mapping[str, str], key: str, label: str, names: Mapping[str, str]
) -> str | None:
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    if raw not in names:
        allowed = "、".join(f"{k}（{v}）" for k, v in names.items())
        raise QueryError(f"{label}“{raw}”无效；可选：{allowed}。")
    return raw


def from_params(params: Mapping[str, str]) -> Filters:
    """The checked filters; raises QueryError (a Chinese message) for a bad parameter."""
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise QueryError(f"不认识的参数：{'、'.join(unknown)}；可用：{'、'.join(PARAMS)}。")
    since = _date(params, "since", "起始日期")
    until = _date(params, "until", "截止日期")
    if since and until and since > until:
        raise QueryError("起始日期晚于截止日期。")
    return Filters(
        query=parse(params.get("q") or ""),
        source=(params.get("source") or "").strip() or None,
        kind=_choice(params, "kind", "来源类型", KIND_NAMES),
        sentiment=_choice(params, "sentiment", "情感", SENTIMENTS),
        topic=(params.get("topic") or "").strip() or None,
        since=since,
        until=until,
        order=_choice(params, "order", "排序", ORDERS) or "newest",
        page=_int(params, "page", "页码", 1, MAX_PAGE),
        per_page=_int(params, "per_page", "每页条数", PER_PAGE, MAX_PER_PAGE),
    )
