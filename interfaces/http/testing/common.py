"""Helpers shared by the Projektor and Testery resources: who may see and change a run, request
bodies read as streams, time formats, and the views of runs, cases and coverage.

Who sees what: Projektor's reads (runs, coverage, timeline, flaky tests, badges) are public, as in
Projektor, while ``CODEANNALS_PUBLIC_TEST_RESULTS`` is on (the default): anyone sees every run,
without credentials (credentials that are sent must still be valid). With the setting off, and always
for Testery, a read needs credentials (an API token as ``X-PROJEKTOR-TOKEN`` or ``Authorization:
Bearer``, or a JWT) and a run is visible to the user who published it, to members of the coderadar
project it names (directly or through a team), and to platform admins; anyone else gets a 404, as if
it did not exist. Only its publisher and platform admins may change it (add coverage, cancel), and
publishing always needs a token.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, current_app, request

from application.testing.service import Publisher, TestingApplication
from domain.shared.errors import Forbidden, NotFound
from domain.testing.coverage import percentage
from domain.testing.run import is_public_id
from domain.testing.upload import UploadLimits
from interfaces.http.auth import Principal, current_principal, require_user
from interfaces.settings import Settings
from interfaces.testing.streams import Readable, decoded_body
from projections.projects import queries as project_queries
from projections.store import ReadStore
from projections.testing import queries
from projections.testing.queries import Viewer

F = TypeVar("F", bound=Callable[..., Any])
DRAIN_LIMIT = 32 * 1024 * 1024  # after refusing an upload, read at most this much more so the client sees the answer
_REPO_PART = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")


def testing_app() -> TestingApplication:
    app: TestingApplication = current_app.extensions["codeannals"].app(TestingApplication)
    return app


def store() -> ReadStore:
    s: ReadStore = current_app.extensions["codeannals"].store
    return s


def settings() -> Settings:
    s: Settings = current_app.extensions["codeannals"].settings
    return s


def upload_limits() -> UploadLimits:
    return UploadLimits(max_cases=max(1, settings().max_test_cases))


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status=status, mimetype="application/json")


def no_content() -> Response:
    return Response(status=204)


# --- callers and runs -----------------------------------------------------------------------------
def viewer_of(principal: Principal) -> Viewer:
    if principal.platform_admin:
        return Viewer(principal.user_id, admin=True)
    projects = tuple(sorted(project_queries.roles_of_user(store(), principal.user_id)))
    return Viewer(principal.user_id, admin=False, projects=projects)


def current_viewer() -> tuple[Principal, Viewer]:
    principal = require_user()
    return principal, viewer_of(principal)


def authenticated(view: F) -> F:
    """Check credentials before anything else (even before the arguments are validated): a request
    without them is a 401, whatever else is wrong with it. Put it above the other decorators."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            require_user()
        except Exception:
            drain_request()
            raise
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def reading_viewer() -> Viewer:
    """Who reads Projektor's views: everyone sees every run while test results are public;
    otherwise the caller (credentials required) sees the runs they may."""
    if settings().public_test_results:
        current_principal()  # credentials that are sent must be valid (401), even for a public read
        return Viewer.everyone()
    return current_viewer()[1]


def readable_run(public_id: str) -> tuple[Viewer, dict[str, Any]]:
    """The run with this public id for a Projektor read, or 401 / 404 (see :func:`reading_viewer`)."""
    viewer = reading_viewer()
    run = queries.run_by_public_id(store(), public_id) if is_public_id(public_id) else None
    if run is None or not viewer.sees(run, store()):
        raise NotFound(f"test run {public_id} not found", id=public_id)
    return viewer, run


def publisher_of(principal: Principal) -> Publisher:
    return Publisher(principal.user_uuid, principal.user_id)


def visible_run(public_id: str) -> tuple[Principal, Viewer, dict[str, Any]]:
    """The caller and the run with this public id, or 401 / 404."""
    principal, viewer = current_viewer()
    run = queries.run_by_public_id(store(), public_id) if is_public_id(public_id) else None
    if run is None or not viewer.sees(run, store()):
        raise NotFound(f"test run {public_id} not found", id=public_id)
    return principal, viewer, run


