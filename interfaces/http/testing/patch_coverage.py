"""Patch coverage: how much of the code a commit (or a branch) adds is tested.

``GET /api/projects/{id}/commits/{commitHash}/coverage``: the newest run with coverage whose commit is
that commit; its report files matched to the commit's files (longest path suffix, unique, else listed
under ``unmatched``) and the commit's patch lines (added or changed against the first parent) counted
as covered or missed. 204 when no run with coverage exists for the commit.

``GET /api/projects/{id}/branches/{name}/coverage?base=<branch>``: the same figures summed over the
commits of ``name`` that are not in ``base`` (``base..name``), 204 when none of them has coverage.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from domain.shared.errors import NotFound
from interfaces.http.history.common import json_response, mirror, resolve_commit
from interfaces.http.projects.access import MEMBER, project_access, store
from interfaces.http.schemas import ErrorSchema
from interfaces.testing.patch_coverage import branch_view, commit_coverage, commit_view
from projections.history import queries as history

blp = Blueprint("coderadar_patch_coverage", __name__, url_prefix="/api",
                description="Patch coverage of a commit or a branch")


class FiguresSchema(Schema):
    covered = fields.Integer()
    missed = fields.Integer()
    percentage = fields.Float(allow_none=True)


class FileFiguresSchema(Schema):
    path = fields.String()
    covered = fields.Integer()
    missed = fields.Integer()
    patchCovered = fields.Integer()
    patchMissed = fields.Integer()
    missedPatchLines = fields.List(fields.Integer())


class RunRefSchema(Schema):
    publicId = fields.String()
    id = fields.Integer()
    commitHash = fields.String()


class CommitCoverageSchema(Schema):
    run = fields.Nested(RunRefSchema)
    overall = fields.Nested(FiguresSchema)
    patch = fields.Nested(FiguresSchema)
    files = fields.List(fields.Nested(FileFiguresSchema))
    unmatched = fields.List(fields.String())


class BranchCoverageSchema(Schema):
    base = fields.String()
    head = fields.String()
    commits = fields.Integer()
    runs = fields.List(fields.Nested(RunRefSchema))
    overall = fields.Nested(FiguresSchema)
    patch = fields.Nested(FiguresSchema)
    files = fields.List(fields.Nested(FileFiguresSchema))
    unmatched = fields.List(fields.String())


class BranchCoverageQuerySchema(Schema):
    base = fields.String(required=True, metadata={"description": "The branch the changes are compared with"})


@blp.route("/projects/<int:project_id>/commits/<string:commit_hash>/coverage")
class CommitCoverage(MethodView):
    @blp.response(200, CommitCoverageSchema)
    @blp.alt_response(204, description="No run with coverage exists for the commit")
    @blp.alt_response(400, schema=ErrorSchema, description="Malformed or ambiguous commit hash")
    @blp.alt_response(404, schema=ErrorSchema, description="No such project or commit")
    def get(self, project_id: int, commit_hash: str) -> Response:
        """Overall and patch coverage of a commit, per file with the patch lines it missed."""
        access = project_access(project_id, MEMBER)
        commit = resolve_commit(project_id, commit_hash)
        with mirror(access.project) as reader:
            found = commit_coverage(store(), reader, str(commit["hash"]))
        if found is None:
            return Response(status=204)
        return json_response(commit_view(*found))


@blp.route("/projects/<int:project_id>/branches/<path:name>/coverage")
class BranchCoverage(MethodView):
    @blp.arguments(BranchCoverageQuerySchema, location="query")
    @blp.response(200, BranchCoverageSchema)
    @blp.alt_response(204, description="No commit of the range has a run with coverage")
    @blp.alt_response(404, schema=ErrorSchema, description="No such project or branch")
    def get(self, args: dict[str, Any], project_id: int, name: str) -> Response:
        """Patch coverage summed over the commits between the merge base with ``base`` and the branch's head."""
        access = project_access(project_id, MEMBER)
        head_ref = history.ref_by_name(store(), project_id, name)
        base_ref = history.ref_by_name(store(), project_id, str(args["base"]).strip())
        if head_ref is None or head_ref["commit_idx"] is None:
            raise NotFound(f"Branch {name} not found in project {project_id}.")
        if base_ref is None or base_ref["commit_idx"] is None:
            raise NotFound(f"Branch {args['base']} not found in project {project_id}.")
        with store().read() as tx:
            head_set = history.ancestry(tx, project_id, int(head_ref["commit_idx"]))
            base_set = history.ancestry(tx, project_id, int(base_ref["commit_idx"]))
        in_range = sorted(head_set - base_set, reverse=True)  # newest (highest import order) first
        found = []
        with mirror(access.project) as reader:
            for idx in in_range:
                commit = history.commit_at(store(), project_id, idx)
                if commit is None:
                    continue
                result = commit_coverage(store(), reader, str(commit["hash"]))
                if result is not None:
                    found.append((str(commit["hash"]), *result))
        if not found:
            return Response(status=204)
        return json_response(branch_view(found, str(base_ref["name"]), str(head_ref["name"]), len(in_range)))
