"""Run sources' spiders in one Scrapy CrawlerProcess and report, per source, what happened.

`python -m spiders.run --config config SOURCE...` prints the items as JSON lines (debugging).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from twisted.python.failure import Failure

from monitor.clock import utcnow
from monitor.config.loader import AppConfig, load_config
from monitor.errors import NotFound, YuqingError
from monitor.resources import folder
from spiders.distributed import crawler_settings, expire, run_slot
from spiders.items import MentionItem
from spiders.kinds import SPIDERS
from spiders.pipelines import SINK_SETTING
from spiders.settings import build_settings
from spiders.state import CrawlMemory

ItemSink = Callable[[MentionItem], None]


@dataclass
class SourceReport:
    """What one source's crawl did: items handed on, pages fetched, problems in Chinese."""

    source: str
    kind: str
    items: int = 0
    pages: int = 0
    errors: list[str] = field(default_factory=list)
    finish_reason: str | None = None  # Scrapy's close reason; "finished" when it ran out

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


_started = False


def crawl(
    app_config: AppConfig,
    source_names: Iterable[str],
    item_sink: ItemSink,
    memories: Mapping[str, CrawlMemory] | None = None,
    keywords: list[str] | None = None,
) -> dict[str, SourceReport]:
    """Crawl the named sources concurrently, calling `item_sink(item)` for every MentionItem.

    Blocks until all spiders finish. Twisted's reactor cannot be restarted, so this can be
    called at most ONCE per process: run each round of crawling in a fresh subprocess.
    `memories[name]` (incremental crawling) tells a source's spider what to skip and
    collects the validators it sees. `keywords` replaces the Weibo sources' keywords
    (emergency monitoring).
    Every named source gets a report; a source that fails (HTTP error, timeout, pages
    without the expected content) has its problems in `errors`, never silently nothing.
    """
    global _started
    if _started:
        raise RuntimeError(
            "crawl() 在同一进程中只能调用一次（Twisted 反应器无法重启）；请在新的子进程中再次抓取。"
        )
    configured = app_config.settings.sources
    sources = []
    for name in source_names:
        source = configured.get(name)
        if source is None:
            known = "、".join(s.name for s in configured.sources) or "无"
            raise NotFound(f"来源 {name!r} 未在 sources.yaml 中定义（已定义：{known}）")
        sources.append(source)
    if not sources:
        return {}

    _started = True
    # Logging is the caller's (monitor.logs): Scrapy must not add a root handler, and the
    # logger levels it resets in configure_logging() are put back as the caller had them.
    settings = build_settings(app_config.settings.service.crawl)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    levels = {n: logging.getLogger(n).level for n in ("scrapy", "twisted", "filelock", "hpack")}
    process = CrawlerProcess(settings)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    reports: dict[str, SourceReport] = {}
    redis_url = app_config.environ.get(app_config.settings.service.crawl.redis_url_env)
    slots: dict[str, int] = {}
    for source in sources:
        report = reports[source.name] = SourceReport(source.name, source.kind)
        crawler = process.create_crawler(SPIDERS[source.kind])
        if redis_url:
            slot = slots[source.name] = run_slot(utcnow(), source.interval, app_config.environ)
            crawler.settings.setdict(
                crawler_settings(redis_url, source.name, slot), priority="cmdline"
            )
        # Set on the crawler's own settings copy: process-level settings are deep-copied,
        # which would copy the sink's bound object too.
        crawler.settings.set(SINK_SETTING, item_sink, priority="cmdline")
        _watch(crawler, report)
        kwargs: dict[str, Any] = {"source": source}
        if memories and source.name in memories:
            kwargs["memory"] = memories[source.name]
        if source.kind == "weibo":
            kwargs["comment_defaults"] = app_config.settings.service.crawl.weibo_comments
            if keywords:
                kwargs["keywords"] = keywords
        cookie_env = getattr(source, "cookie_env", None)
        if cookie_env and cookie_env in app_config.secrets:
            kwargs["cookie"] = app_config.secrets[cookie_env].get()
        process.crawl(crawler, **kwargs).addErrback(_not_started, report)
    process.start(install_signal_handlers=threading.current_thread() is threading.main_thread())
    for source in sources:
        if redis_url and source.name in slots:
            expire(redis_url, source.name, slots[source.name], source.interval)
    return reports


def _not_started(failure: Failure, report: SourceReport) -> None:
    report.errors.append(f"抓取未能启动：{type(failure.value).__name__}: {failure.value}")


def _watch(crawler: Crawler, report: SourceReport) -> None:
    """Count pages and items and collect errors for one source through Scrapy's signals."""

    def response_received(response: Any, request: Any, spider: Any) -> None:
        if not request.meta.get("dont_obey_robotstxt"):  # robots.txt itself is not a page
            report.pages += 1

    def item_scraped(item: Any, response: Any, spider: Any) -> None:
        report.items += 1

    def item_error(item: Any, response: Any, spider: Any, failure: Failure) -> None:
        where = f"（{response.url}）" if response is not None else ""
        spider.errors.append(f"条目未能交给处理流程：{failure.value}{where}")

    def spider_error(failure: Failure, response: Any, spider: Any) -> None:
        exc = failure.value
        spider.errors.append(f"解析页面时出错：{type(exc).__name__}: {exc}（{response.url}）")

    def spider_closed(spider: Any, reason: str) -> None:
        report.finish_reason = reason
        report.errors[:0] = spider.errors
        if reason != "finished":
            report.errors.append(f"抓取未正常结束（{reason}）")

    for handler, signal in (
        (response_received, signals.response_received),
        (item_scraped, signals.item_scraped),
        (item_error, signals.item_error),
        (spider_error, signals.spider_error),
        (spider_closed, signals.spider_closed),
    ):
        crawler.signals.connect(handler, signal=signal, weak=False)


# ---- python -m spiders.run ------------------------------------------------------------


def item_json(item: MentionItem) -> str:
    """One item as a JSON line; `raw` is shown by its size, times in ISO 8601."""
    out: dict[str, Any] = {}
    for key, value in dict(item).items():
        if isinstance(value, bytes):
            out[f"{key}_bytes"] = len(value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return json.dumps(out, ensure_ascii=False, default=str)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spiders.run",
        description="抓取指定的来源，把抓到的条目逐行以 JSON 输出（调试用）。",
    )
    parser.add_argument(
        "--config", default=str(folder("config")), help="配置目录（默认：自带的默认配置）"
    )
    parser.add_argument("--reports", metavar="FILE", help="把各来源的抓取报告以 JSON 写入此文件")
    parser.add_argument("sources", nargs="*", help="来源名称；省略则抓取全部已启用的来源")
    args = parser.parse_args(argv)
    try:
        app_config = load_config(args.config)
        names = args.sources or [s.name for s in app_config.settings.sources.sources if s.enabled]
        reports = crawl(app_config, names, lambda item: print(item_json(item), flush=True))
    except YuqingError as e:
        print(e, file=sys.stderr)
        return 2
    for r in reports.values():
        print(f"来源 {r.source}（{r.kind}）：{r.items} 条，抓取 {r.pages} 页", file=sys.stderr)
        for message in r.errors:
            print(f"  错误：{message}", file=sys.stderr)
    if args.reports:
        with open(args.reports, "w", encoding="utf-8") as f:
            json.dump({k: r.as_dict() for k, r in reports.items()}, f, ensure_ascii=False, indent=1)
    return 0 if all(r.ok for r in reports.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
