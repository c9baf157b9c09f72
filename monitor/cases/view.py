"""A case as people read it: judgment, opinions, drafts and their review, actions,
obligations, commitments and clocks; one dict for the CLI and the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cases.commitments import commitment_status
from monitor.cases.publishing import review_state
from monitor.storage.models import Event
from monitor.storage.workflow import (
    CaseAction,
    Commitment,
    DisposalObligation,
    Draft,
    Judgment,
    Opinion,
)
from monitor.views import deadline_view
from workflow.actions import ACTION_KINDS
from workflow.disposal import DISPOSAL_CLASSES
from workflow.review import LEVEL_NAMES
from workflow.states import STATES, TRANSITIONS


def _rows(session: Session, model: Any, event: Event) -> list[Any]:
    return list(session.scalars(select(model).where(model.event_id == event.id).order_by(model.id)))


def judgment_view(j: Judgment) -> dict[str, Any]:
    return {
        "id": j.id,
        "nature": j.nature,
        "disposal_class": j.disposal_class,
        "disposal_class_label": DISPOSAL_CLASSES[j.disposal_class].name,
        "grade": j.grade,
        "grade_override_reason": j.grade_override_reason,
        "proposal": j.proposal,
        "status": j.status,
        "drafted_by": j.drafted_by,
        "drafted_at": j.drafted_at,
        "decided_by": j.decided_by,
        "decided_at": j.decided_at,
        "decision_note": j.decision_note,
    }


def draft_view(d: Draft) -> dict[str, Any]:
    state = review_state(d)
    return {
        "id": d.id,
        "kind": d.kind,
        "text": d.text,
        "revision": d.revision,
        "created_by": d.created_by,
        "published_at": d.published_at,
        "published_by": d.published_by,
        "review": {
            "approved": list(state.approved_levels),
            "next": state.next_level,
            "next_label": LEVEL_NAMES[state.next_level] if state.next_level else None,
            "publishable": state.publishable,
            "publisher": state.publisher,
        },
        "steps": [
            {
                "level": s.level,
                "level_label": LEVEL_NAMES.get(s.level, s.level),
                "approved": s.approved,
                "revision": s.revision,
                "note": s.note,
                "publisher": s.publisher,
                "actor": s.actor,
                "at": s.at,
            }
            for s in d.steps
        ],
        "redactions": [
            {"removed": r.removed, "reason": r.reason, "actor": r.actor, "at": r.at}
            for r in d.redactions
        ],
    }


def commitment_view(c: Commitment, now: datetime) -> dict[str, Any]:
    return {
        "id": c.id,
        "event_id": c.event_id,
        "text": c.text,
        "due_at": c.due_at,
        "status": commitment_status(c, now),
        "made_in_draft": c.draft_id,
        "fulfilled_at": c.fulfilled_at,
        "fulfilment_draft": c.fulfilment_draft_id,
        "late": c.breached_at is not None,
    }


def case_view(session: Session, event: Event, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "title": event.title,
        "state": event.state,
        "state_label": STATES[event.state],
        "grade": event.grade,
        "department": event.department.code if event.department else None,
        "co_departments": list(event.co_departments or []),
        "owner": event.owner,
        "allowed_transitions": list(TRANSITIONS[event.state]),
        "judgments": [judgment_view(j) for j in _rows(session, Judgment, event)],
        "opinions": [
            {"department": o.department, "text": o.text, "actor": o.actor, "at": o.at}
            for o in _rows(session, Opinion, event)
        ],
        "drafts": [draft_view(d) for d in _rows(session, Draft, event)],
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "kind_label": ACTION_KINDS.get(a.kind, a.kind),
                "draft_id": a.draft_id,
                "note": a.note,
                "clocks_met": list(a.clocks_met or []),
                "actor": a.actor,
                "at": a.at,
            }
            for a in _rows(session, CaseAction, event)
        ],
        "obligations": [
            {
                "id": o.id,
                "title": o.title,
                "by": o.by,
                "due_at": o.due_at,
                "fulfilled_at": o.fulfilled_at,
                "late": o.breached_at is not None,
            }
            for o in _rows(session, DisposalObligation, event)
        ],
        "commitments": [commitment_view(c, now) for c in _rows(session, Commitment, event)],
        "deadlines": [deadline_view(d, now) for d in event.deadlines],
    }
