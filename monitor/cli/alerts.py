"""Alert commands: see the outbox, and deliver what is due now."""

from __future__ import annotations

import click
from sqlalchemy import select

from monitor.cli.app import Obj, cli
from monitor.clock import fmt_beijing, utcnow

STATUS = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "merged": "已合并",
}


@cli.group()
def alerts() -> None:
    """预警发件箱：查看与立即投递。"""


@alerts.command("list")
@click.option("--status", type=click.Choice(sorted(STATUS)), help="只列出该状态的预警。")
@click.option("--limit", default=50, show_default=True, help="最多列出多少条（最新在前）。")
@click.pass_obj
def list_alerts(obj: Obj, status: str | None, limit: int) -> None:
    """列出预警及其投递状态、尝试次数和最近的错误。"""
    from monitor.notify.audience import audience_label
    from monitor.storage.migrate import require_migrated
    from monitor.storage.models import Alert

    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        q = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status:
            q = q.where(Alert.status == status)
        rows = list(s.scalars(q))
    if not rows:
        click.echo("没有预警。")
    for a in rows:
        error = f"  错误：{a.last_error}" if a.last_error else ""
        click.echo(
            f"#{a.id:<5} {STATUS.get(a.status, a.status):<4} {a.channel:<14} "
            f"{a.payload.get('kind_label', a.kind)} {a.payload.get('title', '')[:30]}  "
            f"发给 {audience_label(a.audience)}  "
            f"生成 {fmt_beijing(a.created_at)}  尝试 {a.attempts} 次{error}"
        )


@alerts.command("send")
@click.pass_obj
def send_alerts(obj: Obj) -> None:
    """立即投递到期的预警（服务运行时由其自动完成）。"""
    from monitor.notify.channels import build_channels
    from monitor.notify.dispatcher import deliver_due
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    limits = {c.name: c.rate() for c in ctx.settings.channels.channels}
    r = deliver_due(ctx.db, build_channels(ctx.app), utcnow(), limits)
    click.echo(
        f"已发送 {r.sent} 条，合并 {r.merged} 条，待重试 {r.retrying} 条，"
        f"失败 {r.failed} 条，排队 {r.deferred} 条，核对确认已送达 {r.reconciled} 条"
    )


@alerts.command("ack")
@click.argument("event_id", type=int)
@click.option("--as", "as_user", required=True, help="确认人（yuqing user add 创建的用户名）。")
@click.pass_obj
def ack(obj: Obj, event_id: int, as_user: str) -> None:
    """确认某事件的升级通知：停止重复提醒和继续升级（时限超期时会再次升级）。"""
    from monitor.accounts.users import user_named
    from monitor.notify.escalation import acknowledge
    from monitor.storage.migrate import require_migrated

    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        esc = acknowledge(s, event_id, user_named(s, as_user), utcnow())
        level = esc.policy["levels"][esc.level]["who"]
    click.echo(f"已确认事件 #{event_id} 的升级（第 {esc.level + 1} 级：{level}），不再重复提醒。")