def visible_run_by_id(run_id: int) -> tuple[Principal, Viewer, dict[str, Any]]:
    principal, viewer = current_viewer()
    run = queries.run_by_id(store(), run_id)
    if run is None or not viewer.sees(run, store()):
        raise NotFound(f"test run {run_id} not found")
    return principal, viewer, run


def require_change(principal: Principal, run: dict[str, Any]) -> None:
    if not principal.platform_admin and int(run["owner_id"]) != principal.user_id:
        raise Forbidden("only the user who published a test run (or a platform admin) may change it")


def repo_name(org: str, repo: str) -> str:
    for part in (org, repo):
        if not _REPO_PART.match(part):
            raise NotFound(f"repository {org}/{repo} not found")
    return f"{org}/{repo}"


def linked_project(principal: Principal, repo: str | None) -> int | None:
    """The one project the publisher has a role in whose repository URL ends in ``repo``
    (``org/name``, with or without ``.git``); None when there is none or more than one."""
    if not repo:
        return None
    wanted = repo.strip().lower().removesuffix(".git")
    if wanted.count("/") != 1:
        return None
    rows = project_queries.projects_of_user(store(), principal.user_id)
    matches = {int(project["id"]) for project, _ in rows if _repo_of_url(str(project["vcs_url"])) == wanted}
    return matches.pop() if len(matches) == 1 else None


def _repo_of_url(url: str) -> str:
    path = url.strip().lower().rstrip("/").removesuffix(".git")
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", path)  # scheme and host
    path = re.sub(r"^[^@/]+@[^:/]+:", "", path)  # scp-like git@host:org/repo
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-2:]) if len(parts) >= 2 else ""


# --- request bodies -------------------------------------------------------------------------------
def request_body() -> Readable:
    """The request body as a stream: gunzipped when sent compressed, never more than the configured
    decompressed limit (413 above it). Never parsed as a form, whatever its Content-Type says."""
    stream: Readable = request.stream
    return decoded_body(stream, request.headers.get("Content-Encoding"), settings().max_decompressed_bytes)


def drain_request() -> None:
    """Read (a bounded amount of) what is left of a refused upload, so the client can read the answer."""
    try:
        stream = request.stream
        left = DRAIN_LIMIT
        while left > 0:
            chunk = stream.read(min(left, 1 << 16))
            if not chunk:
                return
            left -= len(chunk)
    except Exception:  # the connection is going away; the answer is already decided
        return


# --- times ----------------------------------------------------------------------------------------
def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def instant(iso: str | None) -> str | None:
    """Projektor's Instant: ``2024-03-30T14:59:04.918998Z``."""
    if iso is None:
        return None
    return _moment(iso).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_time(iso: str | None) -> str | None:
    """Projektor's LocalDateTime (UTC): ``2024-03-30T14:59:04.918998``."""
    if iso is None:
        return None
    return _moment(iso).strftime("%Y-%m-%dT%H:%M:%S.%f")


def testery_time(iso: str | None) -> str | None:
    """Testery's ``2020-05-04 23:16:33+0000``."""
    if iso is None:
        return None
    return _moment(iso).strftime("%Y-%m-%d %H:%M:%S+0000")


def seconds(ms: float | None) -> float | None:
    return None if ms is None else round(float(ms) / 1000.0, 3)


# --- views ----------------------------------------------------------------------------------------
def stat(covered: int, missed: int, previous: tuple[int, int] | None = None) -> dict[str, Any]:
    """Projektor's CoverageStat."""
    covered, missed = int(covered), int(missed)
    percent = percentage(covered, covered + missed)
    delta = None
    if previous is not None:
        delta = round(percent - percentage(previous[0], previous[0] + previous[1]), 2)
    return {"covered": covered, "missed": missed, "covered_percentage_delta": delta, "total": covered + missed,
            "covered_percentage": percent}


