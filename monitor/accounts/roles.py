"""The roles people hold, written out once: users, the role checks and alert routing read them."""

from __future__ import annotations

# Written out so that the list is the documentation; `admin` may do everything.
ROLES: dict[str, str] = {
    "duty_officer": "值班员",
    "handler": "责任处室",
    "confidentiality": "保密员",
    "leader": "领导",
    "office": "办公室",
    "admin": "管理员",
}


def roles_help() -> str:
    """'duty_officer（值班员）、handler（责任处室）、…' for error messages."""
    return "、".join(f"{code}（{name}）" for code, name in ROLES.items())
