"""coderadar teams (seed 8): create, update, delete, add and remove users, get, list, give a team a role
in a project, a project's teams, a user's teams and a team's projects.

Anyone logged in may create teams and read them; changing a team needs its creator or a platform
admin; giving a team a role in a project needs that project's ADMIN."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.projects.team import UserRef
from domain.shared.errors import Forbidden, NotFound
from interfaces.http.auth import Principal, require_user
from interfaces.http.projects.access import ADMIN, MEMBER, can_see_project, project_access, projects_app, store
from interfaces.http.projects.common import ok, user_ref, user_refs
from interfaces.http.projects.projects import imported_branches, project_view
from interfaces.http.projects.schemas import (
    CreatedSchema,
    ElementsSchema,
    ProjectSchema,
    RoleRequestSchema,
    TeamRequestSchema,
    TeamSchema,
)
from projections.projects import queries

blp = Blueprint("coderadar_teams", __name__, url_prefix="/api", description="coderadar teams (seed 8)")


def team_view(team: dict[str, Any]) -> dict[str, Any]:
    return {"id": team["id"], "name": team["name"], "members": team["members"]}


def team_or_404(team_id: int) -> dict[str, Any]:
    team = queries.team(store(), team_id)
    if team is None:
        raise NotFound(f"Team with id {team_id} not found.")
    return team


def manage_team(team_id: int) -> tuple[Principal, dict[str, Any]]:
    """The caller and the team, when the caller may change it (its creator or a platform admin)."""
    principal = require_user()
    team = team_or_404(team_id)
    if not principal.platform_admin and int(team["creator_id"]) != principal.user_id:
        raise Forbidden("only the team's creator or a platform administrator may change a team")
    return principal, team


@blp.route("/teams/", strict_slashes=False)
class Teams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List all teams."""
        require_user()
        return [team_view(t) for t in queries.list_teams(store())]

    @blp.arguments(TeamRequestSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(409, description="A team with that name exists")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a team with some users. The caller is its creator (and may manage it)."""
        principal = require_user()
        members = user_refs(body.get("userIds") or [])
        created = projects_app().create_team(
            body["name"], UserRef(principal.user_uuid, principal.user_id), members, actor=principal.actor
        )
        return {"id": created.id}


@blp.route("/teams/<int:team_id>")
class TeamResource(MethodView):
    @blp.response(200, TeamSchema)
    @blp.alt_response(404, description="No such team")
    def get(self, team_id: int) -> dict[str, Any]:
        """Get a team with its members."""
        require_user()
        return team_view(team_or_404(team_id))

    @blp.arguments(TeamRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], team_id: int) -> Response:
        """Rename a team and make the given users its members (creator or platform admin)."""
        principal, team = manage_team(team_id)
        user_ids = body.get("userIds")
        members = None if user_ids is None else user_refs(user_ids)
        projects_app().update_team(UUID(team["uuid"]), body["name"], members, actor=principal.actor)
        return ok()

    @blp.response(200)
    def delete(self, team_id: int) -> Response:
        """Delete a team (creator or platform admin); its roles in projects go with it."""
        principal, team = manage_team(team_id)
        projects_app().delete_team(UUID(team["uuid"]), actor=principal.actor)
        return ok()


@blp.route("/teams/<int:team_id>/users")
class TeamUsers(MethodView):
    @blp.arguments(ElementsSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], team_id: int) -> Response:
        """Add users to a team (creator or platform admin)."""
        principal, team = manage_team(team_id)
        projects_app().add_team_members(UUID(team["uuid"]), user_refs(body["elements"]), actor=principal.actor)
        return ok()

    @blp.arguments(ElementsSchema)
    @blp.response(200)
    def delete(self, body: dict[str, Any], team_id: int) -> Response:
        """Remove users from a team (creator or platform admin). The body names them, as coderadar's."""
        principal, team = manage_team(team_id)
        projects_app().remove_team_members(UUID(team["uuid"]), user_refs(body["elements"]), actor=principal.actor)
        return ok()


@blp.route("/teams/<int:team_id>/projects")
class TeamProjects(MethodView):
    @blp.response(200, ProjectSchema(many=True))
    def get(self, team_id: int) -> list[dict[str, Any]]:
        """The projects a team has a role in (those the caller may see)."""
        principal = require_user()
        team_or_404(team_id)
        imported = imported_branches()
        return [
            project_view(p, imported) for p in queries.projects_of_team(store(), team_id)
            if can_see_project(principal, int(p["id"]))
        ]


@blp.route("/projects/<int:project_id>/teams/<int:team_id>")
class ProjectTeam(MethodView):
    @blp.arguments(RoleRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], project_id: int, team_id: int) -> Response:
        """Give a team a role in the project (project ADMIN)."""
        access = project_access(project_id, ADMIN)
        team = team_or_404(team_id)
        projects_app().set_team_role(
            UUID(access.project["uuid"]), UUID(team["uuid"]), team_id, body["role"], actor=access.principal.actor
        )
        return ok()

    @blp.response(200)
    def delete(self, project_id: int, team_id: int) -> Response:
        """Take a team's role in the project away (project ADMIN)."""
        access = project_access(project_id, ADMIN)
        team = team_or_404(team_id)
        projects_app().remove_team_role(
            UUID(access.project["uuid"]), UUID(team["uuid"]), team_id, actor=access.principal.actor
        )
        return ok()


@blp.route("/projects/<int:project_id>/teams")
class ProjectTeams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """The teams with a role in the project (MEMBER)."""
        project_access(project_id, MEMBER)
        return [team_view(t) for t in queries.teams_of_project(store(), project_id)]


@blp.route("/users/<int:user_id>/teams")
class UserTeams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    def get(self, user_id: int) -> list[dict[str, Any]]:
        """The teams a user is in."""
        require_user()
        user_ref(user_id)
        return [team_view(t) for t in queries.teams_of_user(store(), user_id)]
