"""Who acts: the acting user (a User row or a web Principal) and the role check.

Every workflow action names its actor and is checked here, in the service layer, so the
CLI and the API enforce the same rules. Automatic actions pass the string "system".
"""

from __future__ import annotations

from typing import Protocol

from monitor.accounts.users import ROLES
from monitor.errors import Forbidden

SYSTEM = "system"


class Actor(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def department_id(self) -> int | None: ...


def actor_name(actor: Actor | str) -> str:
    return actor if isinstance(actor, str) else actor.name


def require_role(actor: Actor | str, roles: tuple[str, ...], action: str) -> None:
    """Refuse `action` unless the actor holds one of `roles` (admin may do everything)."""
    if isinstance(actor, str):
        if actor == SYSTEM:
            return
        raise Forbidden(f"{action}需要指明操作用户。")
    if actor.role == "admin" or actor.role in roles:
        return
    allowed = "、".join(ROLES.get(r, r) for r in roles)
    raise Forbidden(
        f"无权{action}：用户 {actor.name} 的角色是{ROLES.get(actor.role, actor.role)}，"
        f"此操作需要{allowed}。"
    )
