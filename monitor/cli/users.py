"""`yuqing user …`: console and API users, their passwords and Slack accounts."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.accounts.passwords import RULES, check_strength, generate_password, set_password
from monitor.accounts.roles import ROLES
from monitor.accounts.users import create_user, link_slack, user_named
from monitor.cli.app import Obj, cli
from monitor.clock import utcnow
from monitor.errors import YuqingError
from monitor.storage.migrate import require_migrated
from monitor.storage.models import User

GENERATE_HELP = "生成随机的一次性密码并显示一次；用户首次登录后必须修改。"


def _ask_password(name: str) -> str:
    """Asked twice, hidden; asked again after one that breaks the rules or a mismatch."""

    def strong(value: str) -> str:
        try:
            check_strength(name, value)
        except YuqingError as e:
            raise click.UsageError(str(e)) from None
        return value

    try:
        while True:
            first = click.prompt(
                f"为 {name} 设置密码（{RULES}）", hide_input=True, value_proc=strong
            )
            if click.prompt("再次输入密码", hide_input=True) == first:
                return first
            click.echo("两次输入的密码不一致，请重新输入。", err=True)
    except click.Abort:
        raise YuqingError(
            "没有读到密码：请在终端中运行并输入两次，或用 --generate-password 生成一次性密码"
            "（只用接口和命令行的用户用 --no-password）。"
        ) from None


def _new_password(name: str, generate: bool) -> tuple[str, bool]:
    """(password, one_time): generated ones are one-time, typed ones are the user's own."""
    return (generate_password(), True) if generate else (_ask_password(name), False)


@cli.group()
def user() -> None:
    """管理控制台和接口用户。"""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help=" / ".join(ROLES))
@click.option("--display-name", help="显示名称（默认同 NAME）。")
@click.option("--department", help="所属部门代码（handler 必填）。")
@click.option("--slack-id", help="该用户的 Slack 成员 ID（U…），用于 Slack 中的“确认”按钮。")
@click.option("--generate-password", "generate", is_flag=True, help=GENERATE_HELP)
@click.option(
    "--no-password", "no_password", is_flag=True, help="不设控制台密码：只用接口令牌和命令行。"
)
@click.pass_obj
def user_add(
    obj: Obj,
    name: str,
    role: str,
    display_name: str | None,
    department: str | None,
    slack_id: str | None,
    generate: bool,
    no_password: bool,
) -> None:
    """新建用户：设置其控制台登录密码（输入两次，或 --generate-password 生成），并输出
    其接口访问令牌（只显示一次）。"""
    require_migrated(obj.ctx.db)
    now = utcnow()

    def add(s: Session) -> tuple[User, str]:
        return create_user(
            s, name, display_name or name, role, department, now=now, slack_user_id=slack_id
        )

    with obj.ctx.db.session() as s:
        if s.scalar(select(User.id).where(User.name == name.strip())) is not None:
            raise YuqingError(f"用户“{name.strip()}”已存在。重置密码请用 `yuqing user passwd`。")
        add(s)  # a bad role, department or Slack ID is refused before the password is asked
        s.rollback()
    if generate and no_password:
        raise click.UsageError("--generate-password 与 --no-password 只能选一个。")
    password, one_time = (None, False) if no_password else _new_password(name.strip(), generate)
    with obj.ctx.db.session() as s:
        created, token = add(s)
        if password is not None:
            set_password(s, created, password, now, one_time=one_time)
    click.echo(f"用户 {name} 已创建。" + ("未设控制台密码。" if no_password else ""))
    if generate:
        click.echo(f"一次性登录密码（只显示这一次，首次登录后须修改）：{password}")
    click.echo(f"接口令牌（只显示这一次，请妥善保管，用于 Authorization: Bearer）：{token}")


@user.command("passwd")
@click.argument("name")
@click.option("--generate-password", "generate", is_flag=True, help=GENERATE_HELP)
@click.pass_obj
def user_passwd(obj: Obj, name: str, generate: bool) -> None:
    """（管理员）重置用户的登录密码；该用户已有的控制台登录全部退出。"""
    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        user_named(s, name)
    password, one_time = _new_password(name, generate)
    with obj.ctx.db.session() as s:
        set_password(s, user_named(s, name), password, utcnow(), one_time=one_time)
    click.echo(f"用户 {name} 的密码已重置，其已有的控制台登录已全部退出。")
    if generate:
        click.echo(f"一次性登录密码（只显示这一次，首次登录后须修改）：{password}")


@user.command("slack")
@click.argument("name")
@click.argument("slack_id", required=False)
@click.option("--remove", is_flag=True, help="取消关联。")
@click.pass_obj
def user_slack(obj: Obj, name: str, slack_id: str | None, remove: bool) -> None:
    """关联（或 --remove 取消）用户的 Slack 成员 ID，使其能在 Slack 中点“确认”。"""
    if (slack_id is None) != remove:
        raise click.UsageError("请给出 Slack 成员 ID（U…），或用 --remove 取消关联。")
    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        linked = link_slack(s, name, None if remove else slack_id).slack_user_id
    click.echo(
        f"用户 {name} " + (f"已关联 Slack 成员 {linked}。" if linked else "已取消 Slack 关联。")
    )
