"""Copr API 2 builds: submit a build of an SRPM URL (``srpm_url``, as the Copr client sends it) or of a
commit of the project (``git_hash``), one task per chroot; cancel it (``PUT {"state": "canceled"}``,
answered 201 with its ``Location`` as Copr does); delete a finished one. Reads are public; submitting and
canceling need the project's MEMBER role, deleting its ADMIN role (or being the build's submitter)."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from flask import Response, request
from flask.views import MethodView

from application.builds.service import Submitter
from domain.builds.build import BuildSource
from domain.shared.errors import Forbidden, Invalid, NotFound
from interfaces.http.auth import require_user
from interfaces.http.builds.common import (
    ADMIN,
    API,
    MEMBER,
    about,
    build_envelope,
    build_or_404,
    builds_app,
    copr_blueprint,
    created,
    given,
    holds,
    link,
    no_content,
    project_access,
    project_or_404,
    project_ref,
    store,
    task_envelope,
)
from interfaces.http.builds.schemas import (
    CoprBuildCreateSchema,
    CoprBuildEnvelopeSchema,
    CoprBuildListSchema,
    CoprBuildQuerySchema,
    CoprBuildShowSchema,
    CoprBuildUpdateSchema,
)
from interfaces.http.operations import public
from projections.builds import queries
from projections.identity import queries as identity_queries

blp = copr_blueprint("copr_builds", "Copr API 2: builds")
LOCATION = {"Location": {"description": "absolute URL of the build", "schema": {"type": "string"}}}


@blp.before_request
def refuse_uploads() -> None:
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        raise Invalid("uploading an SRPM is not supported: give its URL as srpm_url (or a commit as git_hash)")


@blp.route("/builds")
class Builds(MethodView):
    @public
    @blp.arguments(CoprBuildQuerySchema, location="query")
    @blp.response(200, CoprBuildListSchema)
    @blp.alt_response(404, description="No project with that project_id, or no user with that owner name")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Builds, newest first: of one project (``project_id``), else of an owner's or a group's projects;
        ``is_finished`` keeps only finished (or unfinished) ones."""
        project_id = args.get("project_id")
        owner = args.get("owner")
        if project_id is not None:
            project_or_404(project_id)
        elif owner is not None and identity_queries.user_by_username(store(), owner) is None:
            raise NotFound(f"User with name `{owner}` not found", owner=owner)
        rows = queries.builds(
            store(), project_id=project_id, owner=owner, group=args.get("group"),
            is_finished=args.get("is_finished"), limit=args["limit"], offset=args["offset"],
        )
        return {"builds": [build_envelope(r) for r in rows], "_links": {"self": link(f"{API}/builds", given(args))}}

    @blp.arguments(CoprBuildCreateSchema)
    @blp.response(201, headers=LOCATION)
    @blp.alt_response(404, description="No such project")
    def post(self, body: dict[str, Any]) -> Response:
        """Submit a build (MEMBER of the project) of ``srpm_url`` or of ``git_hash``, in ``chroots`` (none:
        every chroot enabled for the project), with ``enable_net`` (default: the project's setting)."""
        principal, project = project_access(body["project_id"], MEMBER)
        srpm_url, git_hash = body.get("srpm_url"), body.get("git_hash")
        if bool(srpm_url) == bool(git_hash):
            raise Invalid("give either srpm_url (an SRPM to build) or git_hash (a commit of the project)")
        ref = project_ref(project)
        source = BuildSource.from_url(srpm_url) if srpm_url else BuildSource.from_commit(git_hash, ref.vcs_url)
        build_id = builds_app().submit_build(
            ref, source, list(body.get("chroots") or []), body.get("enable_net"),
            Submitter(principal.user_id, principal.username), now=int(time.time()), actor=principal.actor,
        )
        return created(f"{API}/builds/{build_id}")


@blp.route("/builds/<int:build_id>")
class BuildResource(MethodView):
    @public
    @blp.arguments(CoprBuildShowSchema, location="query")
    @blp.response(200, CoprBuildEnvelopeSchema)
    @blp.alt_response(404, description="No such build")
    def get(self, args: dict[str, Any], build_id: int) -> dict[str, Any]:
        """One build; with ``show_build_tasks`` its tasks too."""
        build = build_or_404(build_id)
        answer = build_envelope(build, {"show_build_tasks": True} if args["show_build_tasks"] else None)
        if args["show_build_tasks"]:
            answer["build_tasks"] = [task_envelope(t) for t in queries.build_tasks(store(), build_id=build_id,
                                                                                   limit=None)]
        return answer

    @blp.arguments(CoprBuildUpdateSchema)
    @blp.response(201, headers=LOCATION)
    @blp.alt_response(400, description="Not a cancel, or the build has finished")
    @blp.alt_response(404, description="No such build")
    def put(self, body: dict[str, Any], build_id: int) -> Response:
        """Cancel the build (MEMBER): ``{"state": "canceled"}``; its unfinished tasks become canceled.
        Canceling a canceled build changes nothing; a finished one cannot be canceled (400)."""
        principal = require_user()
        build = build_or_404(build_id)
        if body["state"] != "canceled":
            raise Invalid(f"a build can only be canceled: send {{\"state\": \"canceled\"}}, not {body['state']!r}",
                          state=body["state"])
        project_access(int(build["project_id"]), MEMBER)
        with about(f"Cannot cancel build {build_id}"):
            builds_app().cancel_build(UUID(str(build["uuid"])), now=int(time.time()), actor=principal.actor)
        return created(f"{API}/builds/{build_id}")

    @blp.response(204)
    @blp.alt_response(400, description="The build has not finished: cancel it first")
    @blp.alt_response(404, description="No such build")
    def delete(self, build_id: int) -> Response:
        """Delete a finished build (its submitter, or an ADMIN of the project)."""
        principal = require_user()
        build = build_or_404(build_id)
        if int(build["submitter_id"]) != principal.user_id and not holds(principal, int(build["project_id"]), ADMIN):
            raise Forbidden(f"User {principal.username} may not delete build {build_id}: only its submitter or an "
                            "ADMIN of its project may", build_id=build_id)
        with about(f"Cannot delete build {build_id}"):
            builds_app().delete_build(UUID(str(build["uuid"])), actor=principal.actor)
        return no_content()
