"""Mention commands: `mention show ID`, one mention as it is stored, with its comments."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cli.app import Obj, cli
from monitor.clock import fmt_beijing
from monitor.errors import NotFound


@cli.group()
def mention() -> None:
    """单条信息：按存储的样子查看。"""


def stored_mention(session: Session, mention_id: int) -> dict[str, Any]:
    """The mention's fields as stored, its comments in the order the site listed them."""
    from monitor.storage.comments import Comment
    from monitor.storage.models import Mention

    m = session.get(Mention, mention_id)
    if m is None:
        raise NotFound(f"没有编号为 {mention_id} 的信息。")
    comments = session.scalars(
        select(Comment).where(Comment.mention_id == m.id).order_by(Comment.position, Comment.id)
    ).all()
    extra = m.extra or {}
    return {
        "id": m.id,
        "source": m.source.name,
        "source_title": m.source.title,
        "kind": m.kind,
        "url": m.url,
        "author": m.author,
        "site": m.site,
        "published": m.published_at,
        "fetched": m.fetched_at,
        "title": m.title,
        "text": m.text,
        "counts": {"reposts": m.reposts, "comments": m.comments, "likes": m.likes},
        "reposted_from": m.reposted_from,
        "reply_status": m.reply_status,
        "event_id": m.event_id,
        "negative": m.negative,
        "grade": m.grade,
        "full_text": extra.get("full_text"),
        "full_text_error": extra.get("full_text_error"),
        "comments_error": extra.get("comments_error"),
        "comments": [
            {
                "author": c.author,
                "published": c.published_at,
                "text": c.text,
                "likes": c.likes,
                "negative": c.negative,
            }
            for c in comments
        ],
    }


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@mention.command("show")
@click.argument("mention_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（时间为 UTC 的 ISO 8601）。")
@click.pass_obj
def mention_show(obj: Obj, mention_id: int, as_json: bool) -> None:
    """查看一条信息：来源、网址、作者、发布时间、正文、转评赞、转发来源和读取到的评论。"""
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    with ctx.db.session() as s:
        m = stored_mention(s, mention_id)
    if as_json:
        click.echo(json.dumps(m, ensure_ascii=False, indent=2, default=_iso))
        return
    when = fmt_beijing(m["published"]) if m["published"] else "未知"
    click.echo(f"#{m['id']} {m['title']}")
    click.echo(f"来源：{m['source_title']}（{m['source']}，{m['kind']}）  网址：{m['url']}")
    click.echo(f"作者：{m['author'] or '未知'}  发布：{when}  采集：{fmt_beijing(m['fetched'])}")
    c = m["counts"]
    click.echo(f"转发 {c['reposts']:,}  评论 {c['comments']:,}  点赞 {c['likes']:,}")
    if m["reposted_from"]:
        click.echo(f"转发自：{m['reposted_from']}")
    if m["event_id"]:
        click.echo(f"所属事件：#{m['event_id']}")
    if m["full_text"] is False:
        why = f"（{m['full_text_error']}）" if m["full_text_error"] else ""
        click.echo(f"注意：未能读取长微博全文{why}，下面是列表中截断的正文。")
    click.echo("")
    click.echo(m["text"])
    if m["comments_error"]:
        click.echo(f"\n评论读取未完成：{m['comments_error']}")
    if m["comments"]:
        click.echo(f"\n评论（已读取 {len(m['comments'])} 条，按站点顺序）：")
        for k, cm in enumerate(m["comments"], 1):
            at = f"，{fmt_beijing(cm['published'])}" if cm["published"] else ""
            click.echo(f"  {k}. {cm['author'] or '匿名'}{at}，赞 {cm['likes']:,}：{cm['text']}")
