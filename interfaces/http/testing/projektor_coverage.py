"""Projektor's coverage views.

* ``/api/v1/repo/{org}/{repo}/coverage/current`` (``?project=``, ``?branch=``) and
  ``/api/v1/org/{org}/coverage/current``: the seed's shapes. "Current" is the newest run with coverage
  on the main branch (or on the exact ``branch``); no ``project`` means runs without a project name.
  The organization's entry per (repository, project) is its newest main-branch run with coverage.
* ``/run/{id}/coverage`` (groups, overall stats and deltas to the previous main-branch run of the
  same repository), ``/run/{id}/coverage/overall``, ``/run/{id}/coverage/exists`` and
  ``/run/{id}/coverage/{group}/files`` (every file's counters, missed and partly covered lines).
* ``/repo/{org}/{repo}/coverage/timeline`` (``?branch=MAINLINE|ALL``, ``?project=``).

Only runs the caller may see count; canceled runs never do. 204 where Projektor answers 204 (no
coverage yet). Percentages: covered / (covered + missed) * 100, two decimals, 0 with nothing to cover.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.operations import public_test_results
from interfaces.http.testing.common import (
    current_coverage_view,
    instant,
    json_response,
    no_content,
    readable_run,
    reading_viewer,
    repo_name,
    run_stats,
    stats,
    store,
)
from interfaces.http.testing.schemas import (
    BranchTypeQuerySchema,
    CoverageFilesSchema,
    CoverageSchema,
    CoverageStatsSchema,
    CoverageTimelineSchema,
    CurrentCoverageQuerySchema,
    CurrentCoverageSchema,
    OrganizationCoverageSchema,
    ProjektorErrorSchema,
)
from projections.testing import queries

blp = Blueprint("projektor_coverage", __name__, description="Projektor: code coverage")


def _previous(viewer: queries.Viewer, run: dict[str, Any]) -> dict[str, Any] | None:
    if not run["repo"]:
        return None
    return queries.latest_run(store(), viewer, run["repo"], run["project_name"], mainline=True, with_coverage=True,
                              before=int(run["id"]))


@blp.route("/run/<string:public_id>/coverage")
class RunCoverage(MethodView):
    @public_test_results
    @blp.response(200, CoverageSchema)
    @blp.alt_response(204, description="The run has no coverage")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """A run's coverage: one group per report, the overall stats, and the change since the
        previous main-branch run of the same repository."""
        viewer, run = readable_run(public_id)
        if not run["has_coverage"]:
            return no_content()
        previous = _previous(viewer, run)
        groups = [
            {"name": r["name"], "stats": stats((r["covered"], r["missed"]), (r["branch_covered"], r["branch_missed"]))}
            for r in queries.coverage_reports_of(store(), int(run["id"]))
        ]
        return json_response({"groups": groups, "overall_stats": run_stats(run, previous),
                              "previous_test_run_id": None if previous is None else previous["public_id"]})


@blp.route("/run/<string:public_id>/coverage/overall")
class RunCoverageOverall(MethodView):
    @public_test_results
    @blp.response(200, CoverageStatsSchema)
    @blp.alt_response(204, description="The run has no coverage")
    def get(self, public_id: str) -> Response:
        """A run's overall coverage stats."""
        _, run = readable_run(public_id)
        return json_response(run_stats(run)) if run["has_coverage"] else no_content()


@blp.route("/run/<string:public_id>/coverage/exists")
class RunCoverageExists(MethodView):
    @public_test_results
    @blp.response(200)
    def get(self, public_id: str) -> Response:
        """Whether a run has coverage: ``{"exists": true|false}``."""
        _, run = readable_run(public_id)
        return json_response({"exists": bool(run["has_coverage"])})


def _file_view(row: dict[str, Any]) -> dict[str, Any]:
    path = str(row["path"])
    branch = (int(row["branch_covered"] or 0), int(row["branch_missed"] or 0))
    return {
        "file_name": posixpath.basename(path),
        "directory_name": posixpath.dirname(path),
        "missed_lines": json.loads(row["missed_lines"]),
        "partial_lines": json.loads(row["partial_lines"]),
        "stats": stats((row["covered"], row["missed"]), branch),
        "file_path": path,
    }


