"""channels.yaml: where alerts go (one entry per channel) and which alerts go where (routes)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from monitor.accounts.roles import ROLES, roles_help
from monitor.config.types import Duration, Grade, Strict

# Messages per minute each kind of receiver accepts (DingTalk and WeCom group robots:
# 20/min per robot; Slack: about 1/s per channel).
DEFAULT_RATE = {"console": 0, "slack": 60, "dingtalk": 20, "wecom": 20, "email": 30, "webhook": 120}
ALERT_KINDS = (
    "new_event",
    "grade_up",
    "deadline_breach",
    "deadline_reminder",
    "escalation",
    "source_health",
    "calendar_fallback",
    "digest",  # a finished report: 日报, 专报, 考核, 留言公开清单 (monitor/notify/outbox.py)
)


class ChannelBase(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # 0 = no limit; unset = the receiver's documented limit (DEFAULT_RATE)
    rate_per_minute: int | None = Field(None, ge=0)
    timeout: float = Field(10, gt=0, le=120)  # seconds for one send
    # optional: off (with one line at start-up) while a variable it names is unset, instead
    # of stopping start-up; its routes and escalation references are then left out
    optional: bool = False

    def variables(self) -> dict[str, str]:
        """The environment variables this channel names (its secrets), by key."""
        return {attr: v for attr in SECRET_FIELDS if (v := getattr(self, attr, None))}

    def rate(self) -> int:
        kind = getattr(self, "type")  # noqa: B009 - each subclass declares it
        return DEFAULT_RATE[kind] if self.rate_per_minute is None else self.rate_per_minute


class ConsoleChannel(ChannelBase):
    type: Literal["console"]


class SlackChannel(ChannelBase):
    type: Literal["slack"]
    token_env: str
    channel: str
    base_url: str = "https://slack.com/api/"
    # the Slack app's signing secret: set, escalation messages carry a 确认 button whose
    # clicks come to POST /slack/interactions (see monitor/web/slack_actions.py)
    signing_secret_env: str | None = None


class DingTalkChannel(ChannelBase):
    type: Literal["dingtalk"]
    webhook_env: str  # the robot's full webhook URL, with its access_token
    secret_env: str | None = None  # the robot's signing secret (加签), if it has one


class WeComChannel(ChannelBase):
    type: Literal["wecom"]
    webhook_env: str  # the group robot's full webhook URL, with its key


class EmailChannel(ChannelBase):
    type: Literal["email"]
    host: str
    port: int = Field(465, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username_env: str | None = None
    password_env: str | None = None
    sender: str
    to: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _login_pair(self) -> EmailChannel:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("username_env 与 password_env 须同时给出或同时省略")
        return self


class WebhookChannel(ChannelBase):
    type: Literal["webhook"]
    url_env: str


Channel = Annotated[
    ConsoleChannel | SlackChannel | DingTalkChannel | WeComChannel | EmailChannel | WebhookChannel,
    Field(discriminator="type"),
]
SECRET_FIELDS = (
    "token_env",
    "url_env",
    "webhook_env",
    "secret_env",
    "username_env",
    "password_env",
    "signing_secret_env",
)

# Who an escalation level is for, when its `who` is one of the usual names and it gives no
# `role`: the department handler, then the department's and the agency's leaders.
LEVEL_ROLES = {"责任处室": "handler", "分管领导": "leader", "主要负责人": "leader"}


def _known_roles(roles: list[str]) -> list[str]:
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"不认识的角色 {role!r}（可用：{roles_help()}）")
    return roles


_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Route(Strict):
    """Every route whose conditions all hold sends the alert to its channel."""

    channel: str
    min_grade: Grade = "IV"
    departments: list[str] = []  # lead department codes; empty = any
    topics: list[str] = []  # any of these topics; empty = any
    kinds: list[Literal[ALERT_KINDS]] = []  # type: ignore[valid-type]  # empty = any
    hours: str | None = None  # "08:30-17:30" Beijing time; None = around the clock
    roles: list[str] = []  # alerts meant for these roles (monitor/accounts/roles.py); empty = any

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return _known_roles(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str | None) -> str | None:
        if v is not None and not _HOURS.match(v):
            raise ValueError(f"应为 HH:MM-HH:MM 格式的时段（北京时间），实际为 {v!r}")
        return v


class EscalationLevel(Strict):
    who: str  # for people: 责任处室 / 分管领导 / 主要负责人
    role: str | None = None  # whom its alerts are for; default from `who` (LEVEL_ROLES)
    channels: list[str] = Field(min_length=1)
    after: Duration = timedelta(0)  # since escalation started, unacknowledged

    @field_validator("role")
    @classmethod
    def _known_role(cls, v: str | None) -> str | None:
        return v if v is None else _known_roles([v])[0]

    @model_validator(mode="after")
    def _role(self) -> EscalationLevel:
        if self.role is None:
            if self.who not in LEVEL_ROLES:
                raise ValueError(
                    f"无法从 who {self.who!r} 推断该级对应的角色，请用 role 指明"
                    f"（可用：{roles_help()}）"
                )
            object.__setattr__(self, "role", LEVEL_ROLES[self.who])  # frozen model
        return self


class EscalationPolicy(Strict):
    """Like PagerDuty levels: an unacknowledged escalation climbs; each level repeats."""

    min_grade: Grade = "II"  # events at or above start escalating at once
    on_breach: bool = True  # a breached clock starts (or restarts) escalation
    repeat_every: Duration = timedelta(minutes=15)
    levels: list[EscalationLevel] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        afters = [lv.after for lv in self.levels]
        if afters != sorted(afters) or afters[0] != timedelta(0):
            raise ValueError("levels 的 after 须从 0 开始递增，如 0m、30m、60m")
        return self


class ChannelsConfig(Strict):
    channels: list[Channel] = Field(min_length=1)
    routes: list[Route] = []
    escalation: EscalationPolicy | None = None

    @model_validator(mode="after")
    def _refs(self) -> ChannelsConfig:
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise ValueError("渠道名称（name）必须唯一")
        for r in self.routes:
            if r.channel not in names:
                raise ValueError(f"路由引用的渠道 {r.channel!r} 未定义")
        for lv in self.escalation.levels if self.escalation else []:
            for c in lv.channels:
                if c not in names:
                    raise ValueError(f"升级策略（{lv.who}）引用的渠道 {c!r} 未定义")
        return self

    def by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def without(self, names: set[str]) -> ChannelsConfig:
        """This config with the named channels, and every reference to them, left out."""
        esc = self.escalation
        if esc is not None:
            levels = [
                lv.model_copy(update={"channels": [c for c in lv.channels if c not in names]})
                for lv in esc.levels
            ]
            esc = esc.model_copy(update={"levels": levels})
        return self.model_copy(
            update={
                "channels": [c for c in self.channels if c.name not in names],
                "routes": [r for r in self.routes if r.channel not in names],
                "escalation": esc,
            }
        )
