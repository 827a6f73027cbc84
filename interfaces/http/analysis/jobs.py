"""coderadar analysis jobs (seed 3.6): start, status (with progress), reset; and stop, and the contents an
analyzer failed on.

MEMBER may start and stop an analysis; resetting (deleting every result) needs ADMIN. Starting is
refused (422) without an INCLUDE file pattern or an enabled analyzer, and while a job runs.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from application.analysis.service import check_branches
from domain.analysis.jobs import canonical_configuration, describe_change
from domain.shared.errors import Invalid, Unprocessable
from interfaces.http.analysis.common import analysis_app
from interfaces.http.analysis.schemas import FailureSchema, StatusSchema
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, store
from interfaces.http.projects.common import ok
from projections.analysis import queries
from projections.history import queries as history
from projections.projects import queries as projects

blp = Blueprint("coderadar_analysis", __name__, url_prefix="/api", description="coderadar analysis jobs (seed 3.6)")


def _requested_branches() -> list[str]:
    """The start request's body: a JSON list of branch names (or ``{"branches": [...]}``); empty or
    absent: every branch."""
    if not request.get_data(cache=True).strip():
        return []
    body = request.get_json(silent=True, force=True)
    if isinstance(body, dict):
        body = body.get("branches", [])
    if body is None:
        raise Invalid("The request body must be a JSON list of branch names (empty: all branches).")
    return check_branches(body)


@blp.route("/projects/<int:project_id>/analyze")
class Analyze(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}})
    @blp.response(200, description="The analysis was started")
    @blp.alt_response(422, description="No INCLUDE file pattern, no enabled analyzer, an unknown branch, or a job "
                                       "already runs")
    def post(self, project_id: int) -> Response:
        """Start analysing the project's commits on the given branches (a JSON list; empty: all)."""
        access = project_access(project_id, MEMBER)
        branches = _requested_branches()
        known = {str(r["name"]) for r in history.refs(store(), project_id) if not r["is_tag"]}
        unknown = [b for b in branches if known and b not in known]
        if unknown:
            raise Unprocessable(f"Branch {unknown[0]} not found in project {project_id}.")
        patterns, analyzers = _configuration(project_id)
        analysis_app().start(UUID(access.project["uuid"]), project_id, branches, patterns, analyzers,
                             actor=access.principal.actor)
        return ok()


def _configuration(project_id: int) -> tuple[list[list[str]], list[list[Any]]]:
    """The project's file patterns and enabled analyzers, as a job is started with them."""
    patterns = [[str(r["pattern"]), str(r["inclusion_type"])] for r in projects.file_patterns(store(), project_id)]
    analyzers = [[a["analyzer_name"], dict(a["parameters"] or {})]
                 for a in projects.analyzers(store(), project_id) if a["enabled"]]
    return patterns, analyzers


def pending_change(row: dict[str, Any] | None, project_id: int) -> str | None:
    """What changed in the configuration since the analysed commits were measured (they are recorded
    again, measuring only what is missing, when the analysis is started next); None when nothing did."""
    if row is None or row["configuration"] is None or not int(row["commits"]) or row["status"] == "RUNNING":
        return None
    now = canonical_configuration(*_configuration(project_id))
    if now == row["configuration"]:
        return None
    return describe_change(row["configuration"], now)


def status_view(row: dict[str, Any] | None, pending: str | None = None) -> dict[str, Any]:
    if row is None:
        return {"status": False, "commitsDone": 0, "commitsToDo": None, "commitsAnalyzed": 0, "state": "NONE",
                "job": 0, "automatic": False, "branches": [], "contentsMeasured": 0, "failures": 0,
                "failureReason": None, "configurationChange": None, "pendingConfigurationChange": None}
    return {
        "status": row["status"] == "RUNNING",
        "commitsDone": int(row["job_commits"]),
        "commitsToDo": None if row["todo"] is None else int(row["todo"]),
        "commitsAnalyzed": int(row["commits"]),
        "state": row["status"],
        "job": int(row["job"]),
        "automatic": bool(row["automatic"]),
        "branches": list(row["branches"]),
        "contentsMeasured": int(row["measured"]),
        "failures": int(row["failures"]),
        "failureReason": row["failure_reason"],
        "configurationChange": row.get("change"),
        "pendingConfigurationChange": pending,
    }


@blp.route("/projects/<int:project_id>/analyzingStatus")
class AnalyzingStatus(MethodView):
    @blp.response(200, StatusSchema)
    def get(self, project_id: int) -> dict[str, Any]:
        """``status`` is true while a job runs; progress: commits done and still to do. A job started after
        the file patterns or analyzers changed records every analysed commit again (``commitsToDo``),
        measuring only what the new configuration lacks; ``configurationChange`` says what changed.
        ``pendingConfigurationChange`` says what changed since the analysed commits were measured, until
        the analysis is started again."""
        project_access(project_id, MEMBER)
        row = queries.status(store(), project_id)
        return status_view(row, pending_change(row, project_id))


@blp.route("/projects/<int:project_id>/analyze/stop")
class StopAnalysis(MethodView):
    @blp.response(200, description="No job runs any more (what it recorded stays)")
    def post(self, project_id: int) -> Response:
        """Stop the running job; its worker lets go after the batch it is measuring."""
        access = project_access(project_id, MEMBER)
        analysis_app().stop(UUID(access.project["uuid"]), actor=access.principal.actor)
        return ok()


@blp.route("/projects/<int:project_id>/analyze/reset")
class ResetAnalysis(MethodView):
    @blp.response(200, description="Every result is deleted; commits are unanalysed")
    def post(self, project_id: int) -> Response:
        """Delete every analysis result (ADMIN); a running job ends; new commits are not analysed
        automatically until the next analysis."""
        access = project_access(project_id, ADMIN)
        analysis_app().reset(UUID(access.project["uuid"]), project_id, actor=access.principal.actor)
        return ok()


@blp.route("/projects/<int:project_id>/analyzingFailures")
class AnalyzingFailures(MethodView):
    @blp.response(200, FailureSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """File contents an analyzer failed on (each is recorded and the analysis goes on); those of the
        analyzers the analysed commits were recorded with."""
        project_access(project_id, MEMBER)
        row = queries.status(store(), project_id)
        recorded = row["configuration"] if row is not None else None
        analyzers = [str(a[0]) for a in recorded["analyzers"]] if recorded else None
        return [{"analyzer": r["analyzer"], "blob": r["blob"], "error": r["error"]}
                for r in queries.failures(store(), project_id, analyzers=analyzers)]
