"""sources.yaml: where mentions come from, one entry per source (kind feed, news, weibo, board)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.types import Duration, Grade, Strict

SOURCE_TIERS = ("central", "provincial", "local", "self_media", "government")


class SourceBase(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    tier: Literal["central", "provincial", "local", "self_media", "government"] = "local"
    interval: Duration = timedelta(minutes=10)
    url: str
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"应为 http:// 或 https:// 开头的网址，实际为 {v!r}")
        return v


class FeedOptions(Strict):
    # auto: fetch the linked article when an entry carries only a short summary
    full_text: Literal["auto", "always", "never"] = "auto"
    summary_chars: int = Field(140, ge=0)  # "short" for auto: fewer characters than this


class FeedSource(SourceBase):
    kind: Literal["feed"]
    feed: FeedOptions = FeedOptions()


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as e:
        raise ValueError(f"不是有效的正则表达式：{e}") from None
    return v


COMMENT_FIELDS = ("id", "author", "time", "text", "likes")


class NewsComments(Strict):
    """An article's comments (跟帖): where their count is shown, and where they are read,
    on the article page (CSS selectors, `item` and the fields inside it) or from the
    site's comment API (`api`, a URL template).

    Read when the article is first stored, and again on later crawls while its event is
    open and graded `min_grade` (III, 较大) or above, as WeiboComments' `min_grade`: the
    article page is fetched again (it need not be on the list page any more) and its
    comments read as the first time. At most `max_refresh` articles a crawl, the highest
    graded first, then those with the most comments, then the newest.
    """

    count: str | None = None  # CSS of the count shown; default: found in the page's text
    # on the page: each comment is an `item`; the others are read inside it
    item: str | None = None
    id: str | None = None  # default: a hash of the comment's text
    author: str | None = None
    time: str | None = None
    text: str | None = None  # default: the item's whole text
    likes: str | None = None
    # from an API answering JSON: {url} is the article's URL (quoted), {id} what the first
    # group of id_pattern finds in that URL, {page} the page number (from 1)
    api: str | None = None
    id_pattern: str | None = None
    items: str = "data"  # dotted path to the list of comments in the answer
    # dotted paths inside each comment of the answer
    fields: dict[Literal["id", "author", "time", "text", "likes"], str] = {  # type: ignore[assignment]
        "id": "id",
        "author": "author",
        "time": "time",
        "text": "text",
        "likes": "likes",
    }
    max: int = Field(100, ge=1, le=1000)
    max_pages: int = Field(5, ge=1, le=50)
    min_grade: Grade = "III"
    max_refresh: int = Field(20, ge=0, le=500)  # 0: never read again

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, v: object) -> object:
        # `comments: "span.count::text"` names the count alone (as before comments were read)
        return {"count": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _where(self) -> NewsComments:
        if self.item and self.api:
            raise ValueError("评论只能从页面（item）或接口（api）之一读取，不能两者都设")
        if self.api is not None:
            if not self.api.startswith(("http://", "https://")):
                raise ValueError(
                    f"api 应为 http:// 或 https:// 开头的网址模板，实际为 {self.api!r}"
                )
            if "{id}" in self.api and not self.id_pattern:
                raise ValueError("api 中含 {id} 时须设 id_pattern（从文章网址中取出编号的正则）")
            if "{url}" not in self.api and "{id}" not in self.api:
                raise ValueError("api 应含 {url} 或 {id}，否则每篇文章读到的都是同一组评论")
        if self.id_pattern is not None:
            _regex(self.id_pattern)
            if re.compile(self.id_pattern).groups < 1:
                raise ValueError("id_pattern 须含一个括号分组，即要取出的编号")
        return self

    @property
    def reads(self) -> bool:
        return bool(self.item or self.api)


class NewsOptions(Strict):
    article_links: str = Field(description="regex an article URL matches")
    title: str | None = None  # CSS selectors; None means the generic extractor
    body: str | None = None
    published: str | None = None
    comments: NewsComments | None = None

    @field_validator("article_links")
    @classmethod
    def _links(cls, v: str) -> str:
        return _regex(v)


class NewsSource(SourceBase):
    kind: Literal["news"]
    news: NewsOptions


class WeiboAccount(Strict):
    uid: str = Field(pattern=r"^[1-9][0-9]{4,15}$")  # the number in weibo.com/u/UID
    name: str | None = None  # for people reading the config; posts carry the screen name

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, v: object) -> object:
        # YAML reads an unquoted uid as a number: `- 6012345678` or `uid: 6012345678`
        if isinstance(v, int | str):
            return {"uid": str(v)}
        if isinstance(v, dict) and isinstance(v.get("uid"), int):
            return {**v, "uid": str(v["uid"])}
        return v


class WeiboComments(Strict):
    """The hot comments read under Weibo posts (m.weibo.cn comments/hotflow), at most `max`.

    A post seen for the first time is read when it has `min_count` comments or more (its
    grade is not known yet: it is scored after it is stored). A post stored before is read
    again, on each crawl that finds it, while its event is open and either it has
    `min_count` comments or its event is graded `min_grade` or above. Set for every Weibo
    source in service.yaml (`crawl.weibo_comments`) and per source (`comments:`), key by key.
    """

    enabled: bool = True
    min_count: int = Field(50, ge=0)
    min_grade: Grade = "III"
    max: int = Field(100, ge=1, le=1000)

    def over(self, defaults: WeiboComments) -> WeiboComments:
        """These options, each key not set here taken from `defaults`."""
        return defaults.model_copy(update={k: getattr(self, k) for k in self.model_fields_set})


def _template(v: str | None, *needed: str) -> str | None:
    if v is None:
        return v
    if not v.startswith(("http://", "https://")):
        raise ValueError(f"应为 http:// 或 https:// 开头的网址模板，实际为 {v!r}")
    missing = [n for n in needed if n not in v]
    if missing:
        raise ValueError(f"网址模板中须含 {'、'.join(missing)}，实际为 {v!r}")
    return v


class WeiboSource(SourceBase):
    kind: Literal["weibo"]
    # Keyword search (url holds {keyword}) or account timelines (url holds {uid}, e.g.
    # m.weibo.cn/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}).
    keywords: list[str] = []
    accounts: list[WeiboAccount] = []
    max_pages: int = Field(3, ge=1, le=50)
    cookie_env: str | None = None
    # Time windows: with {start} and {end} in the URL (e.g. timescope=custom:{start}:{end}),
    # the last `lookback` is searched in `window`-long pieces, and a piece still full at
    # max_pages is split in two, so a busy keyword is not capped at 50 pages.
    window: Duration | None = None
    lookback: Duration = timedelta(hours=24)
    # m.weibo.cn's other endpoints, as URL templates; each defaults to the site and path
    # prefix of `url` (for m.weibo.cn: https://m.weibo.cn/statuses/extend?id={id}, the
    # post's own https://m.weibo.cn/detail/{id}, and
    # https://m.weibo.cn/comments/hotflow?id={id}&mid={mid}&max_id_type=0).
    full_text_url: str | None = None  # a long post's (isLongText) full text
    detail_url: str | None = None  # the post's page: the full text when full_text_url fails
    comments_url: str | None = None  # its hot comments, paged by max_id
    comments: WeiboComments = WeiboComments()

    @field_validator("full_text_url", "detail_url")
    @classmethod
    def _by_id(cls, v: str | None) -> str | None:
        return _template(v, "{id}")

    @field_validator("comments_url")
    @classmethod
    def _comments_at(cls, v: str | None) -> str | None:
        return _template(v, "{id}")

    @model_validator(mode="after")
    def _window(self) -> WeiboSource:
        if bool(self.keywords) == bool(self.accounts):
            raise ValueError(
                "微博来源须给出 keywords（关键词搜索）或 accounts（账号主页）之一，不能都给或都不给"
            )
        if self.keywords and "{keyword}" not in self.url:
            raise ValueError("url 应为含 {keyword}（可选 {page}）的网址模板")
        if self.accounts and "{uid}" not in self.url:
            raise ValueError("设了 accounts 时，url 应为含 {uid} 的账号主页接口网址模板")
        if self.window is not None:
            if "{start}" not in self.url or "{end}" not in self.url:
                raise ValueError("设了 window 时，url 中须含 {start} 和 {end}")
            if self.window < timedelta(hours=1):
                raise ValueError("window 至少为 1h（微博按整小时筛选时间）")
        return self


class BoardOptions(Strict):
    item: str
    link: str
    detail_title: str
    detail_body: str
    detail_time: str | None = None
    detail_author: str | None = None
    detail_reply_status: str | None = None
    detail_reply: str | None = None
    detail_reply_count: str | None = None  # replies / posts count shown on the message
    next_page: str | None = None
    # Every post (楼) of a thread, on the detail page and the thread's own next pages:
    # `post` selects each post, the others are read inside it; a post that `post_official`
    # matches (the post itself or something in it) is the official reply (官方回复).
    post: str | None = None
    post_author: str | None = None
    post_time: str | None = None
    post_text: str | None = None  # default: the whole post's text
    post_official: str | None = None
    thread_next: str | None = None  # the thread's next-page link
    max_thread_pages: int = Field(20, ge=1, le=200)

    @model_validator(mode="after")
    def _posts(self) -> BoardOptions:
        named = [
            k
            for k in ("post_author", "post_time", "post_text", "post_official")
            if getattr(self, k)
        ]
        if named and not self.post:
            raise ValueError(f"设了 {'、'.join(named)} 时须同时设 post（每条帖子的选择器）")
        return self


class BoardSource(SourceBase):
    kind: Literal["board"]
    board: BoardOptions


Source = Annotated[FeedSource | NewsSource | WeiboSource | BoardSource, Field(discriminator="kind")]


class SourcesConfig(Strict):
    sources: list[Source] = []

    @model_validator(mode="after")
    def _unique(self) -> SourcesConfig:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"来源名称 {s.name!r} 重复；名称必须唯一")
            seen.add(s.name)
        return self

    def get(self, name: str) -> FeedSource | NewsSource | WeiboSource | BoardSource | None:
        return next((s for s in self.sources if s.name == name), None)
