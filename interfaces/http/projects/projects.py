"""coderadar projects: create, list, get (also as of a moment), update, delete (seed 3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from application.projects.service import NewProject
from domain.projects.project import Project
from domain.projects.team import UserRef
from interfaces.http.auth import require_user
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import aggregate_as_of, as_of, ok
from interfaces.http.projects.dates import format_start_date, parse_start_date
from interfaces.http.projects.schemas import (
    AsOfQuerySchema,
    CreatedSchema,
    ProjectCreateSchema,
    ProjectSchema,
    ProjectUpdateSchema,
)
from projections.history import queries as history_queries
from projections.projects import queries

blp = Blueprint(
    "coderadar_projects", __name__, url_prefix="/api", description="coderadar projects (seed 3.1)"
)


def project_view(row: dict[str, Any], imported: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A project as :class:`ProjectSchema` dumps it (coderadar's shape): the password is never returned.
    Without a default branch of
    its own, a project shows the one its import uses (the repository's HEAD branch); ``imported``
    (:func:`imported_branches`) saves a query per project in a list."""
    default_branch = row["default_branch"]
    if default_branch is None and "id" in row:
        if imported is None:
            status = history_queries.import_status(store(), int(row["id"]))
            default_branch = status["default_branch"] if status else None
        else:
            default_branch = imported.get(int(row["id"]))
    return {
        "id": row["id"],
        "name": row["name"],
        "vcs_username": row["vcs_username"],
        "vcs_password": None,
        "vcs_url": row["vcs_url"],
        "start_date": format_start_date(row["start_date"]),
        "default_branch": default_branch,
    }


def imported_branches() -> dict[int, str]:
    return history_queries.imported_default_branches(store())


def project_view_of(project_id: int, project: Project) -> dict[str, Any]:
    return project_view({
        "id": project_id, "name": project.name, "vcs_username": project.vcs_username, "vcs_url": project.vcs_url,
        "start_date": project.start_date, "default_branch": project.default_branch,
    })


def _password(value: str | None) -> str | None:
    return value or None


def delete_projects_created_by(user_id: int, actor: str) -> int:
    """Delete every project a user created (coderadar 2.4.6: deleting a user deletes their projects)."""
    rows = queries.projects_created_by(store(), user_id)
    return projects_app().delete_projects([UUID(r["uuid"]) for r in rows], actor=actor)


@blp.route("/projects")
class Projects(MethodView):
    @blp.response(200, ProjectSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The projects the caller has a role in (platform admins: all projects)."""
        principal = require_user()
        imported = imported_branches()
        if principal.platform_admin:
            return [project_view(p, imported) for p in queries.list_projects(store())]
        return [project_view(p, imported) for p, _ in queries.projects_of_user(store(), principal.user_id)]

    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(400, description="A field is invalid, or vcsUrl is refused")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a project. The caller becomes its ADMIN."""
        principal = require_user()
        values = {**body, "vcs_password": _password(body.get("vcs_password")),
                  "vcs_online": body.get("vcs_online") is not False,
                  "start_date": parse_start_date(body.get("start_date"))}
        created = projects_app().create_project(
            NewProject(**values),
            creator=UserRef(principal.user_uuid, principal.user_id),
            actor=principal.actor,
        )
        return {"id": created.id}


@blp.route("/projects/<int:project_id>")
class ProjectResource(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, ProjectSchema)
    @blp.alt_response(404, description="No such project (or it did not exist at asOf)")
    def get(self, _args: dict[str, Any], project_id: int) -> dict[str, Any]:
        """Get a project; with ``asOf``, as it stood at that moment (rebuilt from its events)."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is None:
            return project_view(access.project)
        project: Project | None = aggregate_as_of(access.project, "project", moment)
        assert project is not None  # a project that did not exist then is a 404 already
        return project_view_of(project_id, project)

    @blp.arguments(ProjectUpdateSchema, required=False)  # an empty update changes nothing
    @blp.response(200)
    @blp.alt_response(409, description="A concurrent change to the project was saved first")
    def post(self, body: dict[str, Any], project_id: int) -> Response:
        """Update a project (ADMIN). Fields left out stay as they are."""
        access = project_access(project_id, ADMIN)
        changes = {k: v for k, v in body.items() if k not in ("vcs_password", "vcs_online", "start_date")}
        if body.get("vcs_password") is not None:
            changes["vcs_password"] = _password(body["vcs_password"])
        if body.get("vcs_online") is not None:
            changes["vcs_online"] = bool(body["vcs_online"])
        if "start_date" in body:
            changes["start_date"] = parse_start_date(body["start_date"])
        projects_app().update_project(UUID(access.project["uuid"]), changes, actor=access.principal.actor)
        return ok()

    @blp.response(200)
    def delete(self, project_id: int) -> Response:
        """Delete a project (ADMIN): it disappears from every view; its events stay."""
        access = project_access(project_id, ADMIN)
        projects_app().delete_project(UUID(access.project["uuid"]), actor=access.principal.actor)
        return ok()
