"""`--config DIR` after any command (`yuqing check-config --config DIR`), as before it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from monitor.cli import cli
from tests.helpers.configs import config_case, copy_config


def _yuqing(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in `cwd`, with no database or config chosen by this shell."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "YUQING_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base | env,
        timeout=300,
        check=False,
    )


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*path, name))
        if isinstance(cmd, click.Group):
            out += _leaves(cmd, (*path, name))
    return out


@pytest.mark.parametrize("path", _leaves(cli), ids=" ".join)
def test_every_command_offers_the_option_in_its_help(path: tuple[str, ...]) -> None:
    ctx = click.Context(cli, info_name="yuqing")
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
        ctx = click.Context(cmd, info_name=name, parent=ctx)
    assert "--config DIRECTORY" in cmd.get_help(ctx)


def test_check_config_takes_the_option_after_the_command(tmp_path: Path) -> None:
    config = copy_config(tmp_path)

    done = _yuqing(tmp_path, "check-config", "--config", str(config))

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"配置有效：{config}" in done.stdout


def test_the_folder_after_a_subcommand_is_the_one_read(tmp_path: Path) -> None:
    broken = config_case(tmp_path, "unknown_key")

    done = _yuqing(tmp_path, "case", "show", "1", "--config", str(broken))

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{broken / 'sources.yaml'} 中的 sources[0].intervall" in done.stderr


def test_the_commands_option_wins_over_the_environment(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    done = _yuqing(
        tmp_path, "check-config", "--config", str(config), YUQING_CONFIG=str(tmp_path / "nope")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"配置有效：{config}" in done.stdout


def test_the_environment_alone_still_chooses_the_folder(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    done = _yuqing(tmp_path, "check-config", YUQING_CONFIG=str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"配置有效：{config}" in done.stdout


def test_two_different_folders_typed_out_are_refused(tmp_path: Path) -> None:
    config = copy_config(tmp_path)

    done = _yuqing(tmp_path, "--config", str(config), "check-config", "--config", "other")

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"--config 给了两个不同的目录（{config} 和 other）：只写一处即可。" in done.stderr
    assert "配置有效" not in done.stdout


def test_the_same_folder_written_twice_is_one_folder(tmp_path: Path) -> None:
    copy_config(tmp_path)
    done = _yuqing(tmp_path, "--config", "config", "check-config", "--config", "./config/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "配置有效" in done.stdout


def test_a_missing_folder_after_the_command_is_a_clear_error(tmp_path: Path) -> None:
    done = _yuqing(tmp_path, "due", "--list", "--config", "nope")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"配置目录 {tmp_path / 'nope'} 不存在" in done.stderr
