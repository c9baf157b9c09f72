"""Workflow commands: the `case …` actions, and the `commitments` ledger.

Every action names its acting user with `--as NAME` (a user made by `yuqing user add`);
the role check happens in monitor.cases, exactly as for the JSON API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from monitor.accounts.users import user_named
from monitor.cli.app import Obj, cli
from monitor.clock import BEIJING, fmt_beijing, utcnow
from monitor.errors import NotFound
from monitor.storage.models import Event, User

AS = click.option("--as", "as_user", required=True, help="操作用户名（yuqing user add 创建）。")


def _when(value: str | None, option: str) -> datetime:
    if not value:
        return utcnow()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    raise click.BadParameter(f'应为 "YYYY-MM-DD HH:MM"，实际为 {value!r}', param_hint=option)


@contextmanager
def _session(obj: Obj) -> Iterator[Session]:
    from monitor.storage.migrate import require_migrated

    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        yield s


def _user(s: Session, name: str) -> User:
    return user_named(s, name)


def _event(s: Session, event_id: int) -> Event:
    e = s.get(Event, event_id)
    if e is None:
        raise NotFound(f"事件 {event_id} 不存在。用 `yuqing events --state all` 查看事件编号。")
    return e


@cli.group()
def case() -> None:
    """事件的回应流程：会商、研判、审批、起草、三级审查、发布、行动和状态变更。"""


def _echo_case(view: dict[str, Any]) -> None:
    click.echo(f"#{view['event_id']} {view['title']}")
    click.echo(
        f"状态：{view['state_label']}（{view['state']}） 等级：{view['grade']} "
        f"主办：{view['department'] or '未分派'}"
    )
    click.echo("可转到：" + ("、".join(view["allowed_transitions"]) or "无"))
    for o in view["opinions"]:
        click.echo(f"会商意见 [{o['department']}] {o['text']}（{o['actor']}）")
    for j in view["judgments"]:
        click.echo(
            f"研判 #{j['id']} [{j['status']}] {j['disposal_class_label']}，等级 {j['grade']}："
            f"{j['nature']}；建议：{j['proposal']}"
        )
    for d in view["drafts"]:
        r = d["review"]
        stage = (
            f"已发布（{d['published_by']}）"
            if d["published_at"]
            else (
                f"可发布，发布人 {r['publisher']}" if r["publishable"] else f"待{r['next_label']}"
            )
        )
        click.echo(f"稿件 #{d['id']} [{d['kind']}] 第 {d['revision']} 版，{stage}：{d['text']}")
    for o in view["obligations"]:
        done = f"已完成 {fmt_beijing(o['fulfilled_at'])}" if o["fulfilled_at"] else "未完成"
        click.echo(f"处置义务 #{o['id']} {o['title']}，{fmt_beijing(o['due_at'])} 前，{done}")
    for c in view["commitments"]:
        click.echo(f"承诺 #{c['id']} {c['text']}，{fmt_beijing(c['due_at'])} 前，{c['status']}")
    for d in view["deadlines"]:
        click.echo(
            f"时限 {d['clock']} {d['title']}：{fmt_beijing(d['due_at'])} 前，{d['status_label']}"
        )


def _show(s: Session, e: Event, as_json: bool = False) -> None:
    from monitor.cases.view import case_view
    from monitor.views import to_json

    view = case_view(s, e, utcnow())
    if as_json:
        click.echo(json.dumps(to_json(view), ensure_ascii=False, indent=2))
    else:
        _echo_case(view)


@case.command("show")
@click.argument("event_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def case_show(obj: Obj, event_id: int, as_json: bool) -> None:
    """显示事件的办理情况。"""
    with _session(obj) as s:
        _show(s, _event(s, event_id), as_json)


@case.command("move")
@click.argument("event_id", type=int)
@click.argument("state")
@click.option("--reason", required=True, help="变更理由。")
@click.option("--into", type=int, help="合并（merged）时并入的事件编号。")
@AS
@click.pass_obj
def case_move(
    obj: Obj, event_id: int, state: str, reason: str, into: int | None, as_user: str
) -> None:
    """把事件转到 STATE（collected、consulting、judged、responding、evaluating、closed 等）。"""
    from monitor.cases import transition

    with _session(obj) as s:
        e = _event(s, event_id)
        transition(s, e, state, _user(s, as_user), reason, utcnow(), into=into)
        click.echo(f"事件 #{e.id} 已转为“{state}”。")


@case.command("reassign")
@click.argument("event_id", type=int)
@click.argument("department")
@click.option("--reason", required=True, help="改派理由（如：属物业管理，非环保职责）。")
@AS
@click.pass_obj
def case_reassign(obj: Obj, event_id: int, department: str, reason: str, as_user: str) -> None:
    """把事件改派给部门 DEPARTMENT 主办；以后相似的信息会参考这次改派。"""
    from monitor.cases.reassign import reassign

    with _session(obj) as s:
        e = _event(s, event_id)
        reassign(s, e, department, _user(s, as_user), reason, utcnow(), obj.ctx.settings)
        click.echo(f"事件 #{e.id} 已改派给{e.department.name}（{department}）主办。")


@case.command("opinion")
@click.argument("event_id", type=int)
@click.option("--department", required=True, help="部门代码。")
@click.option("--text", required=True, help="会商意见。")
@AS
@click.pass_obj
def case_opinion(obj: Obj, event_id: int, department: str, text: str, as_user: str) -> None:
    """记录一个部门的会商意见。"""
    from monitor.cases import add_opinion

    with _session(obj) as s:
        add_opinion(s, _event(s, event_id), department, text, _user(s, as_user), utcnow())
        click.echo("会商意见已记录。")


@case.command("judge")
@click.argument("event_id", type=int)
@click.option("--nature", required=True, help="性质。")
@click.option(
    "--class",
    "disposal_class",
    required=True,
    help="处置类别：suggestion / difficulty / major_problem / unaware / wrong_view / false_info。",
)
@click.option("--proposal", required=True, help="处置建议。")
@click.option("--grade", help="人工调整的风险等级（须同时给出 --grade-reason）。")
@click.option("--grade-reason", help="调整等级的理由。")
@AS
@click.pass_obj
def case_judge(
    obj: Obj,
    event_id: int,
    nature: str,
    disposal_class: str,
    proposal: str,
    grade: str | None,
    grade_reason: str | None,
    as_user: str,
) -> None:
    """填写研判意见（待领导审批）。"""
    from monitor.cases import record_judgment

    with _session(obj) as s:
        j = record_judgment(
            s,
            _event(s, event_id),
            _user(s, as_user),
            utcnow(),
            nature=nature,
            disposal_class=disposal_class,
            proposal=proposal,
            grade=grade,
            grade_reason=grade_reason,
        )
        click.echo(f"研判意见 #{j.id} 已提交，待领导审批。")


@case.command("decide")
@click.argument("event_id", type=int)
@click.option("--approve/--return", "approve", required=True, help="批准或退回。")
@click.option("--note", help="审批意见（退回时必填）。")
@AS
@click.pass_obj
def case_decide(obj: Obj, event_id: int, approve: bool, note: str | None, as_user: str) -> None:
    """领导审批研判意见；批准后开启该处置类别的后续公开义务。"""
    from monitor.cases import decide_judgment

    with _session(obj) as s:
        decide_judgment(
            s, _event(s, event_id), _user(s, as_user), utcnow(), obj.ctx.book, approve, note
        )
        click.echo("研判意见已批准。" if approve else "研判意见已退回。")


@cli.group(invoke_without_command=True)
@click.option("--open", "open_only", is_flag=True, help="只列出未兑现的承诺。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def commitments(ctx: click.Context, open_only: bool, as_json: bool) -> None:
    """承诺台账：列出承诺（考核用）；子命令 add / fulfil 登记和销号。"""
    if ctx.invoked_subcommand:
        return
    from monitor.cases import ledger
    from monitor.cases.view import commitment_view
    from monitor.views import to_json

    now = utcnow()
    with _session(ctx.obj) as s:
        views = [commitment_view(c, now) for c in ledger(s, open_only)]
    if as_json:
        click.echo(json.dumps(to_json(views), ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("承诺台账为空。")
    for v in views:
        click.echo(
            f"#{v['id']} 事件 #{v['event_id']} {v['status']} "
            f"{fmt_beijing(v['due_at'])} 前：{v['text']}"
        )


@commitments.command("add")
@click.argument("draft_id", type=int)
@click.option("--text", required=True, help="承诺内容。")
@click.option(
    "--due", required=True, help='兑现期限 "YYYY-MM-DD" 或 "YYYY-MM-DD HH:MM"（北京时间）。'
)
@AS
@click.pass_obj
def commitments_add(obj: Obj, draft_id: int, text: str, due: str, as_user: str) -> None:
    """登记已发布回应 DRAFT_ID 中作出的承诺。"""
    from monitor.cases import add_commitment
    from monitor.cases.publishing import get_draft

    due_at = _when(due, "--due")
    if len(due) == 10:  # a date means the end of that day
        due_at = due_at.replace(hour=23, minute=59, second=59)
    with _session(obj) as s:
        c = add_commitment(s, get_draft(s, draft_id), _user(s, as_user), utcnow(), text, due_at)
        click.echo(f"承诺 #{c.id} 已登记，{fmt_beijing(c.due_at)} 前兑现。")


@commitments.command("fulfil")
@click.argument("commitment_id", type=int)
@click.option("--draft", "draft_id", required=True, type=int, help="已发布的兑现情况稿件编号。")
@AS
@click.pass_obj
def commitments_fulfil(obj: Obj, commitment_id: int, draft_id: int, as_user: str) -> None:
    """以已发布的兑现情况为承诺销号。"""
    from monitor.cases import fulfil_commitment
    from monitor.cases.commitments import get_commitment
    from monitor.cases.publishing import get_draft

    with _session(obj) as s:
        c = fulfil_commitment(
            s, get_commitment(s, commitment_id), get_draft(s, draft_id), _user(s, as_user), utcnow()
        )
        click.echo(f"承诺 #{c.id} 已销号。")


# the drafting, review and publication commands of the `case` group
import monitor.cli.workflow_review  # noqa: E402, F401
