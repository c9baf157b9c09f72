"""Tables of the response workflow: judgments, consultation opinions, drafts and their
three-level review with redactions, recorded actions that meet clocks, disposal
obligations, and the commitments ledger (承诺台账)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.storage.models import Base


class Judgment(Base):
    """研判: nature, disposal class, risk grade (a person may override it), proposal."""

    __tablename__ = "judgments"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    nature: Mapped[str] = mapped_column(Text)
    disposal_class: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(4))
    grade_override_reason: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text)
    # draft | approved | returned | superseded (a newer judgment or a rise in grade)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class Opinion(Base):
    """会商: one department's opinion on the event."""

    __tablename__ = "consultation_opinions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class Draft(Base):
    """A text meant for publication (release or reply); published only after review."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(100))
    steps: Mapped[list[ReviewStep]] = relationship(
        order_by="ReviewStep.id", cascade="all, delete-orphan"
    )
    redactions: Mapped[list[Redaction]] = relationship(
        order_by="Redaction.id", cascade="all, delete-orphan"
    )


class ReviewStep(Base):
    __tablename__ = "review_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    approved: Mapped[bool] = mapped_column(Boolean)
    text_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class Redaction(Base):
    """区分处理: what the confidentiality officer removed, kept with the reason."""

    __tablename__ = "redactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    removed: Mapped[str] = mapped_column(Text)
    replacement: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    from_revision: Mapped[int] = mapped_column(Integer)
    # the draft's text the removal was made on (NULL for redactions made before 0012)
    text_before: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class CaseAction(Base):
    """A recorded action (release published, conference held, reply sent, transfer)."""

    __tablename__ = "case_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    note: Mapped[str | None] = mapped_column(Text)
    clocks_met: Mapped[list[Any]] = mapped_column(default=list)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class DisposalObligation(Base):
    __tablename__ = "disposal_obligations"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    judgment_id: Mapped[int] = mapped_column(ForeignKey("judgments.id"))
    key: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    by: Mapped[str] = mapped_column(String(20))  # publication | transfer
    due_at: Mapped[datetime]
    fallback_calendar: Mapped[bool] = mapped_column(Boolean, default=False)
    fulfilled_at: Mapped[datetime | None]
    action_id: Mapped[int | None] = mapped_column(ForeignKey("case_actions.id"))
    breached_at: Mapped[datetime | None]


class Commitment(Base):
    """承诺台账: a public commitment, closed only with its published fulfilment."""

    __tablename__ = "commitments"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))  # where it was made
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    fulfilled_at: Mapped[datetime | None]
    fulfilment_draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    breached_at: Mapped[datetime | None]
