"""News portals: a list page, then each linked article matching `news.article_links`."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from monitor.pipeline.datetimes import extract_date_text
from spiders.items import MentionItem
from spiders.kinds.base import SourceSpider, count_cjk, element_text, select_text, tidy
from spiders.kinds.news_comments import NewsCommentsMixin

_SITE = re.compile(r"(?:来源|来自|稿源)\s*[:：]\s*([^\s|｜/<>()（）]{2,30})")
_AUTHOR = re.compile(r"(?:作者|记者)\s*[:：]\s*(?:记者\s*)?([^\s|｜/<>()（）]{2,20})")
_COMMENTS = re.compile(r"(?:评论|跟帖|留言)\s*[（(:：]?\s*(\d+)|(\d+)\s*(?:条评论|人参与|条跟帖)")
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s-\s).*$")
# Fewer Chinese characters than this in the best paragraph block: not an article body.
_MIN_BODY = 20


class NewsSpider(NewsCommentsMixin, SourceSpider):
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
        item = self.item(
            response, **fields, extra={"list_url": list_url, "encoding": response.encoding}
        )
        yield from self.with_comments(response, item)


def extract_article(response: TextResponse, opts: Any = None) -> dict[str, Any] | None:
    """Title, text, author, site, publish-time text and comment count of an article page;
    None when it has neither title nor text. `opts` (NewsOptions) may name CSS selectors.
    Also what `yuqing extract` prints, so a user sees what the spider would get."""
    root = response.selector.root
    page_text = element_text(root)
    title_css, body_css, published_css, comments_css = (
        (opts.title, opts.body, opts.published, opts.comments.count if opts.comments else None)
        if opts
        else (None,) * 4
    )
    title = select_text(response, title_css) if title_css else _title(response)
    body = select_text(response, body_css) if body_css else main_text(root)
    if not title and not body:
        return None
    published_raw = (
        (select_text(response, published_css) if published_css else None)
        or meta_published(response)
        or extract_date_text(page_text)
    )
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


# Where pages state their publish time for machines: Open Graph / article meta, Chinese CMS
# meta names (PubDate, publishdate), schema.org itemprop, <time datetime pubdate>.
_META_PUBLISHED = (
    "//meta[@property='article:published_time' or @name='article:published_time'"
    " or @itemprop='datePublished' or @property='og:release_date'"
    " or translate(@name, 'PUBDATEISHM_', 'pubdateishm_')"
    " = 'pubdate' or translate(@name, 'PUBDATEISHM_', 'pubdateishm_') = 'publishdate'"
    " or translate(@name, 'PUBDATEISHM_', 'pubdateishm_') = 'publish_date'"
    "]/@content | //time[@pubdate]/@datetime"
)


def meta_published(response: TextResponse) -> str | None:
    """The publish time a page states in its metadata, if it names a date."""
    for value in response.xpath(_META_PUBLISHED).getall():
        found = extract_date_text(value)
        if found:
            return value.strip()
    return None


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
    """The article body without a selector: the block whose paragraphs hold the most
    Chinese text (a paragraph counts fully for its parent and half for its grandparent, so a
    body split over sibling <div>s is kept whole), less link-heavy blocks (navigation,
    related-article lists) and boilerplate lines (editor, copyright, share bar, 上一篇 …);
    failing that, the block with the most Chinese text of its own."""
    scores: dict[Any, float] = defaultdict(float)
    for p in root.iter("p"):
        cjk = count_cjk(p.text_content())
        parent = p.getparent()
        if parent is None or not cjk:
            continue
        scores[parent] += cjk
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] += cjk / 2
    for el in scores:
        scores[el] *= 1 - link_density(el)
    if scores:
        best = max(scores, key=lambda el: scores[el])
        if scores[best] >= _MIN_BODY:
            return clean_text(best)
    blocks = list(root.iter("div", "td", "article", "section"))
    if not blocks:
        return element_text(root)
    best = max(blocks, key=_own_cjk)
    return clean_text(best) if _own_cjk(best) >= _MIN_BODY else element_text(root)


# A block whose text is mostly link text is navigation or a list of other articles.
_MAX_LINK_DENSITY = 0.5
_LINKED_BLOCKS = ("div", "ul", "ol", "table", "tr", "td", "dl", "p", "section", "nav", "aside")
# Lines that portals and government sites put around a body: editor and source lines,
# copyright, share bars, print/close buttons, previous/next links, related lists.
_BOILERPLATE = re.compile(
    r"^[\s【\[(（]*(?:"
    r"(?:(?:责任)?编辑|责编|审核|校对|来源|稿源|作者|记者|摄影)\s*[:：]|"
    r"版权所有|copyright|©|分享到|分享至|分享$|"
    r"相关阅读|相关新闻|相关链接|相关文章|相关报道|延伸阅读|热点推荐|推荐阅读|"
    r"上一篇|下一篇|上一页|下一页|打印本页|打印$|关闭窗口|关闭$|返回顶部|返回页首|返回首页|"
    r"【?字号|字体[:：]?\s*[大中小]|扫一扫|微信扫|收藏本页|我要纠错|网站地图|联系我们|"
    r"主办单位|承办单位|ICP|京ICP|备案号|技术支持"
    r")",
    re.IGNORECASE,
)
# Lines after which a portal page shows only other articles.
_TAIL = re.compile(r"^[\s【\[]*(?:相关阅读|相关新闻|相关链接|相关文章|相关报道|延伸阅读|推荐阅读)")
# Boilerplate lines longer than this many characters are kept: a sentence, not a label.
_MAX_BOILERPLATE_LINE = 40


def link_density(el: Any) -> float:
    """Share of an element's text that is inside links."""
    total = len("".join(el.text_content().split()))
    if not total:
        return 0.0
    linked = sum(len("".join(a.text_content().split())) for a in el.iter("a"))
    return min(linked / total, 1.0)


def clean_text(el: Any) -> str:
    """`element_text` of a body block without its link-heavy sub-blocks and boilerplate
    lines; the text stops at a "related articles" heading."""
    body = copy.deepcopy(el)
    for child in list(body.iter(*_LINKED_BLOCKS)):
        if child is body or child.getparent() is None:
            continue
        if link_density(child) > _MAX_LINK_DENSITY and count_cjk(child.text_content()) < 200:
            child.drop_tree()
    kept: list[str] = []
    for line in element_text(body).splitlines():
        if _TAIL.match(line) and kept:
            break
        if len(line) <= _MAX_BOILERPLATE_LINE and _BOILERPLATE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept) or element_text(el)


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
