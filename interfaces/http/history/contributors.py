"""coderadar contributors (seed 6): a project's contributors, those of a file or directory at a commit,
one contributor, merging contributors and changing a display name."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.history.rules import check_repo_path
from domain.shared.errors import Invalid, NotFound
from interfaces.http.history.common import history_app, mirror, request_fields, resolve_commit
from interfaces.http.history.schemas import (
    ContributorSchema,
    ContributorsPathSchema,
    MergeContributorsSchema,
    UpdateContributorSchema,
)
from interfaces.http.projects.access import MEMBER, project_access, store
from interfaces.http.projects.common import ok
from projections.history import queries

blp = Blueprint("coderadar_contributors", __name__, url_prefix="/api", description="coderadar contributors (seed 6)")


def contributor_view(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "displayName": c["display_name"], "names": c["names"], "emailAddresses": c["emails"]}


@blp.route("/projects/<int:project_id>/contributors")
class ProjectContributors(MethodView):
    @blp.response(200, ContributorSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """Everyone who authored a commit of the project (grouped by lower-cased e-mail, merges
        applied), by id."""
        project_access(project_id, MEMBER)
        return [contributor_view(c) for c in queries.contributors(store(), project_id)]


def _for_path(project_id: int) -> list[dict[str, Any]]:
    access = project_access(project_id, MEMBER)
    fields = request_fields(ContributorsPathSchema)
    commit = resolve_commit(project_id, fields["commitHash"])
    path = check_repo_path(fields["path"], field="path", allow_root=True)
    with mirror(access.project) as reader:
        try:
            alive = [e.path for e in reader.files(str(commit["hash"]))]
        except KeyError:
            raise NotFound(f"Commit {commit['hash']} is not in the repository mirror.") from None
    selected = [p for p in alive if not path or p == path or p.startswith(path + "/")]
    histories = queries.file_histories(store(), project_id, int(commit["idx"]), selected)
    emails = {t.email_key for h in histories.values() for t in h.touches}
    owners = queries.contributor_emails(store(), project_id)
    found = queries.contributors_by_id(store(), project_id, {owners[e] for e in emails if e in owners})
    return [contributor_view(c) for c in sorted(found, key=lambda c: (c["display_name"], c["id"]))]


@blp.route("/projects/<int:project_id>/contributors/path", methods=["GET", "POST"])
class PathContributors(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": ContributorsPathSchema}}})
    @blp.response(200, ContributorSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """Who changed a file (or any file below a directory) alive at ``commitHash``, in its
        ancestry, following renames back; by display name. JSON body: path, commitHash."""
        return _for_path(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": ContributorsPathSchema}}})
    @blp.response(200, ContributorSchema(many=True))
    def post(self, project_id: int) -> list[dict[str, Any]]:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _for_path(project_id)


def _contributor_or_404(contributor_id: int) -> dict[str, Any]:
    found = queries.contributor(store(), contributor_id)
    if found is None:
        raise NotFound(f"Contributor with id {contributor_id} not found.")
    return found


@blp.route("/contributors/<int:contributor_id>")
class Contributor(MethodView):
    @blp.response(200, ContributorSchema)
    def get(self, contributor_id: int) -> dict[str, Any]:
        """One contributor (MEMBER of its project)."""
        found = _contributor_or_404(contributor_id)
        project_access(int(found["project_id"]), MEMBER)
        return contributor_view(found)

    @blp.arguments(UpdateContributorSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], contributor_id: int) -> Response:
        """Change a contributor's display name (MEMBER of its project)."""
        found = _contributor_or_404(contributor_id)
        access = project_access(int(found["project_id"]), MEMBER)
        history_app().change_contributor_name(UUID(access.project["uuid"]), int(access.project["id"]),
                                              contributor_id, body["displayName"], actor=access.principal.actor)
        return ok()


@blp.route("/contributors/merge")
class MergeContributors(MethodView):
    @blp.arguments(MergeContributorsSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any]) -> Response:
        """Merge contributors of one project: the first id survives with the given display name and
        every name and address of the others; the other ids become invalid."""
        ids = list(dict.fromkeys(int(i) for i in body["contributorIds"]))
        if len(ids) < 2:
            raise Invalid("contributorIds must name at least two different contributors")
        found = [_contributor_or_404(i) for i in ids]
        projects = {int(c["project_id"]) for c in found}
        if len(projects) != 1:
            raise Invalid("contributors of different projects cannot be merged")
        access = project_access(projects.pop(), MEMBER)
        history_app().merge_contributors(UUID(access.project["uuid"]), int(access.project["id"]), ids,
                                         body["displayName"], actor=access.principal.actor)
        return ok()
