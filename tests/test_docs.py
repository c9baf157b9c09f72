"""The README documents every CLI command, config file, source kind and channel type."""

from __future__ import annotations

import typing

import pytest

from monitor.cli import cli
from monitor.config.channels import Channel
from monitor.config.loader import FILES
from monitor.config.sources import NewsComments, Source, WeiboComments, WeiboSource
from tests.helpers.configs import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix: str = "") -> list[str]:  # noqa: ANN001
    out = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out += _commands(cmd, f"{prefix}{name} ")
        else:
            out.append(f"{prefix}{name}")
    return out


@pytest.mark.parametrize("command", _commands(cli))
def test_cli_command_is_documented(command: str) -> None:
    assert f"yuqing {command}" in README


@pytest.mark.parametrize("name", FILES)
def test_config_file_is_documented(name: str) -> None:
    assert f"`{name}.yaml`" in README


def _literals(union) -> list[str]:  # noqa: ANN001
    members = typing.get_args(typing.get_args(union)[0])
    out = []
    for m in members:
        field = m.model_fields.get("kind") or m.model_fields.get("type")
        out += list(typing.get_args(field.annotation))
    return out


@pytest.mark.parametrize("kind", _literals(Source))
def test_source_kind_is_documented(kind: str) -> None:
    assert f"`{kind}`" in README


@pytest.mark.parametrize("kind", _literals(Channel))
def test_channel_type_is_documented(kind: str) -> None:
    assert f"`{kind}`" in README


def _keys(model) -> list[str]:  # noqa: ANN001
    return [k for k in model.model_fields if k not in ("name", "title", "tier", "kind", "url")]


@pytest.mark.parametrize(
    "key",
    [
        *_keys(WeiboSource),
        *(f"comments.{k}" for k in WeiboComments.model_fields),
        "crawl.weibo_comments",
    ],
)
def test_weibo_option_is_documented(key: str) -> None:
    assert f"`{key}`" in README or f"`{key.rsplit('.', 1)[-1]}`" in README


@pytest.mark.parametrize("key", [f"comments.{k}" for k in NewsComments.model_fields])
def test_news_comment_option_is_documented(key: str) -> None:
    assert f"`{key}`" in README or f"`{key.rsplit('.', 1)[-1]}`" in README
