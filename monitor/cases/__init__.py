"""The workflow service layer: every action on a case, with its acting user and role check.

core: open, route, clocks, transitions; judgment: 会商 and 研判; publishing: drafts, the
three-level review, publication and actions; commitments: the ledger; view: a case as
people read it (CLI and API); deadlines: the configured clocks and working-day calendar.
"""

from monitor.cases.actors import SYSTEM, Actor
from monitor.cases.commitments import add_commitment, fulfil_commitment, ledger
from monitor.cases.core import (
    apply_routing,
    department_rules,
    escalate_owner,
    open_case,
    refresh_clocks,
    return_to_judgment,
    sync_departments,
    transition,
)
from monitor.cases.judgment import add_opinion, decide_judgment, record_judgment
from monitor.cases.publishing import (
    create_draft,
    edit_draft,
    publish,
    record_action,
    redact,
    review,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "add_commitment",
    "add_opinion",
    "apply_routing",
    "create_draft",
    "decide_judgment",
    "department_rules",
    "edit_draft",
    "escalate_owner",
    "fulfil_commitment",
    "ledger",
    "open_case",
    "publish",
    "record_action",
    "record_judgment",
    "redact",
    "refresh_clocks",
    "return_to_judgment",
    "review",
    "sync_departments",
    "transition",
]
