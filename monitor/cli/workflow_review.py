"""`case` commands for drafts: drafting, the three-level review, redaction, publication and
recorded actions (press conference, transfer)."""

from __future__ import annotations

import click

from monitor.cli.app import Obj
from monitor.cli.workflow import AS, _event, _session, _user, _when, case
from monitor.clock import utcnow


@case.command("draft")
@click.argument("event_id", type=int)
@click.option(
    "--kind",
    type=click.Choice(["release", "reply"]),
    default="release",
    show_default=True,
    help="发布权威信息或答复。",
)
@click.option("--text", required=True, help="稿件全文。")
@AS
@click.pass_obj
def case_draft(obj: Obj, event_id: int, kind: str, text: str, as_user: str) -> None:
    """起草回应稿。"""
    from monitor.cases import create_draft

    with _session(obj) as s:
        d = create_draft(s, _event(s, event_id), _user(s, as_user), utcnow(), kind, text)
        click.echo(f"稿件 #{d.id} 已创建，待拟稿人自审。")


@case.command("edit")
@click.argument("draft_id", type=int)
@click.option("--text", required=True, help="修改后的全文。")
@AS
@click.pass_obj
def case_edit(obj: Obj, draft_id: int, text: str, as_user: str) -> None:
    """修改稿件：此前的审查作废，从拟稿人自审重新开始。"""
    from monitor.cases import edit_draft
    from monitor.cases.publishing import get_draft

    with _session(obj) as s:
        d = edit_draft(s, get_draft(s, draft_id), _user(s, as_user), utcnow(), text)
        click.echo(f"稿件 #{d.id} 已改为第 {d.revision} 版，须重新审查。")


@case.command("review")
@click.argument("draft_id", type=int)
@click.option(
    "--level",
    required=True,
    type=click.Choice(["drafter", "confidentiality", "leader"]),
    help="审查级别。",
)
@click.option("--approve/--return", "approve", required=True, help="通过或退回。")
@click.option("--note", help="意见（拟稿人自审写明性质；退回时写明理由）。")
@click.option("--publisher", help="领导审批时指定的发布人（用户名）。")
@AS
@click.pass_obj
def case_review(
    obj: Obj,
    draft_id: int,
    level: str,
    approve: bool,
    note: str | None,
    publisher: str | None,
    as_user: str,
) -> None:
    """三级审查中的一级：拟稿人自审 → 保密员审查 → 领导审批。"""
    from monitor.cases import review
    from monitor.cases.publishing import get_draft

    with _session(obj) as s:
        st = review(
            s, get_draft(s, draft_id), _user(s, as_user), utcnow(), level, approve, note, publisher
        )
        if st.publishable:
            click.echo(f"三级审查已全部通过，发布人：{st.publisher}。")
        else:
            click.echo(f"已记录。下一步：{st.next_level}。")


@case.command("redact")
@click.argument("draft_id", type=int)
@click.option("--remove", required=True, help="要删除的原文片段。")
@click.option("--reason", required=True, help="理由（国家秘密、商业秘密、个人隐私等）。")
@AS
@click.pass_obj
def case_redact(obj: Obj, draft_id: int, remove: str, reason: str, as_user: str) -> None:
    """保密员删除不得公开的内容（保留记录），审查从头开始。"""
    from monitor.cases import redact
    from monitor.cases.publishing import get_draft

    with _session(obj) as s:
        d = redact(s, get_draft(s, draft_id), _user(s, as_user), utcnow(), remove, reason)
        click.echo(f"已删除，稿件 #{d.id} 为第 {d.revision} 版，须重新审查。")


@case.command("publish")
@click.argument("draft_id", type=int)
@click.option("--fulfils", multiple=True, type=int, help="此次发布完成的处置义务编号（可多次）。")
@click.option("--at", "when", help='发布时间 "YYYY-MM-DD HH:MM"（北京时间，默认现在）。')
@AS
@click.pass_obj
def case_publish(
    obj: Obj, draft_id: int, fulfils: tuple[int, ...], when: str | None, as_user: str
) -> None:
    """发布三级审查通过的稿件（仅限领导指定的发布人）。"""
    from monitor.cases import publish
    from monitor.cases.publishing import get_draft

    with _session(obj) as s:
        a = publish(
            s, get_draft(s, draft_id), _user(s, as_user), _when(when, "--at"), list(fulfils)
        )
        met = "、".join(a.clocks_met) or "无"
        click.echo(f"稿件 #{draft_id} 已发布；满足时限：{met}。")


@case.command("act")
@click.argument("event_id", type=int)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["presser", "transfer"]),
    help="presser（新闻发布会）或 transfer（移交）。",
)
@click.option("--note", required=True, help="行动情况。")
@click.option("--at", "when", help='时间 "YYYY-MM-DD HH:MM"（北京时间，默认现在）。')
@AS
@click.pass_obj
def case_act(obj: Obj, event_id: int, kind: str, note: str, when: str | None, as_user: str) -> None:
    """记录已召开的新闻发布会或已完成的移交。"""
    from monitor.cases import record_action

    with _session(obj) as s:
        a = record_action(
            s, _event(s, event_id), _user(s, as_user), _when(when, "--at"), kind, note
        )
        click.echo(f"已记录；满足时限：{'、'.join(a.clocks_met) or '无'}。")
