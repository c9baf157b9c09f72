"""The `yuqing` command group, the context it passes to commands, and the entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from monitor.errors import YuqingError
from monitor.logs import setup_logging


class Obj:
    def __init__(self, config: str | None, typed: bool = False) -> None:
        self.config = config
        # the folder typed out on the command line so far (not YUQING_CONFIG's)
        self.typed = config if typed else None
        self._ctx = None

    @property
    def ctx(self):  # noqa: ANN201
        from monitor.service.context import Context

        if self._ctx is None:
            self._ctx = Context.load(self.config)
        return self._ctx

    def choose_config(self, config: str) -> None:
        """A `--config` given after a command (`yuqing check-config --config DIR`).

        It overrides YUQING_CONFIG, like any option typed out; two different folders typed
        out are refused rather than one of them silently ignored.
        """
        if self.typed is not None and Path(self.typed).resolve() != Path(config).resolve():
            raise click.UsageError(
                f"--config 给了两个不同的目录（{self.typed} 和 {config}）：只写一处即可。"
            )
        self.config = self.typed = config
        self._ctx = None


def _config_given(click_ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and not click_ctx.resilient_parsing:
        obj = click_ctx.find_object(Obj)
        if obj is not None:
            obj.choose_config(value)


# Every command reads the config, so every command takes `--config` after its name too;
# added here, once, as commands are registered (YuqingGroup.add_command).
CONFIG_HELP = "配置目录（同 yuqing --config DIR 命令；也可用环境变量 YUQING_CONFIG）。"


def _config_option() -> click.Option:
    return click.Option(
        ["--config", "config"],
        type=click.Path(file_okay=False),
        expose_value=False,
        is_eager=True,  # chosen before any other option's callback could read the config
        callback=_config_given,
        help=CONFIG_HELP,
    )


class YuqingGroup(click.Group):
    """A group whose commands (and sub-groups' commands) each take `--config DIR`."""

    group_class = type  # sub-groups made with @group.group() are YuqingGroups as well

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(p.name == "config" for p in cmd.params):
            cmd.params.append(_config_option())
        super().add_command(cmd, name)


@click.group(cls=YuqingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    envvar="YUQING_CONFIG",
    type=click.Path(file_okay=False),
    help="配置目录（默认：自带的默认配置；也可用环境变量 YUQING_CONFIG）。"
    "也可写在命令之后：yuqing check-config --config DIR。",
)
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志。")
@click.pass_context
def cli(click_ctx: click.Context, config: str | None, verbose: bool) -> None:
    """yuqing：政务舆情监测与回应服务。"""
    setup_logging(verbose)
    typed = click_ctx.get_parameter_source("config") is ParameterSource.COMMANDLINE
    click_ctx.obj = Obj(config, typed)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except YuqingError as e:
        click.echo(f"错误：{e}", err=True)
        sys.exit(2)
