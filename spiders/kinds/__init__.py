"""The spider for each source kind, built from one source config: `SPIDERS[kind](source=…)`."""

from spiders.kinds.board import BoardSpider
from spiders.kinds.feed import FeedSpider
from spiders.kinds.news import NewsSpider
from spiders.kinds.weibo import WeiboSpider

SPIDERS = {
    "feed": FeedSpider,
    "news": NewsSpider,
    "weibo": WeiboSpider,
    "board": BoardSpider,
}

__all__ = ["SPIDERS", "BoardSpider", "FeedSpider", "NewsSpider", "WeiboSpider"]
