"""The analysis stage: score each stored mention, group it, open or update its case, alert."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.cases import SYSTEM, escalate_owner, open_case, refresh_clocks, return_to_judgment
from monitor.cases.deadlines import DeadlineBook
from monitor.clock import as_utc
from monitor.config.loader import AppConfig
from monitor.config.models import Settings
from monitor.config.types import at_least, grade_rank
from monitor.intake import assign_named_department
from monitor.notify import escalation
from monitor.notify.outbox import enqueue
from monitor.pipeline.batch import BatchEvents
from monitor.pipeline.group import add_to_event, age_hours, bridged, candidates_in, create_event
from monitor.scoring.comments import stale_events, sum_comments, with_comment_reason
from monitor.scoring.events import merge as merge_events
from monitor.scoring.grade import Reason, apply_floors, grade_for, grade_label, one_line
from monitor.scoring.heat import event_heat, picked_up
from monitor.scoring.scorer import MentionScore, Scorer
from monitor.scoring.spikes import BASELINE_HOURS, spike_reasons
from monitor.storage.db import Database
from monitor.storage.held import HeldCounts
from monitor.storage.models import Event, Mention

log = logging.getLogger(__name__)

# PostgreSQL advisory lock taken by each analysis batch ("yuqi"), see serialise().
ANALYSIS_LOCK = 0x79757169


def serialise(s: Session) -> None:
    """One analysis batch at a time across processes (the service's scheduler, a
    `yuqing crawl` analysing what it stored): a batch holds its events in memory until it
    commits, and two such batches adding to one event would overwrite each other's
    counts. SQLite has one writer, and the batch's first statement is a write (the claim),
    so it waits there; PostgreSQL waits on this lock, released when the batch commits."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_advisory_xact_lock(ANALYSIS_LOCK)))