@blp.route("/run/<string:public_id>/coverage/<path:group>/files")
class RunCoverageFiles(MethodView):
    @public_test_results
    @blp.response(200, CoverageFilesSchema)
    @blp.alt_response(204, description="No such coverage group in the run")
    def get(self, public_id: str, group: str) -> Response:
        """Every file of one coverage group (report) of a run, with its counters and the numbers of
        its missed and partly covered lines."""
        _, run = readable_run(public_id)
        report = next((r for r in queries.coverage_reports_of(store(), int(run["id"])) if r["name"] == group), None)
        if report is None:
            return no_content()
        files = queries.coverage_files_of(store(), int(run["id"]), int(report["report"]))
        return json_response({"files": [_file_view(f) for f in files]}) if files else no_content()


def _current(org: str, repo: str, project: str | None, branch: str | None) -> Response:
    viewer = reading_viewer()
    name = repo_name(org, repo)
    run = queries.latest_run(store(), viewer, name, project, branch=branch, mainline=True, with_coverage=True)
    return json_response(current_coverage_view(run)) if run is not None else no_content()


@blp.route("/api/v1/repo/<string:org>/<string:repo>/coverage/current")
class RepositoryCurrentCoverage(MethodView):
    @public_test_results
    @blp.arguments(CurrentCoverageQuerySchema, location="query")
    @blp.response(200, CurrentCoverageSchema)
    @blp.alt_response(204, description="No run with coverage")
    def get(self, query: dict[str, Any], org: str, repo: str) -> Response:
        """The current coverage of a repository (and ``project``): the newest run with coverage on
        the main branch, or on ``branch`` when given."""
        return _current(org, repo, query.get("project"), query.get("branch"))


@blp.route("/repo/<string:org>/<string:repo>/coverage/current")
class RepositoryCurrentCoverageUi(MethodView):
    @public_test_results
    @blp.response(200, CurrentCoverageSchema)
    @blp.alt_response(204, description="No run with coverage")
    def get(self, org: str, repo: str) -> Response:
        """The current main-branch coverage of a repository (runs without a project name)."""
        return _current(org, repo, None, None)


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/coverage/current")
class ProjectCurrentCoverageUi(MethodView):
    @public_test_results
    @blp.response(200, CurrentCoverageSchema)
    @blp.alt_response(204, description="No run with coverage")
    def get(self, org: str, repo: str, project: str) -> Response:
        """The current main-branch coverage of a project of a repository."""
        return _current(org, repo, project, None)


@blp.route("/api/v1/org/<string:org>/coverage/current")
class OrganizationCurrentCoverage(MethodView):
    @public_test_results
    @blp.response(200, OrganizationCoverageSchema)
    @blp.alt_response(204, description="No repository of the organization has coverage")
    def get(self, org: str) -> Response:
        """The current coverage of every repository (and project) of an organization."""
        viewer = reading_viewer()
        runs = queries.organization_coverage(store(), viewer, org)
        if not runs:
            return no_content()
        return json_response({"repositories": [current_coverage_view(r) for r in runs]})


def _timeline(org: str, repo: str, project: str | None, branch: str | None) -> Response:
    viewer = reading_viewer()
    mainline = (branch or "MAINLINE").upper() != "ALL"
    runs = queries.coverage_timeline(store(), viewer, repo_name(org, repo), project, mainline)
    if not runs:
        return no_content()
    return json_response({"timeline_entries": [
        {"public_id": r["public_id"], "created_timestamp": instant(r["created_at"]), "coverage_stats": run_stats(r)}
        for r in runs
    ]})


@blp.route("/repo/<string:org>/<string:repo>/coverage/timeline")
class CoverageTimeline(MethodView):
    @public_test_results
    @blp.arguments(BranchTypeQuerySchema, location="query")
    @blp.response(200, CoverageTimelineSchema)
    @blp.alt_response(204, description="No run with coverage")
    def get(self, query: dict[str, Any], org: str, repo: str) -> Response:
        """Coverage of every run of a repository with coverage, oldest first (main branch, or ALL)."""
        return _timeline(org, repo, query.get("project"), query.get("branch"))


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/coverage/timeline")
class ProjectCoverageTimeline(MethodView):
    @public_test_results
    @blp.arguments(BranchTypeQuerySchema, location="query")
    @blp.response(200, CoverageTimelineSchema)
    @blp.alt_response(204, description="No run with coverage")
    def get(self, query: dict[str, Any], org: str, repo: str, project: str) -> Response:
        """The coverage timeline of a project of a repository."""
        return _timeline(org, repo, project, query.get("branch"))
