"""Source health (采集健康): a pure judgment of one source's record at a time, and its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clock import as_utc
from monitor.config.models import CrawlConfig, Settings
from monitor.storage.models import Mention, Source

OK, FAILING, SILENT, NEVER = "正常", "异常", "沉默", "未运行"
SILENT_RUNS = 3  # successful runs without a single item before a source counts as silent


@dataclass(frozen=True)
class Health:
    source: str
    kind: str
    title: str
    status: str  # 正常 | 异常 | 沉默 | 未运行
    reason: str | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    runs: int
    failed_runs: int
    items_total: int
    items_24h: int
    last_item_at: datetime | None

    @property
    def error_rate(self) -> float:
        return self.failed_runs / self.runs if self.runs else 0.0


def judge(
    src: Source, items_24h: int, last_item_at: datetime | None, crawl: CrawlConfig, now: datetime
) -> Health:
    """Healthy = a recent success and new items within `silent_after` (Huginn's `working?`)."""
    status, reason = OK, None
    if not src.runs:
        status, reason = NEVER, "尚未采集过"
    elif src.last_success_at is None or now - src.last_success_at > crawl.unhealthy_after:
        since = (
            "从未成功"
            if src.last_success_at is None
            else f"已 {_span(now - src.last_success_at)} 未成功"
        )
        status = FAILING
        reason = f"{since}；最近的错误：{src.last_error or '无'}"
    elif src.last_error_at and src.last_error_at >= src.last_success_at:
        status, reason = FAILING, f"最近一次采集出错：{src.last_error}"
    elif last_item_at is not None and now - last_item_at > crawl.silent_after:
        status = SILENT
        reason = f"采集成功但已 {_span(now - last_item_at)} 没有新信息（页面结构可能已变化）"
    elif last_item_at is None and src.runs >= SILENT_RUNS:
        status, reason = SILENT, f"已成功采集 {src.runs} 次，但从未得到任何信息"
    return Health(
        src.name,
        src.kind,
        src.title,
        status,
        reason,
        src.last_success_at,
        src.last_error,
        src.last_error_at,
        src.runs,
        src.failed_runs,
        src.items_total,
        items_24h,
        last_item_at,
    )


def _span(d: timedelta) -> str:
    """'3 小时', '2 天 5 小时', '40 分钟': how officers say a duration."""
    minutes = int(d.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 2:
        return f"{days} 天" + (f" {hours} 小时" if hours else "")
    hours += days * 24
    if hours:
        return f"{hours} 小时" + (f" {mins} 分钟" if mins and hours < 6 else "")
    return f"{mins} 分钟"


def all_health(
    session: Session, crawl: CrawlConfig, now: datetime, names: list[str] | None = None
) -> list[Health]:
    """Every source row (or the named ones), judged at `now`, by name."""
    day_ago = now - timedelta(days=1)
    # one index seek per source on ix_mentions_source_fetched, not a scan of every mention
    recent = (
        select(func.count())
        .where(Mention.source_id == Source.id, Mention.fetched_at >= day_ago)
        .scalar_subquery()
    )
    last = select(func.max(Mention.fetched_at)).where(Mention.source_id == Source.id)
    query = select(Source, recent, last.scalar_subquery()).order_by(Source.name)
    if names is not None:
        query = query.where(Source.name.in_(names))
    return [judge(src, n or 0, _aware(at), crawl, now) for src, n, at in session.execute(query)]


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


ORDER = {FAILING: 0, SILENT: 1, NEVER: 2, OK: 3}


def source_rows(session: Session, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Every configured source and every source on record, problems first.

    What `yuqing sources` prints and the console's /sources page shows: configured sources
    that never ran appear as 未运行; within one state, the order of config/sources.yaml.
    """
    configured = {s.name: s for s in settings.sources.sources}
    health = {h.source: h for h in all_health(session, settings.service.crawl, now)}
    names = [*configured, *(n for n in health if n not in configured)]
    rows = []
    for name in names:
        h, cfg = health.get(name), configured.get(name)
        rows.append(
            {
                "name": name,
                "title": cfg.title if cfg else (h.title if h else name),
                "kind": cfg.kind if cfg else (h.kind if h else "manual"),
                "enabled": bool(cfg and cfg.enabled),
                "interval": str(cfg.interval) if cfg else None,
                "status": h.status if h else NEVER,
                "reason": h.reason if h else "尚未采集过",
                "last_success_at": h.last_success_at if h else None,
                "last_error": h.last_error if h else None,
                "last_error_at": h.last_error_at if h else None,
                "runs": h.runs if h else 0,
                "failed_runs": h.failed_runs if h else 0,
                "error_rate": round(h.error_rate, 3) if h else 0.0,
                "items_24h": h.items_24h if h else 0,
                "items_total": h.items_total if h else 0,
            }
        )
    return sorted(rows, key=lambda r: ORDER.get(r["status"], len(ORDER)))
