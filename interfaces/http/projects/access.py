"""Who may do what in a project. Every project endpoint (and later ones: history import, analysis,
Copr builds) calls :func:`require_project_role` first.

- Not authenticated: 401. No such project: 404. Authenticated without the role: 403.
- Roles come directly or through teams; ADMIN wins. MEMBER may read and start or stop analysis;
  ADMIN may also change the project, its configuration, its users and teams.
- Platform admins may do anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from application.projects.service import ProjectsApplication
from domain.projects.roles import Role, parse_role, satisfies
from domain.shared.errors import Forbidden, NotFound
from interfaces.http.auth import Principal, require_user
from projections.projects import queries
from projections.store import ReadStore

MEMBER, ADMIN = Role.MEMBER, Role.ADMIN


def store() -> ReadStore:
    s: ReadStore = current_app.extensions["codeannals"].store
    return s


def projects_app() -> ProjectsApplication:
    app: ProjectsApplication = current_app.extensions["codeannals"].app(ProjectsApplication)
    return app


def project_or_404(project_id: int) -> dict[str, Any]:
    """The project's read-model row (``id``, ``uuid``, ``name``, ...), or 404."""
    project = queries.project_by_id(store(), project_id)
    if project is None:
        raise NotFound(f"Project with id {project_id} not found.")
    return project


@dataclass(frozen=True)
class ProjectAccess:
    principal: Principal
    project: dict[str, Any]
    role: Role | None  # the caller's own role (None for a platform admin without one)


def project_access(project_id: int, role: Role | str = MEMBER) -> ProjectAccess:
    """Authenticate, find the project and check that the caller holds ``role`` in it (or is a
    platform admin). Answers the caller, the project's row and the caller's role."""
    required = parse_role(role)
    principal = require_user()
    project = project_or_404(project_id)
    held = queries.effective_role(store(), project_id, principal.user_id)
    if not principal.platform_admin and not satisfies(held, required):
        if held is None:
            raise Forbidden(f"you have no role in project {project_id}")
        raise Forbidden(f"this needs the {required.value} role in project {project_id}; you are {held.value}")
    return ProjectAccess(principal, project, held)


def require_project_role(project_id: int, role: Role | str = MEMBER) -> Principal:
    """The caller, when they hold ``role`` ("MEMBER" or "ADMIN") in the project or are a platform
    admin; else 401 (no credentials), 404 (no such project) or 403."""
    return project_access(project_id, role).principal


def can_see_project(principal: Principal, project_id: int) -> bool:
    return principal.platform_admin or queries.effective_role(store(), project_id, principal.user_id) is not None