def stats(line: tuple[int, int], branch: tuple[int, int], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Projektor's CoverageStats. Statements are the lines our formats count (Go and Clover count
    statements as lines already)."""
    prev_line = prev_branch = None
    if previous is not None:
        prev_line = (int(previous["line_covered"]), int(previous["line_missed"]))
        prev_branch = (int(previous["branch_covered"]), int(previous["branch_missed"]))
    return {"statement_stat": stat(*line, previous=prev_line), "line_stat": stat(*line, previous=prev_line),
            "branch_stat": stat(*branch, previous=prev_branch)}


def run_stats(run: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    return stats((run["line_covered"], run["line_missed"]), (run["branch_covered"], run["branch_missed"]), previous)


def run_percentage(run: dict[str, Any]) -> float:
    covered, missed = int(run["line_covered"]), int(run["line_missed"])
    return percentage(covered, covered + missed)


def failed_count(run: dict[str, Any]) -> int:
    return int(run["failures"]) + int(run["errors"])


def status_of(run: dict[str, Any]) -> str:
    if run["canceled"]:
        return "CANCELED"
    return "FAIL" if failed_count(run) else "PASS"


def summary_view(run: dict[str, Any]) -> dict[str, Any]:
    """Projektor's TestRunSummary."""
    tests = int(run["tests"])
    cumulative = float(run["duration_ms"])
    return {
        "id": run["public_id"],
        "total_test_count": tests,
        "total_passing_count": int(run["passed"]),
        "total_skipped_count": int(run["skipped"]),
        "total_failure_count": failed_count(run),
        "passed": failed_count(run) == 0,
        "cumulative_duration": seconds(cumulative),
        "average_duration": seconds(cumulative / tests) if tests else 0.0,
        "slowest_test_case_duration": seconds(run["slowest_ms"]),
        "created_timestamp": instant(run["created_at"]),
        "wall_clock_duration": seconds(run["wall_clock_ms"]),
    }


def suite_view(suite: dict[str, Any]) -> dict[str, Any]:
    """Projektor's TestSuite (without its cases)."""
    tests, failures, errors, skipped = (int(suite[k]) for k in ("tests", "failures", "errors", "skipped"))
    return {
        "idx": int(suite["idx"]),
        "file_name": suite["file"],
        "package_name": suite["package"],
        "class_name": suite["name"],
        "test_count": tests,
        "passing_count": tests - failures - errors - skipped,
        "skipped_count": skipped,
        "failure_count": failures + errors,
        "start_ts": suite["started"],
        "hostname": suite["hostname"],
        "duration": seconds(suite["duration_ms"]),
        "has_system_out": suite["has_system_out"],
        "has_system_err": suite["has_system_err"],
        "group_name": suite["group_name"],
        "group_label": suite["group_label"],
        "test_cases": None,
    }


def full_name(case: dict[str, Any]) -> str:
    return ".".join(part for part in (case.get("suite_package"), case["classname"], case["name"]) if part)


def case_view(case: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """Projektor's TestCase."""
    status = case["status"]
    failed = status in ("FAILED", "ERROR")
    return {
        "idx": int(case["idx"]),
        "test_suite_idx": int(case["suite_idx"]),
        "name": case["name"],
        "package_name": case.get("suite_package"),
        "test_suite_name": case.get("suite_name"),
        "class_name": case["classname"],
        "file_name": case["file"],
        "duration": seconds(case["duration_ms"]),
        "passed": status == "PASSED",
        "skipped": status == "SKIPPED",
        "has_system_out_test_case": case["has_system_out"],
        "has_system_err_test_case": case["has_system_err"],
        "has_system_out_test_suite": bool(case.get("suite_out")),
        "has_system_err_test_suite": bool(case.get("suite_err")),
        "public_id": run["public_id"],
        "created_timestamp": local_time(run["created_at"]),
        "failure": {
            "failure_message": case["failure_message"],
            "failure_type": case["failure_type"],
            "failure_text": case["stack_trace"],
        } if failed else None,
        "full_name": full_name(case),
        "has_system_out": case["has_system_out"] or bool(case.get("suite_out")),
        "has_system_err": case["has_system_err"] or bool(case.get("suite_err")),
        "attachments": None,
    }


def current_coverage_view(run: dict[str, Any]) -> dict[str, Any]:
    """Projektor's RepositoryCurrentCoverage (the seed's shape)."""
    return {
        "id": run["public_id"],
        "created_timestamp": instant(run["created_at"]),
        "covered_percentage": run_percentage(run),
        "repo": run["repo"],
        "project": run["project_name"],
        "branch": run["branch"],
    }
