"""Item pipelines: SinkPipeline hands each MentionItem to the caller of spiders.run.crawl."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from spiders.items import MentionItem

SINK_SETTING = "YUQING_ITEM_SINK"


class SinkPipeline:
    """Calls the `item_sink(item)` found in the YUQING_ITEM_SINK setting, once per item.

    The sink runs in the crawl's event-loop thread, so it should be quick (store, queue);
    an exception it raises fails that item (Scrapy's item_error) and is reported.
    Without the setting the pipeline stays off (NotConfigured).
    """

    def __init__(self, sink: Callable[[MentionItem], None]) -> None:
        self.sink = sink

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SinkPipeline:
        sink = crawler.settings.get(SINK_SETTING)
        if sink is None:
            raise NotConfigured(f"{SINK_SETTING} 未设置")
        return cls(sink)

    def process_item(self, item: Any) -> Any:
        self.sink(item)
        return item
