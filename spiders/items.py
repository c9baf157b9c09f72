"""MentionItem: the one contract between a spider and the ingest pipeline."""

import scrapy


class MentionItem(scrapy.Item):
    # where it came from
    source = scrapy.Field()  # str: the source's `name` in config/sources.yaml
    kind = scrapy.Field()  # str: feed | news | weibo | board
    url = scrapy.Field()  # str: the item's own URL as linked (before canonicalisation)
    final_url = scrapy.Field()  # str: the URL whose bytes are in `raw` (after redirects)
    fetched_at = scrapy.Field()  # datetime, aware UTC: when `raw` was fetched
    raw = scrapy.Field()  # bytes: the response body as fetched (evidence, 存证)
    # what it says
    title = scrapy.Field()  # str
    text = scrapy.Field()  # str: plain text of the body; normalise cleans whitespace
    author = scrapy.Field()  # str | None: author / account name
    site = scrapy.Field()  # str | None: the outlet shown on the page (来源：…), else None
    published = scrapy.Field()  # datetime aware | None: when the spider parsed it itself
    published_raw = scrapy.Field()  # str | None: the date text as shown; normalise parses it
    # propagation (传播)
    reposts = scrapy.Field()  # int | None
    comments = scrapy.Field()  # int | None
    likes = scrapy.Field()  # int | None
    reposted_from = scrapy.Field()  # str | None: URL of the original this reposts
    # comments (评论, 跟帖) read with it: None when none were read; else a list of
    # {"id": str (the site's), "author": str | None (as shown), "published_raw": str | None,
    #  "text": str (plain), "likes": int | None}, in the site's order. When reading them
    # failed part-way, extra["comments_error"] says what failed (the list holds what was read).
    hot_comments = scrapy.Field()
    # message boards
    reply_status = scrapy.Field()  # str | None: 已回复 / 未回复 as shown
    reply_text = scrapy.Field()  # str | None: the official reply, when shown
    extra = scrapy.Field()  # dict: anything else worth keeping (JSON-serialisable)
