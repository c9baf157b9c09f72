"""Pydantic models of the config tree: defaults, validation and cross-field rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.channels import ChannelsConfig
from monitor.config.types import Duration, Grade, Strict

SOURCE_TIERS = ("central", "provincial", "local", "self_media", "government")
CATEGORIES = (
    "decision",
    "vital_interest",
    "image",
    "emergency",
    "morality",
    "false_info",
    "policy_misread",
)




# ---- service.yaml ---------------------------------------------------------------------


class DatabaseConfig(Strict):
    url_env: str = "DATABASE_URL"
    sqlite_path: str = "var/yuqing.db"


class WebConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"


class SampleSiteConfig(Strict):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)


class CrawlConfig(Strict):
    user_agent: str = "yuqing-monitor/0.1"
    obey_robots: bool = True
    download_timeout: Duration = timedelta(seconds=20)
    max_page_bytes: int = Field(10_000_000, gt=0)
    concurrent_crawls: int = Field(2, ge=1, le=16)


class IntervalConfig(Strict):
    interval: Duration = timedelta(seconds=5)


class DigestConfig(Strict):
    at: str = "08:00"
    output_dir: str = "var/digests"

    @field_validator("at")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError(f"应为 HH:MM 格式的时刻，实际为 {v!r}")
        return v


class EventsConfig(Strict):
    window: Duration = timedelta(hours=72)
    min_shared_terms: int = Field(2, ge=1)
    # words too common to tell matters apart (the city's own name, ...)
    common_terms: list[str] = []


class ServiceConfig(Strict):
    database: DatabaseConfig = DatabaseConfig()
    web: WebConfig = WebConfig()
    sample_site: SampleSiteConfig = SampleSiteConfig()
    crawl: CrawlConfig = CrawlConfig()
    analysis: IntervalConfig = IntervalConfig()
    dispatch: IntervalConfig = IntervalConfig()
    digest: DigestConfig = DigestConfig()
    events: EventsConfig = EventsConfig()


# ---- sources.yaml ---------------------------------------------------------------------


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


class FeedSource(SourceBase):
    kind: Literal["feed"]


class NewsOptions(Strict):
    article_links: str = Field(description="regex an article URL matches")
    title: str | None = None  # CSS selectors; None means the generic extractor
    body: str | None = None
    published: str | None = None

    @field_validator("article_links")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"不是有效的正则表达式：{e}") from None
        return v


class NewsSource(SourceBase):
    kind: Literal["news"]
    news: NewsOptions


class WeiboSource(SourceBase):
    kind: Literal["weibo"]
    keywords: list[str] = Field(min_length=1)
    max_pages: int = Field(3, ge=1, le=50)
    cookie_env: str | None = None

    @field_validator("url")
    @classmethod
    def _template(cls, v: str) -> str:
        if "{keyword}" not in v:
            raise ValueError("应为含 {keyword}（可选 {page}）的网址模板")
        return v


class BoardOptions(Strict):
    item: str
    link: str
    detail_title: str
    detail_body: str
    detail_time: str | None = None
    detail_author: str | None = None
    detail_reply_status: str | None = None
    detail_reply: str | None = None
    next_page: str | None = None


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


# ---- topics.yaml ----------------------------------------------------------------------


class Topic(Strict):
    name: str
    keywords: list[str] = Field(min_length=1)
    context: list[str] = []
    exclude: list[str] = []
    priority: Literal[1, 2, 3] = 1


class TopicsConfig(Strict):
    topics: list[Topic] = []


# ---- departments.yaml -----------------------------------------------------------------


class Ownership(Strict):
    topics: list[str] = []
    keywords: list[str] = []
    categories: list[Literal[CATEGORIES]] = []  # type: ignore[valid-type]
    regions: list[str] = []


class Department(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    level: Literal["province", "city", "district"] = "city"
    parent: str | None = None
    leader: str | None = None
    owns: Ownership = Ownership()


class DepartmentsConfig(Strict):
    office: str
    principal_leader: str
    departments: list[Department] = Field(min_length=1)

    @model_validator(mode="after")
    def _office_exists(self) -> DepartmentsConfig:
        codes = [d.code for d in self.departments]
        if len(set(codes)) != len(codes):
            raise ValueError("部门代码（code）必须唯一")
        if self.office not in codes:
            raise ValueError(
                f"office 指定的 {self.office!r} 不在 departments 之中（现有：{codes}）"
            )
        for d in self.departments:
            if d.parent and d.parent not in codes:
                raise ValueError(f"部门 {d.code!r} 的上级 {d.parent!r} 未定义")
        return self

    def by_code(self, code: str) -> Department:
        return next(d for d in self.departments if d.code == code)


# ---- deadlines.yaml -------------------------------------------------------------------


class ClockDef(Strict):
    title: str
    hours: float | None = Field(None, gt=0)
    working_days: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_unit(self) -> ClockDef:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("hours 与 working_days 须且只须给出一个")
        return self


class ClockRule(Strict):
    name: str
    clocks: list[str] = Field(min_length=1)
    min_grade: Grade | None = None
    categories: list[Literal[CATEGORIES]] = []  # type: ignore[valid-type]
    # the event holds at least one mention of these kinds
    source_kinds: list[Literal["feed", "news", "weibo", "board", "manual"]] = []
    negative_only: bool = False  # only events whose mentions are mostly negative
    unless: list[str] = []


class CalendarConfig(Strict):
    extra_holidays: list[str] = []
    extra_workdays: list[str] = []

    @field_validator("extra_holidays", "extra_workdays")
    @classmethod
    def _dates(cls, v: list[str]) -> list[str]:
        from datetime import date

        for s in v:
            try:
                date.fromisoformat(str(s))
            except ValueError:
                raise ValueError(f"日期应为 YYYY-MM-DD 格式，实际为 {s!r}") from None
        return [str(s) for s in v]


class DeadlinesConfig(Strict):
    clocks: dict[str, ClockDef]
    rules: list[ClockRule] = []
    calendar: CalendarConfig = CalendarConfig()

    @model_validator(mode="after")
    def _refs(self) -> DeadlinesConfig:
        names = {r.name for r in self.rules}
        for r in self.rules:
            for c in r.clocks:
                if c not in self.clocks:
                    raise ValueError(f"规则 {r.name!r} 引用的时限 {c!r} 未在 clocks 中定义")
            for u in r.unless:
                if u not in names:
                    raise ValueError(f"规则 {r.name!r} 的 unless 引用了不存在的规则 {u!r}")
        return self


# ---- channels.yaml: monitor/config/channels.py ----------------------------------------


# ---- scoring.yaml ---------------------------------------------------------------------


class SentimentConfig(Strict):
    model: Literal["snownlp"] = "snownlp"
    negative_at: float = Field(0.6, ge=0, le=1)


class GradeFloor(Strict):
    """A rule that lifts an event to at least `grade`, whatever its points."""

    name: str
    grade: Grade
    categories: list[Literal[CATEGORIES]] = []  # type: ignore[valid-type]
    min_heat: float = 0


class GradingConfig(Strict):
    negative_points: float = 30
    category_points: dict[Literal[CATEGORIES], float] = {}  # type: ignore[valid-type]
    priority_points: dict[int, float] = {1: 0, 2: 8, 3: 15}
    heat_points_max: float = 25
    thresholds: dict[Literal["I", "II", "III"], float] = {"I": 90, "II": 65, "III": 40}
    floors: list[GradeFloor] = []

    @model_validator(mode="after")
    def _ordered(self) -> GradingConfig:
        t = self.thresholds
        if set(t) != {"I", "II", "III"} or not (t["I"] > t["II"] > t["III"]):
            raise ValueError("thresholds 须满足 I > II > III，例如 {I: 90, II: 65, III: 40}")
        return self


class ScoringConfig(Strict):
    sentiment: SentimentConfig = SentimentConfig()
    categories: dict[Literal[CATEGORIES], list[str]] = {}  # type: ignore[valid-type]
    grading: GradingConfig = GradingConfig()


# ---- the tree -------------------------------------------------------------------------


class Settings(Strict):
    """The whole configuration; each field is one file under config/ (service.yaml, ...)."""

    service: ServiceConfig = ServiceConfig()
    sources: SourcesConfig = SourcesConfig()
    topics: TopicsConfig = TopicsConfig()
    departments: DepartmentsConfig
    deadlines: DeadlinesConfig
    channels: ChannelsConfig
    scoring: ScoringConfig = ScoringConfig()

    @model_validator(mode="after")
    def _cross_refs(self) -> Settings:
        topic_names = {t.name for t in self.topics.topics}
        for d in self.departments.departments:
            for t in d.owns.topics:
                if t not in topic_names:
                    raise ValueError(
                        f"departments.yaml 中部门 {d.code!r} 负责的话题 {t!r} "
                        f"未在 topics.yaml 中定义"
                    )
        codes = {d.code for d in self.departments.departments}
        for r in self.channels.routes:
            for c in r.departments:
                if c not in codes:
                    raise ValueError(f"channels.yaml 中路由引用的部门 {c!r} 未定义")
        return self
