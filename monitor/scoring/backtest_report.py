"""A backtest's outcome in Chinese, as the analyst reads it before changing the rules."""

from __future__ import annotations

from monitor.clock import fmt_beijing
from monitor.scoring.backtest import BacktestResult, EventView
from monitor.scoring.grade import grade_label


def _ids(ids: list[int], most: int = 8) -> str:
    shown = "、".join(map(str, ids[:most]))
    return shown + (f" 等 {len(ids)} 条" if len(ids) > most else "")


def _event(e: EventView) -> str:
    return f"{e.label}「{e.title[:30]}」"


def _topics(topics: list[str]) -> str:
    return "、".join(topics) or "无"


def report_lines(r: BacktestResult, since_text: str) -> list[str]:
    out = [
        f"回放 {r.mentions} 条信息（{since_text} 以来，即 {fmt_beijing(r.since)} 起，按抓取顺序），"
        f"现行规则与新规则各分组、定级一遍；话题变化 {r.changed} 条。数据库未作任何改动。"
    ]
    if r.opened:
        out.append(f"会新开的事件（{len(r.opened)} 个，现行规则下不会单独成事件）：")
        for e in r.opened:
            out.append(
                f"  {_event(e)}：{grade_label(e.grade)}，{len(e.mentions)} 条信息"
                f"（{_ids(e.mentions)}）；话题 {_topics(e.topics)}；依据：{e.reasons}"
            )
    if r.not_opened:
        out.append(f"不会再开的事件（{len(r.not_opened)} 个）：")
        for e, goes in r.not_opened:
            out.append(
                f"  {_event(e)}（{grade_label(e.grade)}，{len(e.mentions)} 条）："
                f"其信息将归入 {'、'.join(goes)}"
            )
    if r.regraded:
        out.append(f"等级变化的事件（{len(r.regraded)} 个）：")
        for old, new in r.regraded:
            out.append(f"  {_event(new)}：{grade_label(old.grade)} → {grade_label(new.grade)}")
            out.append(f"    原依据：{old.reasons}")
            out.append(f"    新依据：{new.reasons}")
    if r.retopiced:
        out.append(f"话题变化的事件（{len(r.retopiced)} 个）：")
        for old, new in r.retopiced:
            out.append(f"  {_event(new)}：话题 {_topics(old.topics)} → {_topics(new.topics)}")
    if r.moved:
        out.append(f"换到别的事件的信息（{len(r.moved)} 条）：")
        for mention_id, title, before, after in r.moved:
            out.append(f"  信息 {mention_id}「{title}」：{before} → {after}")
    if len(out) == 1:
        out.append("没有事件会新开或不再开，等级、话题和信息归属都不会变。")
    return out
