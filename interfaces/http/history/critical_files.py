"""coderadar critical files (seed 7): files with many contributors, frequently changed files.

Files alive at ``commitHash`` (those matching the project's file patterns when it has an INCLUDE
pattern; all files otherwise). A file's history follows renames back; merge commits do not count as
changing a file (the merged commits do). Both take GET with a JSON body, or POST."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.projects.file_patterns import FilePattern, FilePatternSet, parse_inclusion_type
from domain.shared.errors import Invalid, NotFound
from interfaces.http.history.common import (
    commit_view,
    json_response,
    mirror,
    request_fields,
    resolve_commit,
    with_analyzed,
)
from interfaces.http.history.schemas import (
    FileCommitsSchema,
    FileContributorsSchema,
    FrequencyRequestSchema,
    ManyContributorsRequestSchema,
)
from interfaces.http.projects.access import MEMBER, project_access, store
from projections.history import queries
from projections.history.queries import FileHistory
from projections.projects import queries as project_queries

blp = Blueprint("coderadar_critical_files", __name__, url_prefix="/api",
                description="coderadar critical files (seed 7)")


def _histories(project: dict[str, Any], commit: dict[str, Any]) -> dict[str, FileHistory]:
    with mirror(project) as reader:
        try:
            alive = [e.path for e in reader.files(str(commit["hash"]))]
        except KeyError:
            raise NotFound(f"Commit {commit['hash']} is not in the repository mirror.") from None
    patterns = FilePatternSet(
        FilePattern(str(r["pattern"]), parse_inclusion_type(str(r["inclusion_type"])))
        for r in project_queries.file_patterns(store(), int(project["id"]))
    )
    if patterns.has_includes:
        alive = patterns.filter(alive)
    return queries.file_histories(store(), int(project["id"]), int(commit["idx"]), alive)


def _many_contributors(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    fields = request_fields(ManyContributorsRequestSchema)
    wanted = fields.get("numberOfContributors", fields.get("numOfContr"))
    if wanted is None:
        raise Invalid("numberOfContributors is required")
    commit = resolve_commit(project_id, fields["commitHash"])
    histories = _histories(access.project, commit)
    owners = queries.contributor_emails(store(), project_id)
    names = {c["id"]: c["display_name"] for c in queries.contributors_by_id(store(), project_id, set(owners.values()))}
    out = []
    for path in sorted(histories):
        first_touch: dict[int, int] = {}
        for touch in histories[path].touches:  # newest first: the last write is the earliest touch
            contributor = owners.get(touch.email_key)
            if contributor is not None:
                first_touch[contributor] = touch.idx
        if len(first_touch) == wanted:
            ordered = sorted(first_touch, key=lambda c: (first_touch[c], c))
            out.append({"path": path, "contributors": [names.get(c, "") for c in ordered]})
    return json_response(out)


@blp.route("/projects/<int:project_id>/files/critical", methods=["GET", "POST"])
class ManyContributors(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": ManyContributorsRequestSchema}}})
    @blp.response(200, FileContributorsSchema(many=True))
    def get(self, project_id: int) -> Response:
        """Files alive at ``commitHash`` changed (in its ancestry) by exactly ``numberOfContributors``
        distinct contributors (also ``?numOfContr=``); contributors by display name, earliest first."""
        return _many_contributors(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": ManyContributorsRequestSchema}}})
    @blp.response(200, FileContributorsSchema(many=True))
    def post(self, project_id: int) -> Response:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _many_contributors(project_id)


def _frequently_changed(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    fields = request_fields(FrequencyRequestSchema)
    commit = resolve_commit(project_id, fields["commitHash"])
    since, frequency = int(fields["startDate"]), int(fields["frequency"])
    histories = _histories(access.project, commit)
    picked: dict[str, list[int]] = {}
    for path in sorted(histories):
        touches = [t.idx for t in histories[path].touches if t.author_time >= since]
        if len(touches) >= frequency:
            picked[path] = touches
    found = queries.commits_by_idx(store(), project_id, {i for touches in picked.values() for i in touches})
    rows = {int(r["idx"]): r for r in with_analyzed(project_id, list(found.values()))}
    out = []
    for path, touches in picked.items():
        commits = sorted((rows[i] for i in touches if i in rows),
                         key=lambda r: (-int(r["author_time"]), -int(r["idx"])))
        out.append({"path": path, "commits": [commit_view(r) for r in commits]})
    return json_response(out)


@blp.route("/projects/<int:project_id>/files/modification/frequency", methods=["GET", "POST"])
class FrequentlyChanged(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": FrequencyRequestSchema}}})
    @blp.response(200, FileCommitsSchema(many=True))
    def get(self, project_id: int) -> Response:
        """Files alive at ``commitHash`` changed in at least ``frequency`` commits authored at or after
        ``startDate`` (epoch ms), counting changes under earlier names; with those commits, newest first."""
        return _frequently_changed(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": FrequencyRequestSchema}}})
    @blp.response(200, FileCommitsSchema(many=True))
    def post(self, project_id: int) -> Response:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _frequently_changed(project_id)