@dataclass
class AnalysisReport:
    mentions: int = 0
    events_opened: int = 0
    grades_raised: int = 0
    events_merged: int = 0
    alerts: int = 0

    def add(self, other: AnalysisReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def analyse_pending(
    db: Database,
    app: AppConfig,
    scorer: Scorer,
    book: DeadlineBook,
    now: datetime,
    limit: int = 1000,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 500,
) -> AnalysisReport:
    report = AnalysisReport()
    with db.session() as s:
        ids = list(
            s.scalars(
                select(Mention.id)
                .where(Mention.analysed_at.is_(None))
                .order_by(Mention.fetched_at, Mention.id)
                .limit(limit)
            )
        )
    done = 0
    for start in range(0, len(ids), batch):
        # One transaction per batch: its claims, events, cases and alerts commit together
        # or not at all, so a crash loses nothing and repeats nothing. The batch reads its
        # events and their counts once and flushes once, at the end.
        part = ids[start : start + batch]
        with db.session() as s:
            serialise(s)
            claimed = set(
                s.scalars(
                    update(Mention)
                    .where(Mention.id.in_(part), Mention.analysed_at.is_(None))
                    .values(analysed_at=now)
                    .returning(Mention.id),
                    execution_options={"synchronize_session": False},
                )
            )
            loaded = {m.id: m for m in s.scalars(select(Mention).where(Mention.id.in_(claimed)))}
            mentions = [loaded[i] for i in part if i in loaded]
            pos = {m.id: k for k, m in enumerate(mentions)}
            held = HeldCounts(s, BASELINE_HOURS + 1)
            try:
                # scored first, for the terms the batch's events are read by; stored with
                # the mention when it is analysed, as one at a time would
                scores = [stored_score(m) or score_now(m, scorer) for m in mentions]
                index = BatchEvents(s, mentions, scores, app.settings.service.events)
                for mention_id in part:
                    m = loaded.get(mention_id)
                    if m is not None:
                        score = scores[pos[mention_id]]
                        if stored_score(m) is None:
                            store_score(m, score, held)
                        analyse_one(s, m, score, app, book, now, report, index, held)
                    done += 1
                    if progress:
                        progress(done, len(ids))
            finally:
                held.close()
    report.add(analyse_comments(db, app, scorer, book, now))
    return report


def score_now(m: Mention, scorer: Scorer) -> MentionScore:
    return scorer.score(
        m.title, m.text, m.reposts, m.comments, m.likes, m.source.tier, age_hours(m)
    )


def store_score(m: Mention, score: MentionScore, held: HeldCounts) -> None:
    """Keep the score on the mention (its topics' rows are rewritten at the next flush)."""
    held.topics_moved(m.published_at or m.fetched_at, list(m.topics or []), score.topics)
    m.negative = score.negative
    m.topics = score.topics
    m.categories = score.categories
    m.heat = score.heat
    m.grade = score.grade
    m.grade_reasons = score.reasons
    m.terms = score.terms


def analyse_one(
    s: Session,
    m: Mention,
    score: MentionScore,
    app: AppConfig,
    book: DeadlineBook,
    now: datetime,
    report: AnalysisReport,
    index: BatchEvents,
    held: HeldCounts,
) -> None:
    settings = app.settings
    report.mentions += 1

    ev, same_matter = bridged(candidates_in(index, m, score, settings.service.events))
    created = ev is None
    if ev is None:
        ev = create_event(s, m, score, now)
    old_grade = ev.grade
    for other in same_matter:
        # (a merge takes the higher grade: a rise is alerted below like any other)
        merge_events(s, ev, other, SYSTEM, settings, now, f"信息 #{m.id} 同属两个事件")
        index.merged(ev, other)
        held.forget(ev.id)
        held.forget(other.id)
        report.events_merged += 1
        log.info("事件 #%s 并入 #%s（信息 #%s 同属两者）：%s", other.id, ev.id, m.id, other.title)
    add_to_event(s, ev, m, score, settings.scoring.sentiment.negative_at, now, held)
    if (m.extra or {}).get("comments_read"):
        ev.comments_stale = True  # summed with the others after the batch
    index.joined(ev, m)
    regrade(ev, score, app, _spikes(held, ev, score, app))
    text = f"{m.title}\n{m.text}"
    if created:
        open_case(s, ev, settings, book, text, now)
        assign_named_department(s, ev, m)  # 来信来电 whose department the clerk named
        report.events_opened += 1
        report.alerts += len(enqueue(s, settings, "new_event", ev, now, key=f"new:{ev.id}"))
        _escalate_if_major(s, settings, ev, f"新发现{grade_label(ev.grade)}事件", now)
        log.info("新事件 #%s [%s级] %s", ev.id, ev.grade, ev.title)
    elif grade_rank(ev.grade) > grade_rank(old_grade):
        raised(s, ev, old_grade, settings, book, now, report)
    else:
        refresh_clocks(s, ev, book, now)


def raised(
    s: Session,
    ev: Event,
    old_grade: str,
    settings: Settings,
    book: DeadlineBook,
    now: datetime,
    report: AnalysisReport,
) -> None:
    """A grade that rose: the owner escalated, back to 研判 on the tighter clocks, alerted."""
    escalate_owner(ev, settings)
    rise = f"等级由{grade_label(old_grade)}升至{grade_label(ev.grade)}"
    reason = f"{rise}：{one_line(ev.grade_reasons)}"
    return_to_judgment(s, ev, SYSTEM, reason[:500], now, book=book)
    report.grades_raised += 1
    report.alerts += len(
        enqueue(
            s,
            settings,
            "grade_up",
            ev,
            now,
            key=f"grade:{ev.id}:{ev.grade}",
            extra={"old_grade": old_grade},
        )
    )
    _escalate_if_major(s, settings, ev, rise, now)
    log.info("事件 #%s 等级 %s → %s：%s", ev.id, old_grade, ev.grade, ev.title)


def analyse_comments(
    db: Database, app: AppConfig, scorer: Scorer, book: DeadlineBook, now: datetime
) -> AnalysisReport:
    """The events whose posts brought new comments: the comments scored and summed, the
    grade raised where they call for it (as a new mention would, with its alerts)."""
    report = AnalysisReport()
    settings = app.settings
    with db.session() as s:
        serialise(s)
        for ev in stale_events(s):
            old = sum_comments(
                s,
                ev,
                scorer.model,
                settings.scoring.sentiment.negative_at,
                settings.scoring.grading,
            )
            if grade_rank(ev.grade) > grade_rank(old):
                raised(s, ev, old, settings, book, now, report)
    return report


def stored_score(m: Mention) -> MentionScore | None:
    """The score a crawl stored with the mention (scoring/worker.py), if it did."""
    if m.grade is None or m.terms is None or m.negative is None:
        return None
    return MentionScore(
        negative=m.negative,
        topics=list(m.topics),
        categories=dict(m.categories),
        heat=m.heat,
        points=round(sum(r["points"] for r in m.grade_reasons), 1),
        grade=m.grade,
        reasons=list(m.grade_reasons),
        terms=list(m.terms),
    )


def _escalate_if_major(
    s: Session, settings: Settings, ev: Event, reason: str, now: datetime
) -> None:
    """Especially major and major events go to leadership at once (the policy's min_grade)."""
    policy = settings.channels.escalation
    if policy is not None and at_least(ev.grade, policy.min_grade):
        escalation.start(s, settings, ev, reason, now)


def _spikes(held: HeldCounts, ev: Event, score: MentionScore, app: AppConfig) -> list[Reason]:
    """Spike reasons for the event and for the mention's topics, up to the event's newest
    mention: listings come newest first, and an older post analysed last must not hide
    the burst the newer ones made."""
    until = as_utc(ev.last_mention_at)
    return spike_reasons(
        held.recent_counts(until, event_id=ev.id),
        _TopicCounts(held, until, score.topics),
        score.topics,
        app.settings.scoring.grading,
    )


class _TopicCounts(Mapping[str, list[int]]):
    """The topics' hourly counts, each counted when asked (the first spike ends the look)."""

    def __init__(self, held: HeldCounts, until: datetime, topics: list[str]) -> None:
        self.held, self.until, self.topics = held, until, topics

    def __getitem__(self, topic: str) -> list[int]:
        if topic not in self.topics:
            raise KeyError(topic)
        return self.held.recent_counts(self.until, topic=topic)

    def __iter__(self) -> Iterator[str]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)


