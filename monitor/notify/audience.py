"""Whom an alert is meant for: the roles it addresses, kept on its outbox row and matched
against the `roles` of the routes.

- an event's alerts (new, grade rise, reminders, breaches) are for the duty officers and the
  department handler (谁主管谁负责);
- especially major and major events (I, II) also go to leadership at once;
- an escalation notice is for the role of the level it has reached (责任处室 → handler,
  分管领导 / 主要负责人 → leader);
- notices about the service itself are for the duty officers and the administrator;
- a finished report (日报, 专报, 考核, 留言公开清单) is for the office that coordinates the
  work, the leaders who read it and the duty officers.
"""

from __future__ import annotations

from typing import Any

from monitor.accounts.roles import ROLES
from monitor.config.channels import LEVEL_ROLES
from monitor.config.types import at_least

LEADERSHIP_GRADE = "II"  # 特别重大、重大: the leaders are told at once
NOTICE_KINDS = ("source_health", "calendar_fallback")
REPORT_KINDS = ("digest",)


def audience(kind: str, grade: str | None = None) -> list[str]:
    """The roles an alert of `kind` about an event of `grade` is meant for."""
    if kind in NOTICE_KINDS:
        return ["duty_officer", "admin"]
    if kind in REPORT_KINDS:
        return ["office", "leader", "duty_officer"]
    roles = ["duty_officer", "handler"]
    if grade is not None and at_least(grade, LEADERSHIP_GRADE):
        roles.append("leader")
    return roles


def level_role(level: dict[str, Any]) -> str:
    """The role of an escalation level as snapshotted (older snapshots carry only `who`)."""
    return level.get("role") or LEVEL_ROLES.get(level["who"], "leader")


def audience_label(roles: list[str]) -> str:
    """'值班员、责任处室' for people."""
    return "、".join(ROLES.get(r, r) for r in roles) or "—"
