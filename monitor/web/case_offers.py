"""Which case actions the event page offers the current user: those the service layer
(monitor.cases) would accept from this role, on this event, in its current state, and
no other. The rules are read from the same constants the services check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.accounts.users import ROLES
from monitor.cases.commitments import LEDGER_ROLES
from monitor.cases.judgment import JUDGE_ROLES, OPINION_ROLES
from monitor.cases.publishing import ACT_STATES, DRAFT_ROLES
from monitor.cases.reassign import REASSIGN_ROLES
from monitor.storage.models import Department, Event, User
from monitor.web.auth import Principal
from workflow.actions import ACTION_KINDS, PUBLISHED_KINDS, clocks_met
from workflow.review import LEVEL_ROLES
from workflow.states import OPEN_STATES

# record_action's roles (monitor/cases/publishing.py)
ACTION_ROLES = ("handler", "office", "leader")
OPINION_STATES = ("collected", "consulting", "judged")
DRAFT_STATES = ("judged", *ACT_STATES)
REVIEW_ROLES = tuple(sorted({r for roles in LEVEL_ROLES.values() for r in roles}))


def _opinion_departments(user: Principal, event: Event) -> list[str]:
    involved = [c for c in (event.department.code if event.department else None,) if c]
    involved += [c for c in event.co_departments or [] if c not in involved]
    if user.role == "handler":
        return [c for c in involved if c == user.department_code]
    return involved


def _draft_offers(
    user: Principal, event: Event, case: dict[str, Any], d: dict[str, Any]
) -> dict[str, Any]:
    review = d["review"]
    unpublished = d["published_at"] is None
    level = review["next"] if unpublished else None
    open_clocks = [c for c in case["deadlines"] if c["status"] in ("open", "breached")]
    meets = set(clocks_met(d["kind"], [c["clock"] for c in open_clocks]))
    may_publish = (
        unpublished
        and review["publishable"]
        and event.state in ACT_STATES
        and (user.name == review["publisher"] or user.role == "admin")
    )
    return {
        "edit": unpublished and user.may(*DRAFT_ROLES),
        "review": level if level and user.may(*LEVEL_ROLES[level]) else None,
        "redact": unpublished and user.may(*LEVEL_ROLES["confidentiality"]),
        "publish": may_publish,
        "meets": [c for c in open_clocks if c["clock"] in meets],
        "obligations": [
            o for o in case["obligations"] if o["fulfilled_at"] is None and o["by"] == "publication"
        ],
        "commit": d["published_at"] is not None and user.may(*LEDGER_ROLES),
    }


def publishers(session: Session) -> list[dict[str, str]]:
    """Whom a leader may name as publisher: every console user, by login name."""
    rows = session.execute(select(User.name, User.display_name, User.role).order_by(User.id))
    return [
        {"name": n, "label": f"{dn}（{ROLES.get(r, r)}，{n}）"} for n, dn, r in rows if r in ROLES
    ]


def reassign_targets(session: Session, event: Event) -> list[tuple[str, str]]:
    """(code, name) of every department but the current lead, as the 改派 select lists them."""
    rows = session.execute(select(Department.code, Department.name).order_by(Department.id))
    lead = event.department.code if event.department else None
    return [(code, name) for code, name in rows if code != lead]


def offers(session: Session, user: Principal, event: Event, case: dict[str, Any]) -> dict[str, Any]:
    """What to show: one key per form; falsy means the form is not on the page."""
    pending = [j for j in case["judgments"] if j["status"] == "draft"]
    published = [d for d in case["drafts"] if d["published_at"] is not None]
    ledger = user.may(*LEDGER_ROLES)
    fulfil: dict[int, list[dict[str, Any]]] = {}
    if ledger:
        for c in case["commitments"]:
            if c["fulfilled_at"] is None:
                fulfil[c["id"]] = [d for d in published if d["id"] != c["made_in_draft"]]
    drafts = {d["id"]: _draft_offers(user, event, case, d) for d in case["drafts"]}
    acting = event.state in ACT_STATES and user.may(*ACTION_ROLES)
    result = {
        "opinion": (
            _opinion_departments(user, event)
            if user.may(*OPINION_ROLES) and event.state in OPINION_STATES
            else []
        ),
        "judgment": user.may(*JUDGE_ROLES) and event.state == "judged",
        "decision": bool(pending) and user.may("leader"),
        "draft": user.may(*DRAFT_ROLES) and event.state in DRAFT_STATES,
        "draft_kinds": [(k, ACTION_KINDS[k]) for k in sorted(PUBLISHED_KINDS)],
        "drafts": drafts,
        "actions": (
            [(k, n) for k, n in ACTION_KINDS.items() if k not in PUBLISHED_KINDS] if acting else []
        ),
        "fulfil": fulfil,
        "reassign": (
            reassign_targets(session, event)
            if user.may(*REASSIGN_ROLES) and event.state in OPEN_STATES
            else []
        ),
    }
    reviewing_leader = any(o["review"] == "leader" for o in drafts.values())
    result["publishers"] = publishers(session) if reviewing_leader else []
    return result