def regrade(ev: Event, score: MentionScore, app: AppConfig, spikes: list[Reason]) -> None:
    """Event grade from its strongest mention, its heat (spread included) and the floors.

    It only ever rises: a quieter later mention never lowers what was already judged.
    """
    grading = app.settings.scoring.grading
    own = [r for r in score.reasons if r["factor"] != "heat"]
    own_points = sum(r["points"] for r in own)
    if ev.mention_count == 1 or own_points > ev.peak_points:
        ev.peak_points, ev.peak_reasons = own_points, own
    ev.peak_heat = max(ev.peak_heat, score.heat)
    pickup = picked_up(ev.origin_kind, ev.kinds)
    ev.heat = event_heat(
        ev.peak_heat, ev.source_count, ev.mention_count, grading.pickup_heat if pickup else 0
    )
    reasons = [Reason(r["factor"], r["text"], r["points"]) for r in ev.peak_reasons]
    spread = f"（{ev.source_count} 个来源，{ev.mention_count} 条）" if ev.mention_count > 1 else ""
    spread += "，媒体已跟进" if pickup else ""
    reasons.append(
        Reason("heat", f"热度 {ev.heat:.0f}{spread}", grading.heat_points_max * ev.heat / 100)
    )
    reasons += spikes
    reasons = with_comment_reason(reasons, ev, grading)
    grade = grade_for(sum(r.points for r in reasons), grading)
    grade, floor = apply_floors(grade, set(ev.categories), ev.heat, grading)
    if floor:
        reasons.append(floor)
    # Every input above only grows, so the reasons are always current; the grade keeps
    # the highest it has reached.
    ev.grade_reasons = [r.as_dict() for r in reasons]
    if ev.mention_count == 1 or grade_rank(grade) > grade_rank(ev.grade):
        ev.grade = grade
