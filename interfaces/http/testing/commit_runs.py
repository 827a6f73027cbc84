"""coderadar: the test runs of one commit of a project.

``GET /api/projects/{projectId}/commits/{commitHash}/testRuns``: the commit is named by its full hash
or a unique prefix of at least 7 hex digits and resolved against the project's imported history, as
the history endpoints do (unknown: 404, ambiguous or malformed: 400). Any role in the project may
read (401, then 404 for no such project, then 403). The answer lists every test run published for
that commit (its sha equal to the commit's full hash), oldest first, whoever published it: the
commit belongs to the project, so its members see the runs of it. Each run links to its Testery
(``/api/test-runs/{id}``) and Projektor (``/run/{publicId}``) views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.history.common import resolve_commit
from interfaces.http.projects.access import MEMBER, project_access
from interfaces.http.schemas import ErrorSchema
from interfaces.http.testing.common import failed_count, status_of, store
from interfaces.http.testing.schemas import CommitTestRunSchema
from projections.testing import queries

blp = Blueprint("coderadar_commit_test_runs", __name__, url_prefix="/api",
                description="coderadar: the test runs of a commit")


def epoch_millis(iso: str) -> int:
    """A read model's time (ISO text in UTC) as epoch milliseconds."""
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


def commit_run_view(run: dict[str, Any]) -> dict[str, Any]:
    ended_at = run["results_at"] or run["coverage_at"] or run["updated_at"]
    run_id, public_id = int(run["id"]), str(run["public_id"])
    return {
        "id": run_id,
        "publicId": public_id,
        "source": run["source"],
        "name": run["name"],
        "status": status_of(run),
        "totalCount": int(run["tests"]),
        "passedCount": int(run["passed"]),
        "failedCount": failed_count(run),
        "skippedCount": int(run["skipped"]),
        "startTime": epoch_millis(run["created_at"]),
        "endTime": epoch_millis(ended_at),
        "commitHash": run["commit_sha"],
        "repo": run["repo"],
        "projectName": run["project_name"],
        "branch": run["branch"],
        "isMainBranch": bool(run["is_main_branch"]),
        "pullRequestNumber": run["pull_request_number"],
        "buildKey": run["build_key"],
        "links": {"testery": f"/api/test-runs/{run_id}", "projektor": f"/run/{public_id}"},
    }


@blp.route("/projects/<int:project_id>/commits/<string:commit_hash>/testRuns")
class CommitTestRuns(MethodView):
    @blp.response(200, CommitTestRunSchema(many=True))
    @blp.alt_response(400, schema=ErrorSchema, description="Malformed or ambiguous commit hash")
    @blp.alt_response(401, schema=ErrorSchema, description="No credentials")
    @blp.alt_response(403, schema=ErrorSchema, description="No role in the project")
    @blp.alt_response(404, schema=ErrorSchema, description="No such project, or no such commit in its history")
    def get(self, project_id: int, commit_hash: str) -> list[dict[str, Any]]:
        """The test runs of a commit of the project (full hash or unique prefix of at least 7 hex
        digits), oldest first, whoever published them."""
        project_access(project_id, MEMBER)
        commit = resolve_commit(project_id, commit_hash)
        runs = queries.runs_of_commit(store(), str(commit["hash"]))
        return [commit_run_view(run) for run in runs]
