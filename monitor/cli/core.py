"""Core commands: set-up, running the service, crawling, events, clocks."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from monitor.cli.app import Obj, cli
from monitor.clock import BEIJING, fmt_beijing, utcnow
from monitor.errors import YuqingError
from monitor.resources import is_installed_copy


@cli.command("check-config")
@click.pass_obj
def check_config(obj: Obj) -> None:
    """检查配置文件是否有效（与启动时的检查相同）。"""
    s = obj.ctx.settings
    click.echo(
        f"配置有效：{obj.ctx.app.config_dir}（信息源 {len(s.sources.sources)} 个，话题 "
        f"{len(s.topics.topics)} 个，部门 {len(s.departments.departments)} 个，预警渠道 "
        f"{len(s.channels.channels)} 个）"
    )
    if is_installed_copy(obj.ctx.app.config_dir):
        click.echo(
            "这是安装包自带的默认配置（升级时会被替换）：请用 yuqing init --config DIR "
            "写出一份自己的副本再修改。"
        )
    for line in _where(obj):
        click.echo(line)
    for note in obj.ctx.app.channels_off:
        click.echo(note)
    warning = obj.ctx.book.fallback_warning(utcnow())
    if warning:
        click.echo("注意：" + warning)


def _where(obj: Obj) -> list[str]:
    """Where the database, reports and trained model go, as absolute paths: relative paths
    are taken from the folder above the config folder, which a user may not expect."""
    app = obj.ctx.app
    s = app.settings
    db = s.service.database
    if app.environ.get(db.url_env):
        database = f"{obj.ctx.db.display_url}（来自环境变量 {db.url_env}）"
    else:
        database = str(app.path(db.sqlite_path))
    return [
        f"文件位置（配置中的相对路径从 {app.root} 算起）：",
        f"  数据库：{database}",
        f"  报告目录：{app.path(s.service.digest.output_dir)}",
        f"  情感模型：{app.path(s.scoring.sentiment.trained_path)}",
    ]


@cli.command()
@click.pass_obj
def init(obj: Obj) -> None:
    """写入初始配置（--config 目录不存在或为空时），创建或升级数据库结构，同步部门和信息源。"""
    from monitor.config.starter import write_starter
    from monitor.service.run import prepare
    from monitor.storage.migrate import upgrade

    if obj.config is not None:
        folder = Path(obj.config)
        if write_starter(folder):
            click.echo(
                f"已写入初始配置：{folder}（默认配置的副本，信息源为自带的样例站点）。"
                f"修改后可用 yuqing --config {folder} check-config 检查。"
            )
        else:
            click.echo(f"使用已有的配置目录 {folder}（其中的文件未作改动）。")
    upgrade(obj.ctx.db)
    prepare(obj.ctx)
    click.echo(f"数据库已就绪：{obj.ctx.db.display_url}")


@cli.command()
@click.pass_obj
def run(obj: Obj) -> None:
    """启动服务：定时采集、分析、预警、日报和网页控制台。"""
    from monitor.service.run import run_service

    run_service(obj.ctx, click.echo)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="采集全部已启用的信息源。")
@click.option("--no-analyse", is_flag=True, help="只采集入库，不做评分和事件归并。")
@click.option("--quiet", is_flag=True, help="只报告有新信息或出错的信息源（供服务调用）。")
@click.option("--keywords", help="以逗号分隔的关键词，替代微博来源配置的关键词（应急监测）。")
@click.pass_obj
def crawl(
    obj: Obj,
    sources: tuple[str, ...],
    all_: bool,
    no_analyse: bool,
    quiet: bool,
    keywords: str | None,
) -> None:
    """采集指定信息源（SOURCES 为 sources.yaml 中的 name）。"""
    from monitor.collection.crawl import crawl_here
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    configured = {s.name: s for s in ctx.settings.sources.sources}
    names = [n for n, s in configured.items() if s.enabled] if all_ else list(sources)
    if not names:
        raise click.UsageError("请给出信息源名称，或使用 --all。可用：" + "、".join(configured))
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise YuqingError(f"未知的信息源：{'、'.join(unknown)}。可用：{'、'.join(configured)}")
    words = [k.strip() for k in (keywords or "").split(",") if k.strip()] or None
    summaries = crawl_here(ctx, names, words)
    failed = False
    log = logging.getLogger("monitor.collection.crawl")
    for s in summaries:
        line = f"{s.source}：新入库 {s.stored} 条，重复 {s.duplicates} 条"
        line += f"，未变化跳过 {s.skipped} 页" if s.skipped else ""
        if not quiet:
            click.echo(line)
        elif s.stored:
            log.info("采集 %s", line)
        failed = failed or bool(s.errors)
        if quiet and s.errors:  # the service's log: one line a source, as its health has it
            log.warning("来源 %s：%s", s.source, "；".join(s.errors))
        elif not quiet:
            for e in s.errors:
                click.echo(f"{s.source}：错误：{e}", err=True)
    if not no_analyse:
        _analyse(obj, quiet)
    if failed:
        sys.exit(1)


def _analyse(obj: Obj, quiet: bool) -> None:
    from monitor.pipeline.analyse import AnalysisReport, analyse_pending

    ctx = obj.ctx
    report = AnalysisReport()
    # analyse_pending takes at most a batch of the oldest; the command goes on until
    # everything stored has been analysed (the service's job takes one batch a run)
    with click.progressbar(length=0, label="分析中", hidden=quiet) as bar:
        earlier = 0  # taken by the batches before this one

        def progress(done: int, total: int) -> None:
            bar.length = earlier + total
            bar.update(1)

        while True:
            part = analyse_pending(
                ctx.db, ctx.app, ctx.scorer, ctx.book, utcnow(), progress=progress
            )
            if not part.mentions:
                break
            report.add(part)
            earlier = bar.pos
    if not quiet:
        click.echo(
            f"分析 {report.mentions} 条：新事件 {report.events_opened} 起，等级上升 "
            f"{report.grades_raised} 起，新预警 {report.alerts} 条"
            + (f"，合并为同一事件 {report.events_merged} 起" if report.events_merged else "")
        )


@cli.command()
@click.pass_obj
def analyse(obj: Obj) -> None:
    """对已入库但尚未分析的信息评分、归并事件、立案并生成预警。"""
    from monitor.storage.migrate import require_migrated

    require_migrated(obj.ctx.db)
    _analyse(obj, quiet=False)


@cli.command()
@click.option("--state", help="只列出该状态的事件：open（未办结，默认）、all 或 collected 等。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def events(obj: Obj, state: str | None, as_json: bool) -> None:
    """列出舆情事件：最近的回应时限在前，附等级、依据和责任部门。"""
    from monitor.storage.migrate import require_migrated
    from monitor.views import BadFilter, departments, event_summary, list_events, to_json

    require_migrated(obj.ctx.db)
    now = utcnow()
    state = state or "open"
    with obj.ctx.db.session() as s:
        try:
            _, rows = list_events(s, state=None if state == "all" else state, limit=1000)
        except BadFilter as e:
            raise YuqingError(str(e)) from None
        depts = departments(s)
        views = [event_summary(e, d, depts, now) for e, d in rows]
    if as_json:
        click.echo(json.dumps(to_json(views), ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("暂无事件。")
    for v in views:
        due = v["next_deadline"]
        when = (
            f"{due['title']} {fmt_beijing(due['due_at'])}（{due['remaining']}）"
            if due
            else "无时限"
        )
        dept = v["department"]["name"] if v["department"] else "未分派"
        click.echo(
            f"#{v['id']:<4} [{v['grade_label']}（{v['grade']}级）] {v['state_label']}  {v['title']}"
        )
        click.echo(f"       {dept} | {when}")
        click.echo(f"       依据：{v['reasons']}")


@cli.command()
@click.argument("clock", required=False)
@click.option("--from", "start", help='起算时间 "YYYY-MM-DD HH:MM"（北京时间）。')
@click.option("--list", "list_", is_flag=True, help="列出全部时限。")
@click.pass_obj
def due(obj: Obj, clock: str | None, start: str | None, list_: bool) -> None:
    """计算某个回应时限的截止时间，便于人工核对。"""
    book = obj.ctx.book
    if list_ or not clock:
        for name, spec in book.specs.items():
            unit = f"{spec.hours:g} 小时" if spec.hours else f"{spec.working_days} 个工作日"
            click.echo(f"{name:<24} {unit:<10} {spec.title}")
        return
    if clock not in book.specs:
        raise YuqingError(f"没有时限 {clock!r}。可用：{'、'.join(book.specs)}")
    if not start:
        raise click.UsageError('请用 --from "YYYY-MM-DD HH:MM" 给出起算时间。')
    try:
        begin = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    except ValueError:
        raise click.BadParameter(
            f'应为 "YYYY-MM-DD HH:MM"，实际为 {start!r}', param_hint="--from"
        ) from None
    result = book.due(clock, begin)
    click.echo(result.due_at.astimezone(BEIJING).isoformat())
    click.echo("使用了备用日历（无官方数据）" if result.fallback else "使用官方日历")
