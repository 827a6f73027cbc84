"""Project roles: ADMIN or MEMBER, given directly or through teams; the strongest one counts."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.shared.errors import Invalid


class Role(StrEnum):
    MEMBER = "MEMBER"
    ADMIN = "ADMIN"


_RANK = {Role.MEMBER: 1, Role.ADMIN: 2}


def parse_role(value: object) -> Role:
    """``"ADMIN"`` or ``"MEMBER"``, else ``Invalid``."""
    try:
        return Role(str(value))
    except ValueError:
        raise Invalid(f"role must be ADMIN or MEMBER, not {value!r}") from None


def strongest(roles: Iterable[str | Role | None]) -> Role | None:
    """The strongest of several roles (ADMIN wins), or None when there is none."""
    best: Role | None = None
    for value in roles:
        if value is None:
            continue
        role = Role(value)
        if best is None or _RANK[role] > _RANK[best]:
            best = role
    return best


def satisfies(held: Role | str | None, required: Role | str) -> bool:
    """Whether holding ``held`` is enough for something that needs ``required``."""
    if held is None:
        return False
    return _RANK[Role(held)] >= _RANK[Role(required)]
