"""舆情专报: one event for the leaders — what happened, how it spread, what the public says,
the judgment and consultation, what has been done and is due, what to do next, and the
review trail of everything published.

Reads the event's case as it is at `now`. Netizens are named only as publishers are named
everywhere (monitor/pipeline/group.publisher: public accounts and outlets); a message
board's writer and a caller (来信来电) are never named (举报人保密, reference/004_* 五).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import as_utc, beijing, fmt_remaining
from monitor.config.loader import AppConfig
from monitor.errors import NotFound
from monitor.pipeline.group import publisher
from monitor.reports.common import (
    cn_time,
    department_names,
    duration_text,
    grade_cell,
    percent,
)
from monitor.reports.document import (
    Bullets,
    Document,
    Facts,
    Paragraph,
    Section,
    Table,
)
from monitor.reports.spread import MEDIA, event_propagation, event_trend, when
from monitor.scoring.events import profile
from monitor.scoring.grade import one_line
from monitor.storage.models import Event, Mention, Transition
from monitor.storage.workflow import (
    CaseAction,
    Commitment,
    DisposalObligation,
    Draft,
    Judgment,
    Opinion,
)
from workflow.actions import ACTION_KINDS
from workflow.disposal import DISPOSAL_CLASSES
from workflow.review import LEVEL_NAMES
from workflow.states import STATES

DRAFT_KINDS = {"release": "新闻稿/权威信息", "reply": "答复"}
JUDGMENT_STATUS = {
    "draft": "待审批",
    "approved": "已批准",
    "returned": "已退回",
    "superseded": "已失效",
}


def _timeline(s: Session, ev: Event, ms: list[Mention]) -> Table:
    rows: list[tuple[datetime, str, str]] = []
    first = ms[0]
    rows.append((when(first), "首发", f"{publisher(first)}：{first.title}"))
    media = next((m for m in ms if m.kind in MEDIA and ev.origin_kind not in MEDIA), None)
    if media is not None:
        rows.append((when(media), "媒体跟进", f"{publisher(media)}：{media.title}"))
    rows.append((as_utc(ev.discovered_at), "监测发现", "系统发现并立案"))
    for t in s.scalars(
        select(Transition)
        .where(Transition.event_id == ev.id)
        .order_by(Transition.at, Transition.id)
    ):
        if t.from_state is None:
            continue
        what = f"{STATES.get(t.from_state, t.from_state)} → {STATES.get(t.to_state, t.to_state)}"
        rows.append((as_utc(t.at), "状态变更", what + (f"（{t.reason}）" if t.reason else "")))
    for a in s.scalars(select(CaseAction).where(CaseAction.event_id == ev.id)):
        rows.append((as_utc(a.at), ACTION_KINDS.get(a.kind, a.kind), a.note or "—"))
    rows.sort(key=lambda r: r[0])
    return Table(["时间", "节点", "情况"], [[cn_time(at), what, text] for at, what, text in rows])


def _judgment(s: Session, ev: Event) -> list[Section]:
    judgments = list(
        s.scalars(select(Judgment).where(Judgment.event_id == ev.id).order_by(Judgment.id))
    )
    opinions = list(
        s.scalars(select(Opinion).where(Opinion.event_id == ev.id).order_by(Opinion.id))
    )
    j = judgments[-1] if judgments else None
    if j is None:
        j_blocks: list = [Paragraph("尚未形成研判意见。")]
    else:
        facts = [
            ("性质", j.nature),
            (
                "处置类别",
                DISPOSAL_CLASSES[j.disposal_class].name
                if j.disposal_class in DISPOSAL_CLASSES
                else j.disposal_class,
            ),
            (
                "研判等级",
                grade_cell(j.grade)
                + (f"（调整理由：{j.grade_override_reason}）" if j.grade_override_reason else ""),
            ),
            ("处置建议", j.proposal),
            (
                "审批",
                JUDGMENT_STATUS.get(j.status, j.status)
                + (f"，{j.decided_by} {cn_time(j.decided_at)}" if j.decided_by else "")
                + (f"：{j.decision_note}" if j.decision_note else ""),
            ),
            ("研判人", f"{j.drafted_by}（{cn_time(j.drafted_at)}）"),
        ]
        j_blocks = [Facts(facts)]
        if len(judgments) > 1:
            j_blocks.append(
                Paragraph(
                    f"此前另有 {len(judgments) - 1} 份研判意见（已退回或已失效），见控制台。",
                    "note",
                )
            )
    o_table = Table(
        ["部门", "意见", "填写人", "时间"],
        [[o.department, o.text, o.actor, cn_time(o.at)] for o in opinions],
        empty="未组织会商或尚无会商意见。",
    )
    return [Section("研判意见", j_blocks), Section("会商意见", [o_table])]


def _handling(s: Session, ev: Event, now: datetime) -> tuple[list[Section], list[str]]:
    """What was done, what is due; and the next steps those open items call for."""
    todo: list[str] = []
    actions = list(
        s.scalars(select(CaseAction).where(CaseAction.event_id == ev.id).order_by(CaseAction.at))
    )
    clock_titles = {d.clock: d.title for d in ev.deadlines}
    done = Table(
        ["时间", "措施", "说明", "满足的时限", "办理人"],
        [
            [
                cn_time(a.at),
                ACTION_KINDS.get(a.kind, a.kind),
                a.note or "—",
                "、".join(clock_titles.get(c, c) for c in a.clocks_met or []) or "—",
                a.actor,
            ]
            for a in actions
        ],
        empty="尚未采取发布、发布会、答复或移交等措施。",
    )
    rows, marks = [], []
    for d in ev.deadlines:
        if d.superseded:
            state = "已由更严格的时限取代"
        elif d.met_at is not None:
            late = as_utc(d.met_at) - as_utc(d.due_at)
            state = (
                f"已按时完成（{cn_time(d.met_at)}）"
                if late.total_seconds() <= 0
                else f"逾期 {duration_text(late)} 完成"
            )
        else:
            state = fmt_remaining(d.due_at, now)
            if as_utc(d.due_at) > as_utc(now):
                todo.append(f"{cn_time(d.due_at)}前完成“{d.title}”（{state}）。")
            else:
                todo.append(f"“{d.title}”已超期，须立即办理并说明原因。")
        rows.append([d.title, cn_time(d.starts_at), cn_time(d.due_at), state])
        marks.append(
            "late"
            if (d.met_at is None and not d.superseded and as_utc(d.due_at) <= as_utc(now))
            else None
        )
    clocks = Table(
        ["时限", "起算", "截止", "情况"], rows, empty="本事件未触发法定回应时限。", marks=marks
    )
    items = []
    for o in s.scalars(
        select(DisposalObligation)
        .where(DisposalObligation.event_id == ev.id)
        .order_by(DisposalObligation.id)
    ):
        state = (
            f"已完成（{cn_time(o.fulfilled_at)}）"
            if o.fulfilled_at
            else fmt_remaining(o.due_at, now)
        )
        items.append(["处置义务", o.title, cn_time(o.due_at), state])
        if not o.fulfilled_at:
            todo.append(f"{cn_time(o.due_at)}前{o.title}。")
    for c in s.scalars(
        select(Commitment).where(Commitment.event_id == ev.id).order_by(Commitment.id)
    ):
        state = (
            f"已兑现（{cn_time(c.fulfilled_at)}）"
            if c.fulfilled_at
            else fmt_remaining(c.due_at, now)
        )
        items.append(["公开承诺", c.text, cn_time(c.due_at), state])
        if not c.fulfilled_at:
            todo.append(f"{cn_time(c.due_at)}前兑现承诺“{c.text}”并公开结果。")
    ledger = Table(["类别", "事项", "截止", "情况"], items, empty="无处置义务和公开承诺。")
    return [Section("已采取的措施", [done]), Section("时限与待办事项", [clocks, ledger])], todo


def _recommend(s: Session, ev: Event, todo: list[str]) -> list:
    approved = s.scalar(
        select(Judgment)
        .where(Judgment.event_id == ev.id, Judgment.status == "approved")
        .order_by(Judgment.id.desc())
    )
    pending = s.scalar(
        select(Judgment).where(Judgment.event_id == ev.id, Judgment.status == "draft")
    )
    items: list[str] = []
    if approved is not None:
        items.append(f"按经批准的处置建议办理：{approved.proposal}")
        if approved.disposal_class == "false_info":
            items.append("对涉嫌违法的虚假信息，及时移交公安机关、网络监管部门。")
    elif pending is not None:
        items.append("研判意见待领导审批，审批后方可开始处置（处置建议报批后实施）。")
    else:
        items.append("尽快组织相关部门会商，形成研判意见并报领导审批。")
    items += todo
    if ev.grade in ("I", "II"):
        items.append("特别重大、重大舆情由主要负责人牵头回应，做到不失声、不缺位。")
    items.append("发布内容须经拟稿人自审、保密员审查、单位负责人审批三级审查后发布。")
    return [Bullets(items)]


def _comments(reaction: dict | None) -> list:
    """网民评论: the comments' mix and their views, when comments were read."""
    if not reaction or not reaction["mix"]["read"]:
        return []
    mix = reaction["mix"]
    out: list = [
        Paragraph(
            f"已读取相关评论 {mix['read']:,} 条，其中负面 {mix['negative']:,} 条"
            f"（{mix['negative_pct']}%）。"
        )
    ]
    if reaction["views"]:
        out.append(
            Table(
                ["评论观点", "占比", "倾向", "示例（点赞最多）"],
                [
                    [
                        "、".join(v["words"]),
                        f"{v['share']}%（{v['count']} 条）",
                        v["tone"],
                        f"“{v['example']['text']}”（赞 {v['example']['likes']:,}）",
                    ]
                    for v in reaction["views"]
                ],
                caption="评论中的主要观点",
                nowrap=[1, 2],
            )
        )
    return out


