"""The `yuqing` command group, the context it passes to commands, and the entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from monitor.errors import YuqingError
from monitor.logs import setup_logging


class Obj:
    def __init__(self, config: str | None) -> None:
        self.config = config
        self._ctx = None

    @property
    def ctx(self):  # noqa: ANN201
        from monitor.context import Context

        if self._ctx is None:
            self._ctx = Context.load(self.config)
        return self._ctx

    def choose_config(self, config: str, group_source: ParameterSource | None) -> None:
        """A command's own `--config` (`yuqing init --config DIR`): the group's, given later.

        It overrides YUQING_CONFIG, like any option typed out; two different folders typed
        out are refused rather than one of them silently ignored.
        """
        typed = group_source is ParameterSource.COMMANDLINE and self.config is not None
        if typed and Path(self.config).resolve() != Path(config).resolve():
            raise click.UsageError(
                f"--config 给了两个不同的目录（{self.config} 和 {config}）：只写一处即可。"
            )
        self.config = config
        self._ctx = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    envvar="YUQING_CONFIG",
    type=click.Path(file_okay=False),
    help="配置目录（默认：自带的默认配置；也可用环境变量 YUQING_CONFIG）。",
)
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志。")
@click.pass_context
def cli(click_ctx: click.Context, config: str | None, verbose: bool) -> None:
    """yuqing：政务舆情监测与回应服务。"""
    setup_logging(verbose)
    click_ctx.obj = Obj(config)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except YuqingError as e:
        click.echo(f"错误：{e}", err=True)
        sys.exit(2)
