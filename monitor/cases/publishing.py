"""Drafts, the three-level review (三级审查), redaction, publication and recorded actions.

Nothing is published until the drafter, the confidentiality officer and the leader have
approved the exact final text, in that order (reference/004_* 保密审查制度 第三条); the
rule itself is the pure function workflow.review.review_state. A recorded action meets
the event's open clocks (workflow.actions) and, where it is the follow-up a disposal
class obliges, fulfils that obligation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import Actor, actor_name, require_role
from monitor.cases.core import require_involved
from monitor.cases.judgment import audit
from monitor.errors import InvalidTransition, NotFound, YuqingError
from monitor.storage.models import Event
from monitor.storage.workflow import (
    CaseAction,
    DisposalObligation,
    Draft,
    Redaction,
    ReviewStep,
)
from workflow.actions import ACTION_KINDS, PUBLISHED_KINDS, clocks_met
from workflow.review import LEVEL_NAMES, LEVEL_ROLES, ReviewState, Step, check_step, text_hash
from workflow.review import review_state as pure_review_state

DRAFT_ROLES = ("handler", "office", "duty_officer")
ACTION_ROLES = ("handler", "office", "leader")  # press conference, transfer, …
ACT_STATES = ("responding", "transferred", "evaluating")
REDACTED = "■■"


def review_state(draft: Draft) -> ReviewState:
    steps = [Step(s.level, s.approved, s.text_hash, s.revision, s.publisher) for s in draft.steps]
    return pure_review_state(steps, draft.text_hash, draft.revision)


def create_draft(
    session: Session, event: Event, actor: Actor | str, now: datetime, kind: str, text: str
) -> Draft:
    require_role(actor, DRAFT_ROLES, "起草回应稿")
    _involved(session, actor, event.id)
    if kind not in PUBLISHED_KINDS:
        raise YuqingError(f"稿件类型应为 {'、'.join(sorted(PUBLISHED_KINDS))} 之一。")
    if not text.strip():
        raise YuqingError("稿件内容不能为空。")
    if event.state not in ("judged", *ACT_STATES):
        raise InvalidTransition("研判之后才能起草回应稿。")
    d = Draft(
        event_id=event.id,
        kind=kind,
        text=text.strip(),
        text_hash=text_hash(text.strip()),
        revision=1,
        created_by=actor_name(actor),
        created_at=now,
        updated_at=now,
    )
    session.add(d)
    session.flush()
    audit(session, now, actor_name(actor), "draft_created", "draft", d.id, event=event.id)
    return d


def _not_published(draft: Draft) -> None:
    if draft.published_at is not None:
        raise InvalidTransition(f"稿件 {draft.id} 已发布，不能再修改或审查。")


def edit_draft(
    session: Session, draft: Draft, actor: Actor | str, now: datetime, text: str
) -> Draft:
    """A new revision; any earlier approval no longer counts (the review restarts)."""
    require_role(actor, DRAFT_ROLES, "修改回应稿")
    _involved(session, actor, draft.event_id)
    return _revise(session, draft, actor_name(actor), now, text, "draft_edited")


def _revise(session: Session, draft: Draft, who: str, now: datetime, text: str, why: str) -> Draft:
    _not_published(draft)
    text = text.strip()
    if not text:
        raise YuqingError("稿件内容不能为空。")
    if text == draft.text:
        return draft
    draft.text, draft.text_hash = text, text_hash(text)
    draft.revision += 1
    draft.updated_at = now
    audit(session, now, who, why, "draft", draft.id, revision=draft.revision)
    session.flush()
    return draft


def _involved(session: Session, actor: Actor | str, event_id: int) -> None:
    if not isinstance(actor, str) and actor.role == "handler":
        event = session.get(Event, event_id)
        assert event is not None
        require_involved(session, actor, event)


def review(
    session: Session,
    draft: Draft,
    actor: Actor | str,
    now: datetime,
    level: str,
    approve: bool,
    note: str | None = None,
    publisher: str | None = None,
) -> ReviewState:
    """Record one review step on the draft's current text; returns where the review stands."""
    if level in LEVEL_ROLES:
        require_role(actor, LEVEL_ROLES[level], LEVEL_NAMES[level])
    _not_published(draft)
    problem = check_step(review_state(draft), level)
    if problem and approve:
        raise InvalidTransition(problem)
    note = (note or "").strip() or None
    if approve and level == "drafter" and not note:
        raise YuqingError("拟稿人自审须写明稿件性质（如：主动公开 / 依申请公开 / 不予公开）。")
    if approve and level == "leader" and not (publisher or "").strip():
        raise YuqingError("领导审批须指定发布人（publisher）。")
    if not approve and not note:
        raise YuqingError("退回修改须写明理由。")
    draft.steps.append(
        ReviewStep(
            level=level,
            approved=approve,
            text_hash=draft.text_hash,
            revision=draft.revision,
            note=note,
            publisher=(publisher or "").strip() or None if level == "leader" else None,
            actor=actor_name(actor),
            at=now,
        )
    )
    session.flush()
    audit(
        session,
        now,
        actor_name(actor),
        "review",
        "draft",
        draft.id,
        level=level,
        approved=approve,
        revision=draft.revision,
        note=note,
    )
    return review_state(draft)