def _reviews(s: Session, ev: Event) -> list:
    drafts = list(
        s.scalars(
            select(Draft)
            .where(Draft.event_id == ev.id)
            .options(selectinload(Draft.steps), selectinload(Draft.redactions))
            .order_by(Draft.id)
        )
    )
    rows = []
    for d in drafts:
        for st in d.steps:
            rows.append(
                [
                    f"#{d.id} {DRAFT_KINDS.get(d.kind, d.kind)} 第{st.revision}稿",
                    LEVEL_NAMES.get(st.level, st.level),
                    "通过" if st.approved else "退回",
                    st.note or "—",
                    st.actor,
                    cn_time(st.at),
                ]
            )
        for r in d.redactions:
            rows.append(
                [
                    f"#{d.id} 第{r.from_revision}稿",
                    "保密删改",
                    f"删除 {len(r.removed)} 字",
                    r.reason,
                    r.actor,
                    cn_time(r.at),
                ]
            )
        if d.published_at:
            rows.append(
                [
                    f"#{d.id} 第{d.revision}稿",
                    "发布",
                    "已发布",
                    "—",
                    d.published_by or "—",
                    cn_time(d.published_at),
                ]
            )
    published = [d for d in drafts if d.published_at]
    blocks: list = [
        Table(["稿件", "环节", "结果", "意见/理由", "办理人", "时间"], rows, empty="尚无送审稿件。")
    ]
    for d in published:
        blocks.append(
            Paragraph(
                f"已发布稿件 #{d.id}（{DRAFT_KINDS.get(d.kind, d.kind)}，"
                f"{cn_time(d.published_at)}）：{d.text}"
            )
        )
    return blocks


