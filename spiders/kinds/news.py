"""News portals: a list page, then each linked article matching `news.article_links`."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from monitor.pipeline.datetimes import date_texts, extract_date_text, labelled_date_text
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
    description = (
        "新闻网站：从列表页进入文章页，提取标题、正文、来源和发布时间（支持 GBK 编码），"
        "配置了评论时读取跟帖，事件未办结且等级较高的文章再次读取跟帖"
    )

    async def start(self) -> AsyncIterator[Any]:
        yield self.request_changed(self.source.url, self.parse)
        for request in self.refresh_requests():  # open events' articles, for their comments
            yield request

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

    def parse_article(
        self, response: Response, list_url: str | None = None
    ) -> Iterator[MentionItem]:
        """An article, from the list page (`list_url`) or, stored before, read again for
        its comments (news_comments.py)."""
        if not isinstance(response, TextResponse):
            self.problem(f"文章页不是网页（{response.url}）")
            return
        if self.blocked(response):
            return
        fields = extract_article(response, self.source.news)
        if fields is None:
            self.problem(f"文章页中没有找到标题和正文（{response.url}）")
            return
        extra = {"list_url": list_url} if list_url else {}
        item = self.item(response, **fields, extra={**extra, "encoding": response.encoding})
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
    block = None if body_css else main_block(root)
    if body_css:
        body = select_text(response, body_css)
    else:
        body = clean_text(block) if block is not None else element_text(root)
    if not title and not body:
        return None
    published_raw = (
        (select_text(response, published_css) if published_css else None)
        or meta_published(response)
        or labelled_date_text(page_text)
        or (near_date_text(block) if block is not None else None)
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
    """The article body without a selector (`main_block`, cleaned); the page's whole text
    when no block holds an article."""
    block = main_block(root)
    return clean_text(block) if block is not None else element_text(root)


def main_block(root: Any) -> Any | None:
    """The block whose paragraphs hold the most Chinese text (a paragraph counts fully for
    its parent and half for its grandparent, so a body split over sibling <div>s is kept
    whole), weighted down by its link text (navigation, related-article lists); of several
    posts' blocks (a forum thread, a blog page), the first; failing paragraphs, the block
    with the most Chinese text of its own. None when no block holds enough."""
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
            return first_post(root, best)
    blocks = list(root.iter("div", "td", "article", "section"))
    if not blocks:
        return None
    best = max(blocks, key=_own_cjk)
    return first_post(root, best) if _own_cjk(best) >= _MIN_BODY else None


# An earlier post's block with less than this share of the chosen one's text is a teaser
# or a box in the same template, not the topic post.
_MIN_FIRST_POST = 0.2


def first_post(root: Any, best: Any) -> Any:
    """The first of the blocks that repeat `best` (same tag and class, on a path of the same
    tags and classes): on a forum thread or a blog page of several posts that is the topic
    post (楼主), the one the page is about and dated by, however long the replies are.
    `best` itself when it does not repeat or the earlier ones hold little text."""
    if not best.get("class"):
        return best
    shape = _shape(best)
    need = max(_MIN_BODY, _MIN_FIRST_POST * _prose(best))
    for el in root.iter(best.tag):
        if el is best:
            break
        if el.get("class") == best.get("class") and _shape(el) == shape and _prose(el) >= need:
            return el
    return best


def _shape(el: Any) -> list[tuple[str, str]]:
    return [(a.tag, a.get("class") or "") for a in el.iterancestors()]


def _prose(el: Any) -> float:
    """Chinese characters in `el` outside links."""
    return count_cjk(el.text_content()) * (1 - link_density(el))


# How far from the body a date still belongs to it (characters of text, spaces collapsed).
_NEAR = 200
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})


def near_date_text(block: Any) -> str | None:
    """The date nearest an article's body block: the last one in the text just before it
    (the date line under a title, a post's header), else one in the short heading lines the
    block may open with (title, byline, date line). Dates in its prose are the story's, not
    its publish time. None when none is near."""
    before = _visible(block.xpath("preceding::text()"))
    found = date_texts(before[-_NEAR:])
    if found:
        return found[-1]
    heading: list[str] = []
    for line in element_text(block).splitlines():
        if len(line) > _MAX_BOILERPLATE_LINE:
            break
        heading.append(line)
    found = date_texts("\n".join(heading)[:_NEAR])
    return found[0] if found else None


def _visible(texts: list[Any]) -> str:
    """Text nodes joined with runs of space collapsed, less script and style contents."""
    kept = (
        t for t in texts if t.is_tail or t.getparent() is None or t.getparent().tag not in _NOT_TEXT
    )
    return " ".join(" ".join(kept).split())


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
# The heading of readers' comments under a post (a blog's "《标题》已有3条评论", a portal's
# 网友评论): the text stops there once the body has begun; comments are read separately.
_COMMENTS_HEAD = re.compile(
    r"^[\s【\[]*(?:网友评论|评论列表|全部评论|最新评论|热门评论|读者评论)[\s】\]]*$"
    r"|(?:已有|共)\s*\d+\s*(?:条|件|篇)(?:评论|回复)\S{0,4}$"
)
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
        if (
            len(line) <= _MAX_BOILERPLATE_LINE
            and _COMMENTS_HEAD.search(line)
            and count_cjk("".join(kept)) >= _MIN_BODY
        ):
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
