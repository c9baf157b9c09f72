"""Report commands: digest (舆情日报), report (舆情专报), assess (考核), messages (留言公开清单).

Each builds the report, keeps it (the console's 报告 page lists it), writes one file per
format to service.yaml `digest.output_dir` and prints the paths it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click
from sqlalchemy.orm import Session

from monitor.cli.app import Obj, cli
from monitor.clock import beijing, utcnow
from monitor.errors import YuqingError
from monitor.reports.document import Document
from monitor.reports.store import Made

FORMAT_CHOICES = ("html", "docx", "md", "pdf", "all")
FORMAT_HELP = (
    "输出格式，可重复：html、docx（Word）、md（Markdown）、pdf、all"
    "（默认：service.yaml 中 digest.formats）。"
)


def _formats(obj: Obj, given: tuple[str, ...]) -> list[str]:
    if not given:
        return list(obj.ctx.settings.service.digest.formats)
    if "all" in given:
        return ["html", "docx", "md", "pdf"]
    return list(dict.fromkeys(given))


def _emit(made: Made) -> None:
    for path in made.paths:
        click.echo(str(path))
    for problem in made.problems:
        click.echo(f"注意：{problem}", err=True)
    if not made.paths:
        raise YuqingError("没有生成任何文件：" + "；".join(made.problems))


def _make(
    obj: Obj,
    build: Callable[[Session], Document],
    key: str,
    fmt: tuple[str, ...],
    deliver: bool,
    event_id: int | None = None,
) -> None:
    from monitor.reports.store import make
    from monitor.storage.migrate import require_migrated

    require_migrated(obj.ctx.db)
    formats = _formats(obj, fmt)
    made = make(
        obj.ctx.db,
        obj.ctx.app,
        build,
        key,
        formats,
        "cli",
        utcnow(),
        event_id=event_id,
        deliver=deliver,
    )
    _emit(made)
    if deliver:
        click.echo("已排队投递（服务运行时自动发送，或运行 `yuqing alerts send`）。")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"应为 YYYY-MM-DD，实际为 {value!r}", param_hint=option) from None


format_option = click.option(
    "--format", "-f", "fmt", multiple=True, type=click.Choice(FORMAT_CHOICES), help=FORMAT_HELP
)
deliver_option = click.option(
    "--deliver",
    is_flag=True,
    help="生成后通过预警渠道投递（channels.yaml 中 kinds 含 digest 的路由）。",
)


@cli.command()
@click.option(
    "--date",
    "day",
    help="日报日期 YYYY-MM-DD：统计该日 digest.at（默认 08:00）之前的 24 小时；默认为最近一期。",
)
@click.option(
    "--since", help="补发：从该日期起每一期尚未生成的日报都生成并投递（服务停机期间漏发的）。"
)
@format_option
@deliver_option
@click.pass_obj
def digest(
    obj: Obj, day: str | None, since: str | None, fmt: tuple[str, ...], deliver: bool
) -> None:
    """生成舆情日报（网页、Word、Markdown、PDF），输出文件路径。"""
    from monitor.reports.daily import build_daily
    from monitor.reports.schedule import digests_since, latest_digest_day
    from monitor.storage.migrate import require_migrated

    app, now = obj.ctx.app, utcnow()
    if since:
        if day or fmt:
            raise click.UsageError(
                "--since 不能与 --date、--format 同用（补发的日报按 digest.formats 生成）。"
            )
        require_migrated(obj.ctx.db)
        for d, made in digests_since(obj.ctx.db, app, _day(since, "--since"), now):
            if made is None:
                click.echo(f"{d.isoformat()}：已生成过，跳过")
            else:
                _emit(made)
        return
    d = _day(day, "--date") if day else latest_digest_day(app.settings.service.digest.at, now)
    # made by hand: kept apart from the scheduled one, which is still made and delivered
    _make(obj, lambda s: build_daily(s, app, d, now), f"daily:{d.isoformat()}:manual", fmt, deliver)


@cli.command()
@click.argument("event_id", type=int, metavar="EVENT")
@format_option
@deliver_option
@click.pass_obj
def report(obj: Obj, event_id: int, fmt: tuple[str, ...], deliver: bool) -> None:
    """生成一个事件的舆情专报，输出文件路径。"""
    from monitor.reports.special import build_special

    app, now = obj.ctx.app, utcnow()
    key = f"special:{event_id}:{beijing(now):%Y%m%dT%H%M%S}"
    _make(obj, lambda s: build_special(s, app, event_id, now), key, fmt, deliver, event_id)


def _period(value: str | None):  # noqa: ANN202
    from monitor.reports.periods import parse_period, previous_month

    return parse_period(value) if value else previous_month(utcnow())


period_option = click.option(
    "--period", help="期间：2026-11（月）、2026-Q4（季度）、2026（年）、2026-W48（周）；默认上月。"
)


@cli.command()
@period_option
@click.option("--department", help="只统计该部门（部门代码），即责任处室可见的本部门考核。")
@format_option
@deliver_option
@click.pass_obj
def assess(
    obj: Obj, period: str | None, department: str | None, fmt: tuple[str, ...], deliver: bool
) -> None:
    """生成一个期间各部门的舆情回应考核通报，输出文件路径。"""
    from monitor.reports.assessment import build_assessment

    app, now, p = obj.ctx.app, utcnow(), _period(period)
    key = f"assessment:{p.text}:manual" + (f":{department}" if department else "")
    _make(obj, lambda s: build_assessment(s, app, p, now, department), key, fmt, deliver)


@cli.command()
@period_option
@format_option
@deliver_option
@click.pass_obj
def messages(obj: Obj, period: str | None, fmt: tuple[str, ...], deliver: bool) -> None:
    """生成一个期间的网民留言办理情况公开清单，输出文件路径。"""
    from monitor.reports.messages import build_messages

    app, now, p = obj.ctx.app, utcnow(), _period(period)
    _make(obj, lambda s: build_messages(s, app, p, now), f"messages:{p.text}", fmt, deliver)
