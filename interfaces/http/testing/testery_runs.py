"""Testery's test runs (``Authorization: Bearer <API token>``).

* ``GET /api/test-runs?page=N&limit=N`` (documented) or ``?limit=N&offset=N`` (what the CLI sends):
  a bare array, newest first; ``?buildKey=`` keeps the runs of one build.
* ``GET /api/test-runs/{id}``: one run with every field of the seed (times as
  ``2020-05-04 23:16:33+0000``; status PASS, FAIL or CANCELED; uploaded runs are complete).
* ``GET /api/test-runs/{id}/results``: ``[{status, duration (ms), error, stackTrace, name,
  projectTest: {name, file, fileFilter}}]``, status PASS, FAIL or IGNORED.
* ``PATCH /api/test-runs/{id}`` with ``{"status": "CANCELED"}``.
* ``POST /api/test-runs-upload``: multipart JUnit upload (``file``, ``projectId``, ``environmentId``,
  optional ``branch``, ``ref``, ``buildKey``); 201 ``{"id"}``. ``projectId`` is a coderadar project the
  uploader has a role in.

A run published through Projektor is a Testery run too, and the other way round: the numeric id is
the Testery id, the public id (``key``) the Projektor id.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from application.testing.service import RunFacts
from interfaces.http.projects.access import MEMBER, project_access
from interfaces.http.projects.projects import project_view
from interfaces.http.testing.common import (
    authenticated,
    current_viewer,
    drain_request,
    failed_count,
    full_name,
    json_response,
    publisher_of,
    require_change,
    run_percentage,
    status_of,
    store,
    testery_time,
    testing_app,
    upload_limits,
    visible_run_by_id,
)
from interfaces.http.testing.schemas import (
    TesteryCreatedSchema,
    TesteryListQuerySchema,
    TesteryPatchSchema,
    TesteryResultSchema,
    TesteryResultsQuerySchema,
    TesteryRunSchema,
    TesteryUploadFileSchema,
    TesteryUploadSchema,
)
from interfaces.testing.ingest import read_junit
from projections.testing import queries

blp = Blueprint("testery_runs", __name__, description="Testery: test runs")

UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "required": ["file", "projectId", "environmentId"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "a JUnit XML report"},
            "projectId": {"type": "integer", "description": "a coderadar project the uploader has a role in"},
            "environmentId": {"type": "string"},
            "branch": {"type": "string"},
            "ref": {"type": "string", "description": "the commit sha"},
            "buildKey": {"type": "string", "description": "links the run to a build (alias: buildId)"},
            "testName": {"type": "string"},
        },
    }}},
}
RESULT_STATUS = {"PASSED": "PASS", "FAILED": "FAIL", "ERROR": "FAIL", "SKIPPED": "IGNORED"}


def run_view(run: dict[str, Any]) -> dict[str, Any]:
    """A run as Testery shows it (the seed's fields, in its order, and ``ended``)."""
    total_lines = int(run["line_covered"]) + int(run["line_missed"])
    has_coverage = bool(run["has_coverage"])
    ended_at = run["results_at"] or run["coverage_at"] or run["updated_at"]
    return {
        "id": int(run["id"]),
        "name": run["name"],
        "testName": None,
        "key": run["public_id"],
        "startTime": testery_time(run["created_at"]),
        "endTime": testery_time(ended_at),
        "createTime": testery_time(run["created_at"]),
        "accountId": int(run["owner_id"]),
        "projectId": None if run["project_id"] is None else int(run["project_id"]),
        "status": status_of(run),
        "copies": 1,
        "passCount": int(run["passed"]),
        "failCount": failed_count(run),
        "ignoredCount": int(run["skipped"]),
        "codeCoverageName": run["coverage_format"] if has_coverage else None,
        "codeCoverageVersion": None,
        "codeCoveragePercentage": run_percentage(run) if has_coverage else None,
        "codeCoverageTotalStatements": total_lines if has_coverage else None,
        "codeCoverageCoveredStatements": int(run["line_covered"]) if has_coverage else None,
        "totalTestingTime": round(float(run["duration_ms"])),
        "isSchedule": None,
        "totalCount": int(run["tests"]),
        "gitRef": run["commit_sha"],
        "buildKey": run["build_key"],
        "environment": run["environment"],
        "statusInfo": None,
        "includeTags": [],
        "complete": True,
        "ended": True,
    }


def result_view(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": RESULT_STATUS.get(str(case["status"]), "FAIL"),
        "duration": round(float(case["duration_ms"])),
        "error": case["failure_message"],
        "stackTrace": case["stack_trace"],
        "name": case["name"],
        "projectTest": {"name": full_name(case), "file": case["file"],
                        "fileFilter": case["file"] or case["classname"]},
    }


@blp.route("/api/test-runs/", strict_slashes=False)
class TestRuns(MethodView):
    @blp.arguments(TesteryListQuerySchema, location="query")
    @blp.response(200, TesteryRunSchema(many=True))
    def get(self, query: dict[str, Any]) -> Response:
        """The caller's test runs (and those of their projects), newest first. ``page`` (from 0) and
        ``limit``, or ``offset`` and ``limit``; ``buildKey`` keeps one build's runs."""
        _, viewer = current_viewer()
        limit = int(query["limit"])
        offset = int(query["offset"]) if query.get("offset") is not None else int(query.get("page") or 0) * limit
        runs = queries.list_runs(store(), viewer, limit, offset, build_key=query.get("buildKey"))
        return json_response([run_view(r) for r in runs])


@blp.route("/api/test-runs/<int:run_id>")
class TestRunResource(MethodView):
    @blp.response(200, TesteryRunSchema)
    @blp.alt_response(404, description="No such run (or not yours to see)")
    def get(self, run_id: int) -> Response:
        """One test run."""
        _, _, run = visible_run_by_id(run_id)
        return json_response(run_view(run))

    @blp.arguments(TesteryPatchSchema)
    @blp.response(200, TesteryRunSchema)
    @blp.alt_response(403, description="Not the run's publisher")
    @blp.alt_response(404, description="No such run")
    def patch(self, body: dict[str, Any], run_id: int) -> Response:
        """Cancel a run (``{"status": "CANCELED"}``): it takes no more results and leaves current
        coverage, timelines, badges and flaky-test statistics. Canceling twice changes nothing."""
        principal, _, run = visible_run_by_id(run_id)
        require_change(principal, run)
        testing_app().cancel(run["public_id"], actor=principal.actor)
        updated = queries.run_by_id(store(), run_id) or run
        if not updated["canceled"]:  # the read model has not caught up (X-Read-Models: pending)
            updated = {**updated, "canceled": True}
        return json_response(run_view(updated))


@blp.route("/api/test-runs/<int:run_id>/results")
class TestRunResults(MethodView):
    @blp.arguments(TesteryResultsQuerySchema, location="query")
    @blp.response(200, TesteryResultSchema(many=True))
    @blp.alt_response(404, description="No such run")
    def get(self, query: dict[str, Any], run_id: int) -> Response:
        """Every test result of a run, in the order of the report (``limit`` and ``offset`` to page)."""
        visible_run_by_id(run_id)
        cases = queries.cases_of(store(), run_id, limit=query.get("limit"), offset=int(query.get("offset") or 0))
        return json_response([result_view(c) for c in cases])


@blp.route("/api/test-runs-upload")
class TestRunUpload(MethodView):
    @authenticated
    @blp.arguments(TesteryUploadSchema, location="form")
    @blp.arguments(TesteryUploadFileSchema, location="files")
    @blp.doc(requestBody=UPLOAD_BODY, security=[{"bearer": []}])
    @blp.response(201, TesteryCreatedSchema)
    @blp.alt_response(400, description="Missing fields, or a malformed or hostile JUnit file")
    @blp.alt_response(403, description="No role in the project")
    @blp.alt_response(404, description="No such project")
    @blp.alt_response(413, description="Too large")
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Response:
        """Upload a JUnit XML report as a finished test run of a project."""
        try:
            access = project_access(int(form["projectId"]), MEMBER)
            principal = access.principal
            upload = files["file"]
            branch = form.get("branch") or None
            default = project_view(access.project)["default_branch"]  # its own, or the one its import uses
            facts = RunFacts(
                source="testery",
                name=form.get("testName") or upload.filename or "JUnit upload",
                branch=branch,
                is_main_branch=bool(branch) and (branch == default if default else branch in ("main", "master")),
                commit_sha=form.get("ref") or None,
                build_key=form.get("buildKey") or form.get("buildId") or None,
                environment=form["environmentId"],
                project_id=int(access.project["id"]),
            )
            results = read_junit(upload.stream, upload_limits())
            app = testing_app()
            public_id = app.new_public_id()
            published = app.publish(public_id, publisher_of(principal), facts, results, actor=principal.actor)
        except Exception:
            drain_request()
            raise
        return json_response({"id": published.run_id}, status=201)