def build_special(session: Session, app: AppConfig, event_id: int, now: datetime) -> Document:
    ev = session.get(Event, event_id, options=[selectinload(Event.deadlines)])
    if ev is None:
        raise NotFound(f"事件 {event_id} 不存在。")
    negative_at = app.settings.scoring.sentiment.negative_at
    ms = sorted(
        session.scalars(
            select(Mention).options(selectinload(Mention.source)).where(Mention.event_id == ev.id)
        ),
        key=when,
    )
    depts = department_names(session)
    dept = depts.get(ev.department_id or 0, "未分派")
    negative = sum(1 for m in ms if (m.negative or 0) >= negative_at)
    state = STATES.get(ev.state, ev.state)
    facts = Facts(
        [
            ("事件", ev.title),
            ("等级", f"{grade_cell(ev.grade)}：{one_line(ev.grade_reasons or [])}"),
            ("状态", STATES.get(ev.state, ev.state)),
            (
                "责任部门",
                dept + (f"（会商：{'、'.join(ev.co_departments)}）" if ev.co_departments else ""),
            ),
            ("分派依据", "；".join(str(r) for r in ev.routing_reasons or []) or "—"),
            ("首发", f"{ev.first_source}（{cn_time(ev.first_published_at)}）"),
            ("发现时间", cn_time(ev.discovered_at, year=True)),
            (
                "信息量",
                f"{len(ms)} 条，来自 {len({m.source_id for m in ms})} 个来源；"
                f"负面 {negative} 条（{percent(negative, len(ms))}）",
            ),
            ("话题", "、".join(ev.topics or []) or "—"),
        ]
    )
    lead = (
        f"{cn_time(ev.discovered_at, year=True)}，监测发现“{ev.title}”相关信息，"
        f"首发于{ev.first_source}。截至{cn_time(now)}，共监测到相关信息 {len(ms)} 条，"
        f"负面占 {percent(negative, len(ms))}，研判等级为{grade_cell(ev.grade)}，"
        f"由{dept}负责办理，目前处于“{state}”阶段。"
    )
    spread: list = []
    path, trend = event_propagation(session, ev), event_trend(session, ev, negative_at)
    if path is not None and trend is not None:
        spread = [*path, trend]
    prof = (
        profile(session, ev, negative_at)
        if ms
        else {"views": [], "sentiment": {"negative": 0, "other": 0}}
    )
    views: list = [
        Paragraph(
            f"相关信息中负面 {prof['sentiment']['negative']} 条、"
            f"非负面 {prof['sentiment']['other']} 条。"
        ),
        Bullets(prof["views"]) if prof["views"] else Paragraph("暂无有代表性的网民观点。"),
        *_comments(prof.get("comments")),
    ]
    handling, todo = _handling(session, ev, now)
    sections = [
        Section("基本情况", [Paragraph(lead, "lead"), facts]),
        Section(
            "发展过程",
            [],
            [
                Section(
                    "时间线", [_timeline(session, ev, ms)] if ms else [Paragraph("无相关信息。")]
                ),
                Section("传播路径与走势", spread or [Paragraph("无相关信息。")]),
            ],
        ),
        Section("网民观点", views),
        Section("研判与会商", [], _judgment(session, ev)),
        Section("处置情况", [], handling),
        Section("处置建议", _recommend(session, ev, todo)),
        Section("发布审核记录", _reviews(session, ev)),
    ]
    b = beijing(now)
    return Document(
        kind="special",
        title="舆情专报",
        subtitle=ev.title,
        issuer=app.settings.service.digest.issuer,
        issued_at=now,
        period=f"截至 {cn_time(now, year=True)}（北京时间）",
        sections=sections,
        summary=f"{grade_cell(ev.grade)}，{state}，{dept}。",
        stem=f"舆情专报-事件{ev.id}-{b:%Y%m%d-%H%M}",
    )
