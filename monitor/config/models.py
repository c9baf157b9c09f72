"""Pydantic models of the config tree: defaults, validation and cross-field rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.channels import ChannelsConfig
from monitor.config.sources import SOURCE_TIERS, SourcesConfig, WeiboComments
from monitor.config.types import Duration, Grade, Strict

# heat points per source tier: central media > provincial > local > self-media
TIER_POINTS = {"central": 30, "provincial": 20, "local": 10, "government": 10, "self_media": 0}
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
    autothrottle: bool = True  # adapt the delay to each site's latency (politeness)
    per_domain: int = Field(4, ge=1, le=64)  # requests in flight to one site at a time
    # source health: no successful crawl for this long -> 异常 and an alert; no new item
    # for `silent_after` -> 沉默 (a site that answers but has stopped yielding is reported)
    unhealthy_after: Duration = timedelta(hours=2)
    silent_after: Duration = timedelta(hours=48)
    evidence_days: int = Field(365, ge=1)  # raw copies (存证) kept this long, then dropped
    # distributed mode: when this variable holds a redis:// URL, crawler processes and
    # machines share one request queue and dupefilter there (scrapy-redis)
    redis_url_env: str = "REDIS_URL"
    # a big crawl is scored in a worker process as it stores (on a second core); `auto`:
    # except in distributed mode, where each crawler process is meant to take one core
    score_while_crawling: Literal["auto", "always", "never"] = "auto"
    # emergency monitoring (突发事件监测): while an event of at least this grade is open,
    # its distinctive terms are searched on the Weibo sources every `emergency_interval`
    emergency_interval: Duration = timedelta(minutes=10)
    emergency_min_grade: Grade = "II"
    # the hot comments read under Weibo posts, for every Weibo source (a source's own
    # `comments:` overrides these key by key): see WeiboComments in sources.py
    weibo_comments: WeiboComments = WeiboComments()


class IntervalConfig(Strict):
    interval: Duration = timedelta(seconds=5)


ReportFormat = Literal["html", "docx", "md", "pdf"]
HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class DigestConfig(Strict):
    """Reports (monitor/reports/): the daily digest's time and the monthly assessment's."""

    # the daily digest (舆情日报) is made at this Beijing time and covers the 24 h before it
    at: str = "08:00"
    output_dir: str = "var/reports"
    issuer: str = "舆情监测办公室"  # the issuing unit printed on every report (落款)
    # what the scheduled reports are written as; pdf needs Chromium or LibreOffice
    formats: list[ReportFormat] = ["html", "docx", "md"]
    # the monthly assessment (考核) of the month before, on this day of the month; 0: never
    assessment_day: int = Field(1, ge=0, le=28)
    assessment_at: str = "09:00"

    @field_validator("at", "assessment_at")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not HHMM.fullmatch(v):
            raise ValueError(f"应为 HH:MM 格式的时刻，实际为 {v!r}")
        return v

    @field_validator("formats")
    @classmethod
    def _some(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("至少要有一种格式（html、docx、md、pdf）")
        return list(dict.fromkeys(v))


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


# ---- sources.yaml: monitor/config/sources.py -----------------------------------------


# ---- topics.yaml ----------------------------------------------------------------------


class Topic(Strict):
    """A watched topic: a boolean `rule` (see monitor/scoring/rules.py) or keyword lists."""

    name: str
    rule: str | None = None  # e.g. "(青峰山|景区) & (乱收费|宰客) & !招聘"
    keywords: list[str] = []
    context: list[str] = []
    exclude: list[str] = []
    priority: Literal[1, 2, 3] = 1

    @model_validator(mode="after")
    def _rule(self) -> Topic:
        from monitor.scoring.rules import RuleSyntaxError, parse

        if self.rule is None and not self.keywords:
            raise ValueError(f"话题 {self.name!r} 须给出 rule 或 keywords")
        if self.rule is not None:
            if self.keywords or self.context or self.exclude:
                raise ValueError(f"话题 {self.name!r}：rule 与 keywords/context/exclude 只能二选一")
            try:
                parse(self.rule)
            except RuleSyntaxError as e:
                raise ValueError(f"话题 {self.name!r} 的规则 {self.rule!r} {e}") from None
        return self


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

    @field_validator("extra_holidays", "extra_workdays", mode="before")
    @classmethod
    def _dates(cls, v: object) -> object:
        from datetime import date

        if not isinstance(v, list):
            return v
        # YAML reads an unquoted 2027-01-01 as a date: accept it as the admin meant it.
        v = [x.isoformat() if isinstance(x, date) else x for x in v]
        for s in v:
            try:
                date.fromisoformat(str(s))
            except ValueError:
                raise ValueError(f"日期应为 YYYY-MM-DD 格式，实际为 {s!r}") from None
        return [str(s) for s in v]

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarConfig:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise ValueError(f"同一天不能既是节假日又是调休工作日：{'、'.join(both)}")
        return self


class RemindersConfig(Strict):
    """Reminder ladder on every clock (see workflow/reminders.py)."""

    at: list[float] = [0.5, 0.8]  # fractions of the time allowed
    before: Duration = timedelta(minutes=30)  # and this long before the due time
    overdue_every: Duration = timedelta(hours=1)  # then repeatedly while overdue

    @field_validator("at")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in v):
            raise ValueError(f"应为 0 与 1 之间的比例，如 [0.5, 0.8]，实际为 {v!r}")
        return v


class DeadlinesConfig(Strict):
    clocks: dict[str, ClockDef]
    rules: list[ClockRule] = []
    calendar: CalendarConfig = CalendarConfig()
    reminders: RemindersConfig = RemindersConfig()

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
    # linear: the shipped model, retrained on officers' labels by `yuqing sentiment train`
    model: Literal["linear", "snownlp"] = "linear"
    negative_at: float = Field(0.5, ge=0, le=1)
    trained_path: str = "var/models/sentiment-linear.json.gz"  # written by sentiment train


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
    # spikes: the last hour above mean + spike_sigma·σ of the trailing 24 h, at least
    # spike_min_count mentions; per event and per topic
    spike_points: float = 10
    spike_sigma: float = Field(3.0, gt=0)
    spike_min_count: int = Field(5, ge=1)
    pickup_heat: float = Field(10, ge=0)  # news/feed outlets pick up a board/Weibo story
    # the comments read under an event's posts (公众反应): when at least comment_min_count
    # are read and the negative share reaches comment_negative_share, the share times
    # comment_points is added, and shown (评论负面占比 72%（1,240 条评论）)
    comment_points: float = Field(15, ge=0)
    comment_min_count: int = Field(20, ge=1)
    comment_negative_share: float = Field(0.5, ge=0, le=1)
    # heat a source's tier (sources.yaml) adds to each of its mentions; tiers left out
    # keep these values
    tier_points: dict[Literal[SOURCE_TIERS], float] = dict(TIER_POINTS)  # type: ignore[valid-type]
    thresholds: dict[Literal["I", "II", "III"], float] = {"I": 90, "II": 65, "III": 40}
    floors: list[GradeFloor] = []

    @model_validator(mode="after")
    def _ordered(self) -> GradingConfig:
        t = self.thresholds
        if set(t) != {"I", "II", "III"} or not (t["I"] > t["II"] > t["III"]):
            raise ValueError("thresholds 须满足 I > II > III，例如 {I: 90, II: 65, III: 40}")
        return self

    @field_validator("tier_points", mode="before")
    @classmethod
    def _tiers(cls, v: object) -> object:
        if not isinstance(v, dict):
            return v  # the type check says what was expected
        for tier, points in v.items():
            if tier not in SOURCE_TIERS:
                raise ValueError(
                    f"不认识的来源级别 {tier!r}，应为 {'、'.join(SOURCE_TIERS)} 之一"
                    "（与 sources.yaml 中的 tier 相同）"
                )
            if isinstance(points, int | float) and points < 0:
                raise ValueError(
                    f"来源级别 {tier} 的热度分值应为不小于 0 的数字，实际为 {points!r}"
                )
        return {**TIER_POINTS, **v}


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