def redact(
    session: Session, draft: Draft, actor: Actor | str, now: datetime, remove: str, reason: str
) -> Draft:
    """区分处理: the confidentiality officer removes a passage; kept, and the review restarts."""
    require_role(actor, LEVEL_ROLES["confidentiality"], "删除涉密或隐私内容")
    _not_published(draft)
    if not remove or remove not in draft.text:
        raise YuqingError("要删除的内容在稿件中找不到。")
    if not reason.strip():
        raise YuqingError("删除内容须写明理由（国家秘密、商业秘密或个人隐私等）。")
    draft.redactions.append(
        Redaction(
            removed=remove,
            replacement=REDACTED,
            reason=reason.strip(),
            from_revision=draft.revision,
            text_before=draft.text,
            actor=actor_name(actor),
            at=now,
        )
    )
    return _revise(
        session, draft, actor_name(actor), now, draft.text.replace(remove, REDACTED), "redacted"
    )


def _fulfil(
    session: Session, event: Event, by: str, ids: list[int], action: CaseAction, now: datetime
) -> list[DisposalObligation]:
    open_ones = session.scalars(
        select(DisposalObligation).where(
            DisposalObligation.event_id == event.id,
            DisposalObligation.fulfilled_at.is_(None),
            DisposalObligation.by == by,
        )
    ).all()
    chosen = [o for o in open_ones if o.id in ids] if ids else list(open_ones)
    missing = set(ids) - {o.id for o in chosen}
    if missing:
        raise NotFound(f"没有可由此完成的未完成处置义务：{'、'.join(map(str, sorted(missing)))}。")
    for o in chosen:
        o.fulfilled_at, o.action_id = now, action.id
        if now > o.due_at and o.breached_at is None:
            o.breached_at = now  # late: kept for the assessment (考核)
    return chosen


def _act(
    session: Session,
    event: Event,
    kind: str,
    who: str,
    now: datetime,
    draft: Draft | None,
    note: str | None,
) -> CaseAction:
    if event.state not in ACT_STATES:
        raise InvalidTransition("研判意见经审批、事件进入处置阶段后才能发布或记录处置行动。")
    open_clocks = [d for d in event.deadlines if not d.superseded and d.met_at is None]
    met = clocks_met(kind, [d.clock for d in open_clocks])
    action = CaseAction(
        event_id=event.id,
        kind=kind,
        draft_id=draft.id if draft else None,
        note=note,
        clocks_met=met,
        actor=who,
        at=now,
    )
    session.add(action)
    session.flush()
    for d in open_clocks:
        if d.clock in met:
            d.met_at, d.met_by = now, f"{ACTION_KINDS[kind]}（{who}，记录 #{action.id}）"
            if now > d.due_at and d.breached_at is None:
                d.breached_at = now  # met late: the miss stays on record
    audit(
        session,
        now,
        who,
        "action",
        "event",
        event.id,
        kind=kind,
        action_id=action.id,
        clocks_met=met,
        draft=draft.id if draft else None,
    )
    return action


def publish(
    session: Session,
    draft: Draft,
    actor: Actor | str,
    now: datetime,
    fulfils: list[int] | None = None,
) -> CaseAction:
    """Publish the draft: only its approved final text, only by the publisher the leader named."""
    _not_published(draft)
    state = review_state(draft)
    if not state.publishable:
        done = "、".join(LEVEL_NAMES[x] for x in state.approved_levels) or "无"
        raise InvalidTransition(
            f"稿件 {draft.id} 未通过三级审查，不能发布：已通过 {done}；"
            f"下一步：{LEVEL_NAMES[state.next_level or 'drafter']}。"
        )
    who = actor_name(actor)
    if isinstance(actor, str) or (who != state.publisher and actor.role != "admin"):
        raise InvalidTransition(f"领导指定的发布人是 {state.publisher}，应由其发布。")
    event = session.get(Event, draft.event_id)
    assert event is not None
    action = _act(session, event, draft.kind, who, now, draft, None)
    draft.published_at, draft.published_by = now, who
    if fulfils:
        _fulfil(session, event, "publication", fulfils, action, now)
    session.flush()
    return action


def record_action(
    session: Session,
    event: Event,
    actor: Actor | str,
    now: datetime,
    kind: str,
    note: str,
) -> CaseAction:
    """A press conference held or a transfer made (no text of ours is published by it)."""
    require_role(actor, ACTION_ROLES, "记录处置行动")
    _involved(session, actor, event.id)
    if kind not in ACTION_KINDS or kind in PUBLISHED_KINDS:
        allowed = "、".join(k for k in ACTION_KINDS if k not in PUBLISHED_KINDS)
        raise YuqingError(f"行动类型应为 {allowed} 之一；发布稿件请用 publish。")
    if not note.strip():
        raise YuqingError("请写明行动情况（如发布会时间地点、移交单位和文号）。")
    action = _act(session, event, kind, actor_name(actor), now, None, note.strip())
    if kind == "transfer":
        _fulfil(session, event, "transfer", [], action, now)
    session.flush()
    return action


def get_draft(session: Session, draft_id: int) -> Draft:
    d = session.get(Draft, draft_id)
    if d is None:
        raise NotFound(f"稿件 {draft_id} 不存在。")
    return d
