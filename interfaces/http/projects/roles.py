"""coderadar user permissions in projects (seed 2.4.1 to 2.4.4): set and remove a user's role, a
user's projects with roles, a project's users."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.shared.errors import Forbidden
from interfaces.http.auth import require_user
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import ok, user_ref
from interfaces.http.projects.projects import imported_branches, project_view
from interfaces.http.projects.schemas import ProjectWithRolesSchema, RoleRequestSchema, UserSchema
from projections.projects import queries

blp = Blueprint("coderadar_roles", __name__, url_prefix="/api", description="coderadar project roles (seed 2.4)")


@blp.route("/projects/<int:project_id>/users/<int:user_id>")
class ProjectUserRole(MethodView):
    @blp.arguments(RoleRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], project_id: int, user_id: int) -> Response:
        """Give a user a role (ADMIN or MEMBER) in the project (ADMIN)."""
        access = project_access(project_id, ADMIN)
        projects_app().set_user_role(
            UUID(access.project["uuid"]), user_ref(user_id), body["role"], actor=access.principal.actor
        )
        return ok()

    @blp.response(200)
    @blp.alt_response(404, description="No such project or user, or the user has no role of their own in it")
    def delete(self, project_id: int, user_id: int) -> Response:
        """Take a user's own role in the project away (ADMIN). Roles through teams stay."""
        access = project_access(project_id, ADMIN)
        projects_app().remove_user_role(UUID(access.project["uuid"]), user_ref(user_id), actor=access.principal.actor)
        return ok()


@blp.route("/projects/<int:project_id>/users/", strict_slashes=False)
class ProjectUsers(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """The users with a role in the project, directly or through a team (MEMBER)."""
        project_access(project_id, MEMBER)
        return queries.project_users(store(), project_id)


@blp.route("/users/<int:user_id>/projects")
class UserProjects(MethodView):
    @blp.response(200, ProjectWithRolesSchema(many=True))
    def get(self, user_id: int) -> list[dict[str, Any]]:
        """The projects a user has a role in, with their roles (the user themself or a platform admin)."""
        principal = require_user()
        if principal.user_id != user_id and not principal.platform_admin:
            raise Forbidden("only platform administrators may list another user's projects")
        user_ref(user_id)
        imported = imported_branches()
        return [
            {"project": project_view(project, imported), "roles": roles}
            for project, roles in queries.projects_of_user(store(), user_id)
        ]
