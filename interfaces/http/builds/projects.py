"""Copr API 2 projects: the same projects the coderadar API manages, seen the Copr way.

``owner`` is the creator's username; ``group`` (a team the creator belongs to, which becomes the
project's ADMIN) makes a group project. A project created here has no repository (``vcsUrl`` empty)
until one is set through coderadar. Creating one enables the chroots it names (each must be an active
build environment). PUT changes the editable fields (ADMIN); DELETE deletes the project everywhere (ADMIN).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView

from application.builds.service import ProjectRef
from application.projects.service import NewProject
from domain.builds.build import check_http_url
from domain.projects.team import UserRef
from domain.shared.errors import Conflict, Forbidden, Invalid
from interfaces.http.auth import require_user
from interfaces.http.builds.common import (
    ADMIN,
    API,
    build_envelope,
    builds_app,
    copr_blueprint,
    created,
    given,
    link,
    no_content,
    project_access,
    project_chroot_envelope,
    project_envelope,
    project_or_404,
    projects_app,
    require_json_object,
    store,
)
from interfaces.http.builds.schemas import (
    CoprProjectCreateSchema,
    CoprProjectEnvelopeSchema,
    CoprProjectListSchema,
    CoprProjectQuerySchema,
    CoprProjectShowSchema,
    CoprProjectUpdateSchema,
)
from interfaces.http.operations import public
from projections.builds import queries

blp = copr_blueprint("copr_projects", "Copr API 2: projects (the coderadar projects, seen the Copr way)")

NAME = re.compile(r"^[a-zA-Z][\w.-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_FIELDS = ("description", "instructions")
FLAG_FIELDS = ("disable_createrepo", "build_enable_net")


def _list_of_text(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise Invalid(f"{field} must be a list of texts", field=field)
    return [i.strip() for i in items if i.strip()]


def details_of(body: dict[str, Any]) -> dict[str, Any]:
    """The Copr fields of a request, checked; only those present in it (null: cleared / false / empty)."""
    details: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in body:
            details[key] = body[key] or ""
    for key in FLAG_FIELDS:
        if key in body:
            details[key] = bool(body[key])
    if "homepage" in body:
        details["homepage"] = check_http_url("homepage", body["homepage"]) if body["homepage"] else ""
    if "contact" in body:
        contact = (body["contact"] or "").strip()
        if contact and not EMAIL.match(contact):
            check_http_url("contact", contact)  # a URL, if not an e-mail address
        details["contact"] = contact
    if "repos" in body:
        details["repos"] = [check_http_url("repos", r) for r in _list_of_text("repos", body["repos"])]
    return details


def _group_of(body: dict[str, Any]) -> str | None:
    group = body.get("group")
    owner = body.get("owner")
    if not group and isinstance(owner, str) and owner.startswith("@"):
        group = owner[1:]
    return group.strip() if isinstance(group, str) and group.strip() else None


@blp.route("/projects")
class Projects(MethodView):
    @public
    @blp.arguments(CoprProjectQuerySchema, location="query")
    @blp.response(200, CoprProjectListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Projects, oldest first: filtered by owner (username), group, name and a search text."""
        rows = queries.projects(
            store(), owner=args.get("owner"), group=args.get("group"), name=args.get("name"),
            search=args.get("search_query"), limit=args["limit"], offset=args["offset"],
        )
        return {"projects": [project_envelope(r) for r in rows], "_links": {"self": link(f"{API}/projects",
                                                                                         given(args))}}

    @blp.arguments(CoprProjectCreateSchema)
    @blp.response(201, headers={"Location": {"description": "absolute URL of the new project",
                                             "schema": {"type": "string"}}})
    @blp.alt_response(409, description="The caller (or the group) has a project of that name already")
    def post(self, body: dict[str, Any]) -> Response:
        """Create a project (its creator becomes its ADMIN) and enable the chroots it names."""
        principal = require_user()
        name = body["name"].strip()
        if not NAME.match(name):
            raise Invalid("Name must contain only letters, digits, underscores, dashes and dots, and start with "
                          "a letter", name=name)
        group = _group_of(body)
        team = None
        if group is not None:
            team = queries.team_named(store(), group)
            if team is None:
                raise Invalid(f"Group `{group}` does not exist (a group is a team of this server)", group=group)
            group = str(team["name"])
            if not principal.platform_admin and not queries.is_team_member(store(), int(team["id"]),
                                                                           principal.user_id):
                raise Forbidden(f"User {principal.username} is not a member of group `{group}`", group=group)
        if queries.project_named(store(), name, principal.user_id, group) is not None:
            whose = f"Group `{group}`" if group else "You"
            raise Conflict(f"{whose} already {'has' if group else 'have'} a project named `{name}`", name=name)
        chroots = [builds_app().active_chroot(c) for c in _list_of_text("chroots", body.get("chroots"))]
        created_project = projects_app().create_project(
            NewProject(name=name, vcs_url=None, details=details_of(body), group=group),
            creator=UserRef(principal.user_uuid, principal.user_id),
            actor=principal.actor,
        )
        if team is not None:
            projects_app().set_team_role(created_project.uuid, UUID(str(team["uuid"])), int(team["id"]), "ADMIN",
                                         actor=principal.actor)
        if chroots:
            builds_app().enable_project_chroots(ProjectRef(created_project.uuid, created_project.id), chroots,
                                                actor=principal.actor)
        return created(f"{API}/projects/{created_project.id}")


@blp.route("/projects/<int:project_id>")
class ProjectResource(MethodView):
    @public
    @blp.arguments(CoprProjectShowSchema, location="query")
    @blp.response(200, CoprProjectEnvelopeSchema)
    @blp.alt_response(404, description="No such project")
    def get(self, args: dict[str, Any], project_id: int) -> dict[str, Any]:
        """One project; with ``show_builds`` its builds, with ``show_chroots`` its chroots."""
        project = project_or_404(project_id)
        self_params = {k: True for k in ("show_builds", "show_chroots") if args[k]}
        answer = project_envelope(project, self_params)
        if args["show_builds"]:
            answer["project_builds"] = [
                build_envelope(b) for b in queries.builds(store(), project_id=project_id, limit=None)
            ]
        if args["show_chroots"]:
            answer["project_chroots"] = [project_chroot_envelope(c) for c in queries.project_chroots(store(),
                                                                                                     project_id)]
        return answer

    @blp.arguments(CoprProjectUpdateSchema)
    @blp.response(204)
    @blp.alt_response(404, description="No such project")
    def put(self, body: dict[str, Any], project_id: int) -> Response:
        """Change the editable fields given (ADMIN); others (id, name, owner, group) are ignored."""
        principal, project = project_access(project_id, ADMIN)
        require_json_object()
        details = details_of(body)
        if details:
            projects_app().update_project(UUID(str(project["uuid"])), details, actor=principal.actor)
        return no_content()

    @blp.response(204)
    @blp.alt_response(404, description="No such project")
    def delete(self, project_id: int) -> Response:
        """Delete the project (ADMIN): it disappears from every view, with its builds; its events stay."""
        principal, project = project_access(project_id, ADMIN)
        projects_app().delete_project(UUID(str(project["uuid"])), actor=principal.actor)
        return no_content()
