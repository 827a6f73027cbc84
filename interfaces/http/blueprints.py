"""Every blueprint the server serves, one module per resource."""

from __future__ import annotations

from flask_smorest import Blueprint


def all_blueprints() -> list[Blueprint]:
    from interfaces.http.identity import tokens, users
    from interfaces.http.system import audit, health

    return [health.blp, audit.blp, users.blp, tokens.blp]
