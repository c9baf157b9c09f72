"""`yuqing route`: where one text, or every row of a CSV file, would be routed, and why.

With the database initialised, routing weighs the agency's own record as the pipeline
does (how common each word is in its mentions, officers' re-assignments); without it,
the configuration's rules alone, and the command says so.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from monitor.cli.app import Obj, cli
from monitor.clock import utcnow
from monitor.errors import YuqingError
from workflow.route_memory import RoutingMemory

CSV_KIND = "board"  # a CSV of messages is taken to be citizens' messages (留言) by default
ENCODINGS = ("utf-8-sig", "gb18030")  # Excel's "CSV UTF-8" and its Chinese default (GBK)


def _memory(obj: Obj) -> tuple[RoutingMemory | None, str]:
    """The agency's record if its database is ready, and a line saying what was used."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from monitor.cases.route_record import routing_memory
    from monitor.storage.migrate import HEAD, current_revisions

    db = obj.ctx.db
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return None, "数据库尚未初始化：仅按配置规则路由（不含历史词频和改派记录）"
    try:
        if current_revisions(db) != {HEAD}:
            return None, "数据库结构不是当前版本：仅按配置规则路由（不含历史词频和改派记录）"
        with db.session() as s:
            memory = routing_memory(s, utcnow())
    except SQLAlchemyError as e:
        first = str(getattr(e, "orig", e)).strip().splitlines()[0]
        return None, f"无法读取数据库（{first}）：仅按配置规则路由"
    return memory, f"参考本机构记录：历史信息 {memory.n} 条，改派 {len(memory.reassignments)} 件"


@cli.command("route")
@click.argument("text", required=False)
@click.option("--title", default="", help="标题（标题中的词比正文中的权重更高）。")
@click.option(
    "--kind",
    type=click.Choice(["board", "manual", "news", "weibo", "feed"]),
    help="来源类型：board（留言板）、manual（来信来电）、news、weibo、feed。",
)
@click.option("--grade", default="IV", show_default=True, help="按此风险等级路由（I 为特别重大）。")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    help="批量路由 CSV 文件：text 列（必需）、title 和 kind 列（可选），每行输出一个 JSON。",
)
@click.pass_obj
def route_cmd(
    obj: Obj, text: str | None, title: str, kind: str | None, grade: str, csv_path: str | None
) -> None:
    """显示一段文字会分派到哪个部门，以及为什么；--csv 时逐行批量路由。"""
    from monitor.cases.explain import Router

    if (text is None) == (csv_path is None):
        raise click.UsageError("请给出要路由的文字 TEXT，或用 --csv 指定文件（二者选一）。")
    memory, note = _memory(obj)
    router = Router(obj.ctx.settings, memory)
    if csv_path is not None:
        failed = _route_csv(router, Path(csv_path), grade, kind or CSV_KIND)
        click.echo(note, err=True)
        if failed:
            sys.exit(1)
        return
    assert text is not None
    r, topics, categories = router.route(text, title, grade, kind)
    name = router.names
    click.echo(f"主办部门：{name[r.lead]}（{r.lead}）")
    if r.co:
        click.echo("会商部门：" + "、".join(f"{name[c]}（{c}）" for c in r.co))
    if r.owner:
        click.echo(f"总负责：{r.owner}")
    from monitor.scoring.grade import CATEGORY_NAMES

    cats = "、".join(CATEGORY_NAMES.get(c, c) for c in categories) or "无"
    click.echo(f"识别话题：{'、'.join(topics) or '无'}；类别：{cats}")
    for why in r.reasons:
        click.echo(f"  - {why}")
    click.echo(note)


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise YuqingError(f"无法读取 CSV 文件 {path}：{e.strerror or e}。") from None
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise YuqingError(f"CSV 文件 {path} 既不是 UTF-8 也不是 GBK/GB18030 编码。")


def _route_csv(router, path: Path, grade: str, kind: str) -> int:  # noqa: ANN001
    """One JSON object per data row on stdout (row 1 = the first row after the header);
    a row that cannot be routed gives {"row": N, "error": …} in its place. Returns how
    many rows failed."""
    reader = csv.reader(io.StringIO(_read(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise YuqingError(f"CSV 文件 {path} 是空的：第一行应为列名，且须有 text 列。") from None
    except csv.Error as e:
        raise YuqingError(f"CSV 文件 {path} 的列名行无法解析：{e}。") from None
    if "text" not in header:
        shown = "、".join(h for h in header if h) or "无"
        raise YuqingError(f"CSV 文件 {path} 缺少 text 列（现有列：{shown}）。")
    col = {h: i for i, h in reversed(list(enumerate(header)))}
    failed = n = 0
    while True:
        n += 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            failed += _emit({"row": n, "error": f"第 {n} 行（文件第 {reader.line_num} 行）：{e}"})
            continue
        if not any(f.strip() for f in fields):
            n -= 1  # a blank line is not a row
            continue
        problem = None
        if len(fields) != len(header):
            problem = f"有 {len(fields)} 个字段，列名行有 {len(header)} 个"
        else:
            text = fields[col["text"]].strip()
            title = fields[col["title"]].strip() if "title" in col else ""
            row_kind = (fields[col["kind"]].strip() if "kind" in col else "") or kind
            if not text:
                problem = "text 为空"
        if problem is None:
            try:
                r, _, _ = router.route(text, title, grade, row_kind)
            except YuqingError as e:
                problem = str(e)
        if problem is not None:
            where = f"第 {n} 行（文件第 {reader.line_num} 行）"
            failed += _emit({"row": n, "error": f"{where}：{problem}"})
            continue
        _emit({"row": n, "department": r.lead, "score": r.score, "why": r.why})
    return failed


def _emit(obj: dict[str, object]) -> int:
    click.echo(json.dumps(obj, ensure_ascii=False))
    return 1 if "error" in obj else 0
