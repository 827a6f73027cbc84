"""Who did something. Every event carries an actor string: ``user:<id>``, ``token:<id>`` or ``system``."""

from __future__ import annotations

SYSTEM = "system"


def user_actor(user_id: int) -> str:
    return f"user:{user_id}"


def token_actor(token_id: int) -> str:
    return f"token:{token_id}"
