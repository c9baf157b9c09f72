"""News portals: a list page, then each linked article matching `news.article_links`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from monitor.pipeline.datetimes import extract_date_text
from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, count_cjk, element_text, select_text, tidy

_SITE = re.compile(r"(?:来源|来自|稿源)\s*[:：]\s*([^\s|｜/<>()（）]{2,30})")
_AUTHOR = re.compile(r"(?:作者|记者)\s*[:：]\s*(?:记者\s*)?([^\s|｜/<>()（）]{2,20})")
_COMMENTS = re.compile(r"(?:评论|跟帖|留言)\s*[（(:：]?\s*(\d+)|(\d+)\s*(?:条评论|人参与|条跟帖)")
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s-\s).*$")
# Fewer Chinese characters than this in the best paragraph block: not an article body.
_MIN_BODY = 20


class NewsSpider(SourceSpider):
    kind = "news"
    description = "新闻网站：从列表页进入文章页，提取标题、正文、来源和发布时间（支持 GBK 编码）"

    async def start(self) -> AsyncIterator[Any]:
        yield self.request_changed(self.source.url, self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.problem(f"列表页不是网页（{response.url}）")
            return
        if self.blocked(response):
            return
        pattern = re.compile(self.source.news.article_links)
        seen: set[str] = set()
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if url not in seen and pattern.search(url):
                seen.add(url)
                request = self.request_new(
                    url, self.parse_article, cb_kwargs={"list_url": response.url}
                )
                if request is not None:  # None: stored already (incremental)
                    yield request
        if not seen:
            self.problem(
                f"列表页上没有与 article_links（{self.source.news.article_links}）"
                f"匹配的文章链接（{response.url}）"
            )

    def parse_article(self, response: Response, list_url: str) -> Iterator[MentionItem]:
        if not isinstance(response, TextResponse):
            self.problem(f"文章页不是网页（{response.url}）")
            return
        if self.blocked(response):
            return
        fields = extract_article(response, self.source.news)
        if fields is None:
            self.problem(f"文章页中没有找到标题和正文（{response.url}）")
            return
        yield self.item(
            response, **fields, extra={"list_url": list_url, "encoding": response.encoding}
        )


def extract_article(response: TextResponse, opts: Any = None) -> dict[str, Any] | None:
    """Title, text, author, site, publish-time text and comment count of an article page;
    None when it has neither title nor text. `opts` (NewsOptions) may name CSS selectors.
    Also what `yuqing extract` prints, so a user sees what the spider would get."""
    root = response.selector.root
    page_text = element_text(root)
    title_css, body_css, published_css, comments_css = (
        (opts.title, opts.body, opts.published, opts.comments) if opts else (None,) * 4
    )
    title = select_text(response, title_css) if title_css else _title(response)
    body = select_text(response, body_css) if body_css else main_text(root)
    if not title and not body:
        return None
    published_raw = (
        select_text(response, published_css) if published_css else None
    ) or extract_date_text(page_text)
    site = _SITE.search(page_text)
    author = _AUTHOR.search(page_text)
    comments_text = select_text(response, comments_css) if comments_css else page_text
    return {
        "title": title or "",
        "text": body or "",
        "author": author.group(1) if author else None,
        "site": site.group(1) if site else None,
        "published_raw": published_raw,
        "comments": comment_count(comments_text or ""),
    }


def comment_count(text: str) -> int | None:
    """The comment count a page shows ("评论(12)", "1234人参与", "跟帖 56"), else None."""
    m = _COMMENTS.search(text)
    return int(m.group(1) or m.group(2)) if m else None


def _title(response: TextResponse) -> str | None:
    for h1 in response.css("h1"):
        text = element_text(h1.root)
        if text:
            return text.replace("\n", " ")
    title = tidy(" ".join(response.css("title::text").getall()))
    return _TITLE_SUFFIX.sub("", title) or None


def main_text(root: Any) -> str:
    """The article body without a selector: the element whose <p> children hold the most
    Chinese text; failing that, the block with the most Chinese text of its own."""
    scores: dict[Any, int] = defaultdict(int)
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None:
            scores[parent] += count_cjk(p.text_content())
    if scores:
        best = max(scores, key=lambda el: scores[el])
        if scores[best] >= _MIN_BODY:
            return element_text(best)
    blocks = list(root.iter("div", "td", "article", "section"))
    if not blocks:
        return element_text(root)
    best = max(blocks, key=_own_cjk)
    return element_text(best) if _own_cjk(best) >= _MIN_BODY else element_text(root)


def _own_cjk(el: Any) -> int:
    """Chinese characters directly in `el` (its text and its children's tails, plus inline
    children such as <br>, <span>, <font>), not in nested blocks or links."""
    total = count_cjk(el.text or "")
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("span", "font", "strong", "b", "em", "i", "u"):
            total += count_cjk(child.text_content())
        total += count_cjk(child.tail or "")
    return total
