"""Collection commands: source health, checking a page's extraction, manual intake."""

from __future__ import annotations

import json
from datetime import datetime

import click

from monitor.cli.app import Obj, cli
from monitor.clock import BEIJING, fmt_beijing, utcnow


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def sources(obj: Obj, as_json: bool) -> None:
    """列出信息源的采集健康：最近成功、最近错误、出错率、近 24 小时信息量。"""
    from monitor.collection.health import source_rows
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    with ctx.db.session() as s:
        out = source_rows(s, ctx.settings, utcnow())
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=_iso))
        return
    if not out:
        click.echo(f"没有信息源。请在 {ctx.app.config_dir / 'sources.yaml'} 中添加。")
    for r in out:
        off = "" if r["enabled"] or r["kind"] == "manual" else "（已停用）"
        click.echo(f"{r['name']}  {r['title']}（{r['kind']}）{off}  [{r['status']}]")
        last = fmt_beijing(r["last_success_at"]) if r["last_success_at"] else "无"
        click.echo(
            f"    最近成功：{last}；采集 {r['runs']} 次，出错率 {r['error_rate']:.0%}；"
            f"近 24 小时 {r['items_24h']} 条，累计 {r['items_total']} 条"
        )
        if r["reason"] and r["status"] != "正常":
            click.echo(f"    原因：{r['reason']}")
        elif r["last_error"]:
            click.echo(f"    最近错误（{fmt_beijing(r['last_error_at'])}）：{r['last_error']}")


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@cli.command()
@click.argument("target", metavar="URL_OR_FILE")
@click.pass_obj
def extract(obj: Obj, target: str) -> None:
    """输出新闻提取器从一个页面得到的内容（JSON），添加新站点前用来核对。"""
    from monitor.extract import extract as run_extract

    fields = run_extract(target, obj.ctx.settings.service.crawl, utcnow())
    click.echo(json.dumps(fields, ensure_ascii=False, indent=2))


@cli.command()
@click.option(
    "--channel",
    required=True,
    type=click.Choice(["phone", "letter", "mailbox", "visit"]),
    help="渠道：phone 来电、letter 来信、mailbox 信箱、visit 来访。",
)
@click.option("--title", default="", help="标题（可省略，取内容开头）。")
@click.option("--text", "text", required=True, help="内容（反映的问题）；- 表示从标准输入读取。")
@click.option("--received", help='收到时间 "YYYY-MM-DD HH:MM"（北京时间，默认现在）。')
@click.option("--by", "entered_by", required=True, help="登记人（用户名）。")
@click.option("--reporter-name", help="举报人/反映人姓名（保密）。")
@click.option("--reporter-phone", help="联系电话（保密）。")
@click.option("--reporter-employer", help="工作单位（保密）。")
@click.option("--reporter-address", help="住址（保密）。")
@click.pass_obj
def intake(
    obj: Obj,
    channel: str,
    title: str,
    text: str,
    received: str | None,
    entered_by: str,
    reporter_name: str | None,
    reporter_phone: str | None,
    reporter_employer: str | None,
    reporter_address: str | None,
) -> None:
    """人工登记来电、来信、信箱和来访事项；举报人信息单独保密保存。"""
    from monitor.intake import CHANNELS, IntakeRecord, record
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    now = utcnow()
    if text == "-":
        text = click.get_text_stream("stdin").read()
    when = now
    if received:
        try:
            when = datetime.strptime(received, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
        except ValueError:
            raise click.BadParameter(
                f'应为 "YYYY-MM-DD HH:MM"，实际为 {received!r}', param_hint="--received"
            ) from None
    item = IntakeRecord(
        channel,
        title,
        text,
        when,
        reporter_name,
        reporter_phone,
        reporter_employer,
        reporter_address,
    )
    with ctx.db.session() as s:
        mention = record(s, item, entered_by, now)
        mention_id = mention.id
    click.echo(f"已登记：信息 #{mention_id}（{CHANNELS[channel]}），收到时间 {fmt_beijing(when)}。")
    if item.has_reporter():
        click.echo("举报人信息已单独保密保存，仅保密员和领导可查看。")
    click.echo("运行 `yuqing analyse`（服务运行时会自动进行）后即参与研判和时限计算。")
