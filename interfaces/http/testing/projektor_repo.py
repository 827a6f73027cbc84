"""Projektor's repository views of tests: flaky tests (``/repo/{org}/{repo}/tests/flaky`` and its
``/api/v1`` twin, ``?threshold=`` failures at least, among the newest ``?max_runs=`` runs).

A test is flaky when it failed (or errored) in at least ``threshold`` of the repository's newest
``max_runs`` runs the caller may see (canceled runs left out; ``branch_type`` MAINLINE or ALL).
Its failure percentage is its failures over the number of runs looked at. Tests are told apart by
their full name (package, class name, name).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.testing.coverage import percentage
from interfaces.http.operations import public_test_results
from interfaces.http.testing.common import (
    case_view,
    full_name,
    json_response,
    no_content,
    reading_viewer,
    repo_name,
    store,
)
from interfaces.http.testing.schemas import FlakyQuerySchema, FlakyTestsSchema
from projections.testing import queries

blp = Blueprint("projektor_repository", __name__, description="Projektor: repository test statistics")


def flaky_tests(org: str, repo: str, project: str | None, threshold: int, max_runs: int,
                branch_type: str) -> Response:
    viewer = reading_viewer()
    mainline = branch_type.upper() == "MAINLINE"
    runs = queries.recent_runs(store(), viewer, repo_name(org, repo), project, mainline, max_runs)
    by_id = {int(r["id"]): r for r in runs}
    groups: dict[str, list[dict[str, Any]]] = {}
    for case in queries.failed_cases_in(store(), list(by_id)):
        groups.setdefault(full_name(case), []).append(case)  # newest run first
    tests: list[dict[str, Any]] = []
    for cases in groups.values():
        if len(cases) < threshold:
            continue
        latest, first = cases[0], cases[-1]
        tests.append({
            "test_case": case_view(latest, by_id[int(latest["run_id"])]),
            "failure_count": len(cases),
            "failure_percentage": percentage(len(cases), len(runs)),
            "first_test_case": case_view(first, by_id[int(first["run_id"])]),
            "latest_test_case": case_view(latest, by_id[int(latest["run_id"])]),
        })
    if not tests:
        return no_content()
    tests.sort(key=lambda t: (-t["failure_count"], t["test_case"]["full_name"]))
    return json_response({"tests": tests, "max_runs": max_runs, "failure_count_threshold": threshold})


@blp.route("/repo/<string:org>/<string:repo>/tests/flaky")
class FlakyTests(MethodView):
    @public_test_results
    @blp.arguments(FlakyQuerySchema, location="query")
    @blp.response(200, FlakyTestsSchema)
    @blp.alt_response(204, description="No flaky tests")
    def get(self, query: dict[str, Any], org: str, repo: str) -> Response:
        """Flaky tests of a repository (all branches unless ``branch_type=MAINLINE``)."""
        return flaky_tests(org, repo, query.get("project"), query["threshold"], query["max_runs"],
                           query.get("branch_type") or "ALL")


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/tests/flaky")
class ProjectFlakyTests(MethodView):
    @public_test_results
    @blp.arguments(FlakyQuerySchema, location="query")
    @blp.response(200, FlakyTestsSchema)
    @blp.alt_response(204, description="No flaky tests")
    def get(self, query: dict[str, Any], org: str, repo: str, project: str) -> Response:
        """Flaky tests of a project of a repository."""
        return flaky_tests(org, repo, project, query["threshold"], query["max_runs"],
                           query.get("branch_type") or "ALL")


@blp.route("/api/v1/repo/<string:org>/<string:repo>/tests/flaky")
class ApiFlakyTests(MethodView):
    @public_test_results
    @blp.arguments(FlakyQuerySchema, location="query")
    @blp.response(200, FlakyTestsSchema)
    @blp.alt_response(204, description="No flaky tests")
    def get(self, query: dict[str, Any], org: str, repo: str) -> Response:
        """Flaky tests of a repository (main branch unless ``branch_type=ALL``)."""
        return flaky_tests(org, repo, query.get("project"), query["threshold"], query["max_runs"],
                           query.get("branch_type") or "MAINLINE")
