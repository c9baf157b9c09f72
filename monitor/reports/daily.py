"""舆情日报: the 24 h before the digest time, as the office circulates it each morning.

The digest dated D covers [D-1 at, D at) Beijing time, `at` being service.yaml
`digest.at` (08:00). Mentions are counted by when they were collected (fetched_at): that
is when the agency knew of them. Clocks, obligations and commitments are read as of the end
of the window (a clock met after it shows as still open), so re-making an old digest gives
the picture the office had that morning; event states are as they are now.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from monitor.clock import beijing
from monitor.collection.health import FAILING, NEVER, SILENT, source_rows
from monitor.config.loader import AppConfig
from monitor.config.types import GRADE_NAMES, GRADES
from monitor.reports.common import (
    KIND_NAMES,
    ROWS_SHOWN,
    Link,
    Window,
    at_beijing,
    change,
    change_phrase,
    cn_date,
    cn_period,
    cn_time,
    deadline_cell,
    department_names,
    grade_cell,
    more_rows,
    percent,
)
from monitor.reports.daily_due import clocks_section, departments_section, ledger_section
from monitor.reports.document import (
    Chart,
    Document,
    Paragraph,
    Section,
    Series,
    Table,
)
from monitor.scoring.grade import one_line
from monitor.storage.models import Deadline, Event, Mention
from workflow.states import OPEN_STATES, STATES

OPEN = sorted(OPEN_STATES)
GRADE_ORDER = case({g: i for i, g in enumerate(GRADES)}, value=Event.grade)


def window_for(day: date, at: str) -> Window:
    """The digest dated `day`: the 24 h up to `day` at `at` (Beijing time). A digest made
    before its period ends (on demand, today) counts what has come in so far."""
    end = at_beijing(day, at)
    return Window(end - timedelta(days=1), end)


def digest_day_for(at: str, moment: datetime) -> date:
    """The digest whose 24 h hold `moment`: today's before `at`, tomorrow's from then on."""
    today = beijing(moment).date()
    return today if moment < at_beijing(today, at) else today + timedelta(days=1)


def _counts(s: Session, w: Window, negative_at: float) -> dict[str, tuple[int, int]]:
    """kind -> (mentions, negative) collected in the window."""
    rows = s.execute(
        select(
            Mention.kind,
            func.count(Mention.id),
            func.sum(case((Mention.negative >= negative_at, 1), else_=0)),
        )
        .where(Mention.fetched_at >= w.start, Mention.fetched_at < w.end)
        .group_by(Mention.kind)
    ).all()
    return {kind: (int(n), int(neg or 0)) for kind, n, neg in rows}


def _hourly(s: Session, w: Window, negative_at: float) -> tuple[list[int], list[int]]:
    """Mentions and negative mentions per hour of the window (24 slots)."""
    total, negative = [0] * 24, [0] * 24
    rows = s.execute(
        select(Mention.fetched_at, Mention.negative).where(
            Mention.fetched_at >= w.start, Mention.fetched_at < w.end
        )
    )
    for at, neg in rows:
        i = min(23, int((at - w.start).total_seconds() // 3600))
        total[i] += 1
        negative[i] += 1 if (neg or 0) >= negative_at else 0
    return total, negative


def _overview(s: Session, app: AppConfig, w: Window) -> tuple[Section, dict[str, int]]:
    negative_at = app.settings.scoring.sentiment.negative_at
    now, before = _counts(s, w, negative_at), _counts(s, w.before(), negative_at)
    kinds = [k for k in KIND_NAMES if k in now or k in before]
    kinds += sorted(k for k in {*now, *before} if k not in kinds)
    rows, marks = [], []
    for k in kinds:
        n, neg = now.get(k, (0, 0))
        rows.append(
            [
                KIND_NAMES.get(k, k),
                str(n),
                change(n, before.get(k, (0, 0))[0]),
                str(neg),
                percent(neg, n),
            ]
        )
        marks.append(None)
    total = sum(n for n, _ in now.values())
    total_before = sum(n for n, _ in before.values())
    negative = sum(neg for _, neg in now.values())
    negative_before = sum(neg for _, neg in before.values())
    if rows:
        rows.append(
            [
                "合计",
                str(total),
                change(total, total_before),
                str(negative),
                percent(negative, total),
            ]
        )
        marks.append("total")
    hourly, hourly_neg = _hourly(s, w, negative_at)
    start_hour = beijing(w.start).hour
    labels = [f"{(start_hour + i) % 24:02d}时" for i in range(24)]
    share: list[float | None] = [
        round(n * 100 / t, 1) if t else None for n, t in zip(hourly_neg, hourly, strict=True)
    ]
    chart = Chart(
        title="各时段信息量与负面占比",
        labels=labels,
        series=[
            Series("信息量（条）", [float(x) for x in hourly], "bar", "left", "条"),
            Series("负面占比", share, "line", "right", "%"),
        ],
        label_every=3,
        alt="；".join(f"{lb} {n} 条" for lb, n in zip(labels, hourly, strict=True) if n)
        or "本时段无信息。",
    )
    sec = Section(
        "总体情况",
        [
            Table(
                ["来源类型", "信息量", "较前一时段", "负面", "负面占比"],
                rows,
                empty="本时段未监测到相关信息。",
                marks=marks,
            ),
            chart,
        ],
    )
    figures = {
        "total": total,
        "total_before": total_before,
        "negative": negative,
        "negative_before": negative_before,
    }
    return sec, figures


def _next_deadline(e: Event, as_of: datetime) -> Deadline | None:
    return next(
        (d for d in e.deadlines if not d.superseded and (d.met_at is None or d.met_at > as_of)),
        None,
    )


def _event_table(
    events: list[Event], total: int, depts: dict[int, str], url: str, as_of: datetime, empty: str
) -> list:
    rows, marks = [], []
    for e in events:
        nxt = _next_deadline(e, as_of)
        rows.append(
            [
                grade_cell(e.grade),
                Link(e.title, f"{url}/events/{e.id}"),
                STATES.get(e.state, e.state),
                depts.get(e.department_id or 0, "未分派"),
                deadline_cell(nxt, as_of),
                one_line(e.grade_reasons or []),
            ]
        )
        marks.append("late" if nxt is not None and nxt.due_at <= as_of else f"grade-{e.grade}")
    blocks: list = [
        Table(
            ["等级", "事件", "状态", "责任部门", "下一时限", "研判依据"],
            rows,
            empty=empty,
            marks=marks,
            nowrap=[0, 2],
        )
    ]
    note = more_rows(total, len(events))
    if note:
        blocks.append(Paragraph(note, "note"))
    return blocks


def _some_events(s: Session, where: tuple, then: object) -> tuple[dict[str, int], list[Event]]:
    """How many events match `where` per grade, and the most severe ROWS_SHOWN of them
    (then ordered by `then`), with their clocks."""
    by_grade = dict(
        s.execute(
            select(Event.grade, func.count(Event.id)).where(*where).group_by(Event.grade)
        ).all()
    )
    shown = s.scalars(
        select(Event)
        .where(*where)
        .options(selectinload(Event.deadlines))
        .order_by(GRADE_ORDER, then, Event.id)
        .limit(ROWS_SHOWN)
    )
    return by_grade, list(shown)


def _events(
    s: Session, app: AppConfig, w: Window, depts: dict[int, str]
) -> tuple[Section, dict[str, int]]:
    url = app.settings.service.web.public_url.rstrip("/")
    # a merged event is counted in the one it went into
    new_where = (
        Event.discovered_at >= w.start,
        Event.discovered_at < w.end,
        Event.state != "merged",
    )
    new_by_grade, new = _some_events(s, new_where, Event.heat.desc())
    new_total = sum(new_by_grade.values())
    ongoing_where = (Event.discovered_at < w.start, Event.state.in_(OPEN))
    ongoing_by_grade, ongoing = _some_events(s, ongoing_where, Event.last_mention_at.desc())
    ongoing_total = sum(ongoing_by_grade.values())
    chart = Chart(
        title="舆情事件等级分布",
        labels=[f"{GRADE_NAMES[g]}（{g}级）" for g in GRADES],
        series=[
            Series(
                "新增事件", [float(new_by_grade.get(g, 0)) for g in GRADES], "bar", "left", "起"
            ),
            Series(
                "持续事件", [float(ongoing_by_grade.get(g, 0)) for g in GRADES], "bar", "left", "起"
            ),
        ],
        alt="；".join(
            f"{GRADE_NAMES[g]} 新增 {new_by_grade.get(g, 0)} 起、"
            f"持续 {ongoing_by_grade.get(g, 0)} 起"
            for g in GRADES
        ),
    )
    as_of = w.at
    sec = Section(
        "舆情事件",
        [chart],
        [
            Section(
                "新增事件",
                _event_table(new, new_total, depts, url, as_of, "本时段无新增舆情事件。"),
            ),
            Section(
                "持续关注事件",
                _event_table(
                    ongoing, ongoing_total, depts, url, as_of, "无此前发现、仍在办理的事件。"
                ),
            ),
        ],
    )
    figures = {"new": new_total, "ongoing": ongoing_total} | {
        f"new_{g}": new_by_grade.get(g, 0) for g in GRADES
    }
    return sec, figures


def _top_mentions(s: Session, app: AppConfig, w: Window) -> Section:
    negative_at = app.settings.scoring.sentiment.negative_at
    rows = s.scalars(
        select(Mention)
        .options(selectinload(Mention.source))
        .where(Mention.fetched_at >= w.start, Mention.fetched_at < w.end)
        .order_by(Mention.heat.desc(), Mention.id)
        .limit(10)
    ).all()
    table = Table(
        ["标题", "来源", "发布时间", "倾向", "热度", "转评赞"],
        [
            [
                Link(m.title or (m.text or "")[:40], m.url),
                m.site or (m.source.title if m.source else ""),
                cn_time(m.published_at or m.fetched_at),
                "—" if m.negative is None else ("负面" if m.negative >= negative_at else "非负面"),
                f"{m.heat or 0:.0f}",
                f"{m.reposts}/{m.comments}/{m.likes}",
            ]
            for m in rows
        ],
        empty="本时段无相关信息。",
    )
    return Section("重点信息", [table])


def _sources(s: Session, app: AppConfig, now: datetime) -> tuple[Section, int]:
    rows = [r for r in source_rows(s, app.settings, now) if r["enabled"] or r["kind"] != "manual"]
    problems = [r for r in rows if r["status"] in (FAILING, SILENT, NEVER) and r["enabled"]]
    table = Table(
        ["信息源", "状态", "原因", "最近成功", "最近错误"],
        [
            [
                r["title"],
                r["status"],
                r["reason"] or "—",
                cn_time(r["last_success_at"]),
                r["last_error"] or "—",
            ]
            for r in problems
        ],
        empty=f"{len(rows)} 个信息源运行正常。",
        marks=["late" if r["status"] == FAILING else None for r in problems],
    )
    return Section("信息源运行情况", [table]), len(problems)


def build_daily(session: Session, app: AppConfig, day: date, now: datetime) -> Document:
    """The digest dated `day`; `now` only stamps when it was made and reads source health."""
    w = window_for(day, app.settings.service.digest.at)
    w = Window(w.start, w.end, as_of=min(w.end, now))
    depts = department_names(session)
    overview, f = _overview(session, app, w)
    events, fe = _events(session, app, w, depts)
    clocks, fc = clocks_section(session, app, w, day)
    ledger, fl = ledger_section(session, app, w, day)
    sources, problems = _sources(session, app, now)
    grades = "、".join(f"{GRADE_NAMES[g]} {fe[f'new_{g}']} 起" for g in GRADES if fe[f"new_{g}"])
    if f["total"] == 0 and fe["new"] == 0:
        head = "本时段未监测到相关信息，无新增舆情事件；"
    else:
        head = (
            f"本时段共监测到相关信息 {f['total']} 条（"
            f"{change_phrase(f['total'], f['total_before'])}），其中负面 {f['negative']} 条，"
            f"占 {percent(f['negative'], f['total'])}；新增舆情事件 {fe['new']} 起"
            + (f"（{grades}）" if grades else "")
            + "；"
        )
    lead = (
        head + f"持续关注事件 {fe['ongoing']} 起；回应时限已超期 {fc['breached']} 项、"
        f"今日到期 {fc['due_today']} 项；到期或超期的处置义务 {fl['obligations']} 项、"
        f"承诺 {fl['commitments']} 项；"
        + (f"{problems} 个信息源运行异常。" if problems else "各信息源运行正常。")
    )
    overview.blocks.insert(0, Paragraph(lead, "lead"))
    summary = (
        f"信息 {f['total']} 条（负面 {f['negative']} 条），"
        f"新增事件 {fe['new']} 起，"
        f"超期时限 {fc['breached']} 项，今日到期 {fc['due_today']} 项。"
    )
    return Document(
        kind="daily",
        title="舆情日报",
        subtitle=cn_date(day),
        issuer=app.settings.service.digest.issuer,
        issued_at=now,
        period=cn_period(w),
        sections=[
            overview,
            events,
            _top_mentions(session, app, w),
            clocks,
            ledger,
            departments_section(session, w),
            sources,
        ],
        summary=summary,
        stem=f"舆情日报-{day.isoformat()}",
    )
