"""Copr API 2 builds: submit a build of an SRPM URL (``srpm_url``, as the Copr client sends it) or of a
commit of the project (``git_hash``), one task per chroot; cancel it (``PUT {"state": "canceled"}``,
answered 201 with its ``Location`` as Copr does); delete a finished one. Reads are public; submitting and
canceling need the project's MEMBER role, deleting its ADMIN role (or being the build's submitter)."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import ValidationError

from application.builds.service import Submitter
from domain.builds.build import SOURCE_UPLOAD, BuildSource
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
from interfaces.persistence.blobs import BlobStore
from projections.builds import queries
from projections.identity import queries as identity_queries

blp = copr_blueprint("copr_builds", "Copr API 2: builds")
LOCATION = {"Location": {"description": "absolute URL of the build", "schema": {"type": "string"}}}


@blp.before_request
def srpm_uploads() -> Response | None:
    """Copr's ``create_from_file``: a multipart POST to /builds (``metadata`` JSON and the ``srpm`` file)."""
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        if request.path.rstrip("/") != f"{API}/builds":
            raise Invalid("multipart bodies are only taken by POST /api_2/builds (an SRPM upload)")
        return submit_upload()
    return None


def submit_upload() -> Response:
    """Submit a build of an uploaded SRPM: its bytes go to the blob store (streamed, at most the request
    limit), the build records its file name, size, SHA-256 and blob key, and links to a download."""
    try:
        metadata = json.loads(request.form.get("metadata") or "")
    except ValueError:
        raise Invalid("an SRPM upload needs a metadata part with JSON: project_id, chroots, enable_net") from None
    if not isinstance(metadata, dict):
        raise Invalid("the metadata part must be a JSON object")
    try:
        body = CoprBuildCreateSchema().load(metadata)
    except ValidationError as exc:
        raise Invalid(f"metadata: {exc.messages}") from None
    if body.get("srpm_url") or body.get("git_hash"):
        raise Invalid("an SRPM upload builds the uploaded file: leave srpm_url and git_hash out")
    upload = request.files.get("srpm")
    if upload is None or not upload.filename:
        raise Invalid("an SRPM upload needs an srpm part with the file")
    principal, project = project_access(body["project_id"], MEMBER)
    blobs: BlobStore = current_app.extensions["codeannals"].blobs
    name = upload.filename.rsplit("/", 1)[-1]
    BuildSource.from_upload(name, "0" * 32, 0, "")  # the name is checked before anything is stored
    blob = blobs.put(upload.stream, current_app.extensions["codeannals"].settings.max_request_bytes, f"SRPM {name}")
    try:
        source = BuildSource.from_upload(name, blob.key, blob.size, blob.sha256)
        build_id = builds_app().submit_build(
            project_ref(project), source, list(body.get("chroots") or []), body.get("enable_net"),
            Submitter(principal.user_id, principal.username), now=int(time.time()), actor=principal.actor,
        )
    except BaseException:
        blobs.delete(blob.key)
        raise
    return created(f"{API}/builds/{build_id}")


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


@blp.route("/builds/<int:build_id>/srpm")
class BuildSrpm(MethodView):
    @public
    @blp.doc(responses={"200": {"description": "The uploaded SRPM", "content": {
        "application/x-rpm": {"schema": {"type": "string", "format": "binary"}}}}})
    @blp.alt_response(404, description="No such build, or it was not built from an upload")
    def get(self, build_id: int) -> Response:
        """Download the SRPM a build was submitted with (``create_from_file``), streamed."""
        build = build_or_404(build_id)
        metadata = build["source_metadata"]
        if build["source_type"] != SOURCE_UPLOAD or not isinstance(metadata, dict):
            raise NotFound(f"Build {build_id} was not built from an uploaded SRPM", build_id=build_id)
        blobs: BlobStore = current_app.extensions["codeannals"].blobs
        response = Response(blobs.open(str(metadata["blob"])), mimetype="application/x-rpm",
                            direct_passthrough=True)
        response.headers["Content-Length"] = str(int(metadata["size"]))
        response.headers["Content-Disposition"] = f'attachment; filename="{metadata["pkg"]}"'
        response.headers["ETag"] = f'"{metadata["sha256"]}"'
        return response


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
        metadata = build["source_metadata"]
        if build["source_type"] == SOURCE_UPLOAD and isinstance(metadata, dict):  # its SRPM goes with it
            current_app.extensions["codeannals"].blobs.delete(str(metadata["blob"]))
        return no_content()
