"""The commitments ledger (承诺台账): public commitments, reminded like deadlines, closed only
with their published fulfilment, and listed for the assessment (reference/002_* (三)7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.actors import Actor, actor_name, require_role
from monitor.cases.judgment import audit
from monitor.errors import InvalidTransition, NotFound, YuqingError
from monitor.storage.workflow import Commitment, Draft

LEDGER_ROLES = ("handler", "office")


def add_commitment(
    session: Session, draft: Draft, actor: Actor | str, now: datetime, text: str, due_at: datetime
) -> Commitment:
    """Enter a commitment made in the published response `draft`."""
    require_role(actor, LEDGER_ROLES, "登记承诺")
    if draft.published_at is None:
        raise InvalidTransition(f"稿件 {draft.id} 尚未发布：承诺须出自已发布的回应。")
    if not text.strip():
        raise YuqingError("承诺内容不能为空。")
    if due_at <= draft.published_at:
        raise YuqingError("承诺的兑现期限应晚于回应发布时间。")
    c = Commitment(
        event_id=draft.event_id,
        draft_id=draft.id,
        text=text.strip(),
        due_at=due_at,
        created_by=actor_name(actor),
        created_at=now,
    )
    session.add(c)
    session.flush()
    audit(session, now, actor_name(actor), "commitment", "event", draft.event_id, commitment=c.id)
    return c


def fulfil_commitment(
    session: Session, commitment: Commitment, fulfilment: Draft, actor: Actor | str, now: datetime
) -> Commitment:
    """Close a commitment with the published text that fulfils it; nothing else closes it."""
    require_role(actor, LEDGER_ROLES, "销号承诺")
    if commitment.fulfilled_at is not None:
        raise InvalidTransition(f"承诺 {commitment.id} 已于此前销号。")
    if fulfilment.published_at is None:
        raise InvalidTransition(f"稿件 {fulfilment.id} 尚未发布：承诺只能以已发布的兑现情况销号。")
    if fulfilment.event_id != commitment.event_id or fulfilment.id == commitment.draft_id:
        raise YuqingError("兑现稿件须是同一事件在作出承诺之后另行发布的稿件。")
    commitment.fulfilled_at = fulfilment.published_at
    commitment.fulfilment_draft_id = fulfilment.id
    if commitment.fulfilled_at > commitment.due_at and commitment.breached_at is None:
        commitment.breached_at = now  # fulfilled late: kept for the assessment
    audit(
        session,
        now,
        actor_name(actor),
        "commitment_fulfilled",
        "event",
        commitment.event_id,
        commitment=commitment.id,
        draft=fulfilment.id,
    )
    session.flush()
    return commitment


def get_commitment(session: Session, commitment_id: int) -> Commitment:
    c = session.get(Commitment, commitment_id)
    if c is None:
        raise NotFound(f"承诺 {commitment_id} 不存在。")
    return c


def ledger(session: Session, open_only: bool = False) -> list[Commitment]:
    query = select(Commitment).order_by(Commitment.due_at, Commitment.id)
    if open_only:
        query = query.where(Commitment.fulfilled_at.is_(None))
    return list(session.scalars(query))


def commitment_status(c: Commitment, now: datetime) -> str:
    if c.fulfilled_at is not None:
        return "逾期兑现" if c.breached_at else "已兑现"
    return "已逾期" if now >= c.due_at else "待兑现"
