"""The bounded contexts this server is made of: their applications and read models.

Adding a context means adding its application class and its projections here."""

from __future__ import annotations

from application.identity.service import IdentityApplication
from application.shared.base import ContextApplication
from projections.audit.events import AuditProjection
from projections.identity.users import UsersProjection
from projections.projection import Projection

APPLICATIONS: list[type[ContextApplication]] = [
    IdentityApplication,
]


def build_projections(application_names: tuple[str, ...]) -> list[Projection]:
    return [
        UsersProjection(),
        AuditProjection(application_names),
    ]
