"""Read config/*.yaml into one validated tree; turn every mistake into one readable paragraph."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.config.models import Settings
from monitor.config.types import Secret
from monitor.errors import ConfigError
from monitor.resources import is_installed_copy

# One file per top-level key of the tree; a missing optional file means "defaults".
FILES = ("service", "sources", "topics", "departments", "deadlines", "channels", "scoring")
REQUIRED = ("departments", "deadlines", "channels")

_MESSAGES = {
    "extra_forbidden": "不认识的键（拼写错误或放错了位置？）",
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "literal_error": "取值不在允许范围内",
    "union_tag_invalid": "类型（kind/type）不在允许范围内",
    "union_tag_not_found": "缺少类型字段（kind/type）",
    "too_short": "至少要有一项",
    "string_pattern_mismatch": "只能用小写字母、数字、- 和 _",
    "greater_than": "取值太小",
    "greater_than_equal": "取值太小",
    "less_than_equal": "取值太大",
}
_TAGS = {
    "feed",
    "news",
    "weibo",
    "board",
    "console",
    "slack",
    "webhook",
    "dingtalk",
    "wecom",
    "email",
}


@dataclass(frozen=True)
class AppConfig:
    """The validated settings plus where they came from and the secrets they name."""

    settings: Settings
    root: Path  # relative paths in the config (database, reports) are taken from here
    config_dir: Path
    secrets: Mapping[str, Secret] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    # optional channels left off because a variable they name is unset: one line each
    channels_off: tuple[str, ...] = ()

    def path(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def secret(self, env: str) -> Secret:
        return self.secrets[env]

    @property
    def database_url(self) -> str:
        db = self.settings.service.database
        url = self.environ.get(db.url_env)
        if url:
            return url
        return f"sqlite:///{self.path(db.sqlite_path)}"


def load_config(config_dir: Path | str, environ: Mapping[str, str] | None = None) -> AppConfig:
    config_dir = Path(config_dir).resolve()
    env = dict(os.environ if environ is None else environ)
    if not config_dir.is_dir():
        raise ConfigError(
            f"配置目录 {config_dir} 不存在。请用 --config 指向含 service.yaml 等文件的目录。"
        )
    raw: dict[str, Any] = {}
    for key in FILES:
        path = config_dir / f"{key}.yaml"
        if not path.exists():
            if key in REQUIRED:
                raise ConfigError(f"配置文件 {path} 不存在：这是必需的文件（{key}）。")
            continue
        raw[key] = _read_yaml(path)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_explain(e, config_dir)) from None
    settings, off = _optional_channels(settings, env, config_dir)
    secrets = _resolve_secrets(settings, env, config_dir)
    return AppConfig(settings, _root(config_dir), config_dir, secrets, env, off)


def _root(config_dir: Path) -> Path:
    """The folder above the config folder (the project root for the repository's config/).

    The installed package's own default config is package data, replaced on upgrade: what
    it names relative (the SQLite file, reports, a retrained model) goes under the working
    directory rather than into site-packages.
    """
    return Path.cwd() if is_installed_copy(config_dir) else config_dir.parent


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: the config models parse them, so an impossible
    date (2027-13-01) is reported with its file and key instead of failing inside PyYAML."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码：请以 UTF-8 保存。") from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"配置文件 {path} {where} 不是有效的 YAML：{problem}。") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"配置文件 {path} 的顶层应为映射（键: 值），实际为 {type(data).__name__}。"
        )
    return data


def _key_path(loc: tuple[Any, ...], raw_input: Any = None) -> str:
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in _TAGS:
            pass  # the discriminator pydantic inserts; the user never wrote it
        else:
            out += ("." if out else "") + str(part)
        prev = part
    return out or "(顶层)"


def _explain(error: ValidationError, config_dir: Path) -> str:
    lines = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        if not loc:
            lines.append(item["msg"].removeprefix("Value error, "))
            continue
        file = config_dir / f"{loc[0]}.yaml"
        key = _key_path(loc[1:])
        kind = item["type"]
        if kind == "value_error":
            what = item["msg"].removeprefix("Value error, ")
        else:
            what = _MESSAGES.get(kind, item["msg"])
            expected = (item.get("ctx") or {}).get("expected")
            if expected:
                what += f"（允许：{expected}）"
            if kind != "missing" and "input" in item and not isinstance(item["input"], dict | list):
                what += f"，实际为 {item['input']!r}"
        lines.append(f"{file} 中的 {key}：{what}")
    count = f"共 {len(lines)} 处错误：" if len(lines) > 1 else ""
    return "配置无效，服务未启动。" + count + "；".join(lines) + "。"


def _optional_channels(
    settings: Settings, env: Mapping[str, str], config_dir: Path
) -> tuple[Settings, tuple[str, ...]]:
    """Leave out the optional channels whose variables are unset, saying so for each."""
    off: dict[str, list[str]] = {}
    for ch in settings.channels.channels:
        unset = [v for v in ch.variables().values() if not env.get(v)]
        if ch.optional and unset:
            off[ch.name] = unset
    if not off:
        return settings, ()
    channels = settings.channels.without(set(off))
    if not channels.channels:
        raise ConfigError(
            f"配置无效，服务未启动：{config_dir / 'channels.yaml'} 中的渠道全部未启用"
            f"（未设置环境变量 {'、'.join(v for vs in off.values() for v in vs)}）："
            "请至少保留一个渠道（如 console）。"
        )
    for i, lv in enumerate(channels.escalation.levels if channels.escalation else []):
        if not lv.channels:
            raise ConfigError(
                f"配置无效，服务未启动：{config_dir / 'channels.yaml'} 中的 "
                f"escalation.levels[{i}]（{lv.who}）的渠道均未启用：请为该级加上一个总是启用的"
                "渠道（如 console），或设置这些渠道的环境变量。"
            )
    which = "、".join(f"{name}（{'、'.join(unset)}）" for name, unset in off.items())
    note = f"未启用的预警渠道：{which}：未设置这些环境变量，设置后重启即可启用。"
    return settings.model_copy(update={"channels": channels}), (note,)


def _resolve_secrets(
    settings: Settings, env: Mapping[str, str], config_dir: Path
) -> dict[str, Secret]:
    wanted: list[tuple[str, str, str]] = []  # (file, key path, variable)
    for i, ch in enumerate(settings.channels.channels):
        for attr, var in ch.variables().items():
            wanted.append(("channels", f"channels[{i}].{attr}", var))
    for i, src in enumerate(settings.sources.sources):
        var = getattr(src, "cookie_env", None)
        if var:
            wanted.append(("sources", f"sources[{i}].cookie_env", var))
    secrets: dict[str, Secret] = {}
    missing = []
    for file, key, var in wanted:
        value = env.get(var, "")
        if not value:
            missing.append(
                f"{config_dir / (file + '.yaml')} 中的 {key} 指定的环境变量 {var} 未设置或为空"
            )
        else:
            secrets[var] = Secret(value, var)
    if missing:
        raise ConfigError(
            "配置无效，服务未启动："
            + "；".join(missing)
            + "。请在启动前设置这些环境变量（密钥只从环境变量读取，不写入配置文件）。"
        )
    return secrets
