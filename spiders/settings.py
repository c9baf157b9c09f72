"""Scrapy settings: the fixed wiring here; `build_settings` adds the limits from service.yaml."""

from __future__ import annotations

from scrapy.settings import Settings, default_settings

from monitor.config.models import CrawlConfig

BOT_NAME = "yuqing"
LOG_LEVEL = "INFO"
# Both open a local port that runs code inside the crawl; a monitoring service needs neither.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Both off, so not even imported: left out of Scrapy's base list (a None in EXTENSIONS
# would still import them; RemoteControl pulls in aiohttp, ~0.1 s at start-up).
EXTENSIONS_BASE = {
    path: order
    for path, order in default_settings.EXTENSIONS_BASE.items()
    if path.rsplit(".", 1)[1] not in ("TelnetConsole", "RemoteControl")
}
# Items (and requests) one callback yields are handed on by this many asyncio tasks per
# response; Scrapy's default, 100, starts 100 tasks for every page even when the page
# yields one item. Our only item pipeline is synchronous, so more gain nothing.
CONCURRENT_ITEMS = 8
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Overridden from service.yaml `crawl:` by build_settings(); these are the defaults.
USER_AGENT = "yuqing-monitor/0.1"
ROBOTSTXT_OBEY = True
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10_000_000
DOWNLOAD_WARNSIZE = 5_000_000

# Polite by default: adapt the delay to the site's latency, a few requests at a time.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# One retry for timeouts and 5xx; a source that keeps failing is reported, then polled
# again at its next interval.
RETRY_ENABLED = True
RETRY_TIMES = 1
COOKIES_ENABLED = True

# Retries back off: Scrapy retries at once, so the delay between tries comes from
# AutoThrottle, which widens it while a site answers slowly or with errors.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# The request that fails after its retries goes to the spider's errback, which reports it
# in Chinese with the source's other errors; Scrapy's own ERROR line would say it twice.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
# 120: after decompression (590) on the way back, so it sees the real bytes.
# 650: before RedirectMiddleware (600) sees the response, to catch a loop it would follow.
# 540: exceptions go the other way, so below RetryMiddleware (550): after robots.txt's retries.
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.CharsetFixMiddleware": 120,
    "spiders.middlewares.RobotsTxtUnreachableMiddleware": 540,
    "spiders.middlewares.RedirectLoopMiddleware": 650,
}

# Items leave Scrapy here; the callable is put into YUQING_ITEM_SINK by spiders.run.crawl.
ITEM_PIPELINES = {"spiders.pipelines.SinkPipeline": 900}


def build_settings(crawl: CrawlConfig) -> Settings:
    """This module's settings with the crawl limits from service.yaml applied."""
    settings = Settings()
    settings.setmodule(__name__, priority="project")
    settings.setdict(
        {
            "USER_AGENT": crawl.user_agent,
            "ROBOTSTXT_OBEY": crawl.obey_robots,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout.total_seconds(),
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
            "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain,
            "CONCURRENT_REQUESTS": max(16, crawl.per_domain),
        },
        priority="project",
    )
    return settings
