"""The `yuqing` command group, the context it passes to commands, and the entry point."""

from __future__ import annotations

import sys

import click

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    envvar="YUQING_CONFIG",
    type=click.Path(file_okay=False),
    help="配置目录（默认：项目的 config/；也可用环境变量 YUQING_CONFIG）。",
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
