"""Who may call each case action, as endpoint dependencies: the JSON routes
(workflow_api.py) and the console's forms (case_forms.py) share these, and they are built
from the services' own role lists, so neither door lets in anyone the service would refuse
(monitor.cases checks again, with the event's department)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from monitor.cases.commitments import LEDGER_ROLES
from monitor.cases.judgment import JUDGE_ROLES, OPINION_ROLES
from monitor.cases.publishing import ACTION_ROLES, DRAFT_ROLES
from monitor.cases.reassign import REASSIGN_ROLES
from monitor.web.auth import ALL_ROLES, Principal, require
from workflow.review import LEVEL_ROLES

REVIEW_ROLES = tuple(dict.fromkeys(r for roles in LEVEL_ROLES.values() for r in roles))

Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
Judge = Annotated[Principal, Depends(require(*JUDGE_ROLES))]
Consulter = Annotated[Principal, Depends(require(*OPINION_ROLES))]
Leader = Annotated[Principal, Depends(require("leader"))]
Drafter = Annotated[Principal, Depends(require(*DRAFT_ROLES))]
Reviewer = Annotated[Principal, Depends(require(*REVIEW_ROLES))]
Censor = Annotated[Principal, Depends(require(*LEVEL_ROLES["confidentiality"]))]
Publisher = Annotated[Principal, Depends(require(*ALL_ROLES))]  # the named publisher, any role
Actor = Annotated[Principal, Depends(require(*ACTION_ROLES))]
Ledger = Annotated[Principal, Depends(require(*LEDGER_ROLES))]
Reassigner = Annotated[Principal, Depends(require(*REASSIGN_ROLES))]
