"""Projektor's views around a run: performance results (``/run/{id}/performance`` and the
repository's ``/performance/timeline``), code-quality files (``/run/{id}/quality``), messages,
attributes with pinning (pinned runs survive the retention cleanup), the previous run, the latest run
of a repository, and the recent processing failures (platform admins).

As Projektor: an empty list of performance results or quality reports is a 204, the previous run is
``{"id"}`` (204 when there is none: the previous main-branch run with coverage of the same
repository and project), the latest run a 302 to ``/tests/{id}`` (204 when there is none).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.auth import require_platform_admin
from interfaces.http.operations import public_test_results, secured_by
from interfaces.http.testing.common import (
    authenticated,
    instant,
    json_response,
    no_content,
    readable_run,
    reading_viewer,
    repo_name,
    require_change,
    settings,
    store,
    testing_app,
    visible_run,
)
from interfaces.http.testing.extras_schemas import (
    AttributesSchema,
    CodeQualityReportsSchema,
    MessagesSchema,
    PerformanceResultsSchema,
    PerformanceTimelineSchema,
    ProcessingFailureSchema,
    PublicIdSchema,
    RecentFailuresQuerySchema,
)
from interfaces.http.testing.schemas import ProjektorErrorSchema
from projections.testing import extra_queries, queries

blp = Blueprint("projektor_lifecycle", __name__,
                description="Projektor: performance, code quality, messages, pins, previous and latest runs")


def performance_view(row: dict[str, Any]) -> dict[str, Any]:
    """Projektor's PerformanceResult (durations in ms, as k6 writes them)."""
    return {"name": row["name"], "requests_per_second": float(row["requests_per_second"]),
            "request_count": int(row["request_count"]), "average": float(row["average"]),
            "maximum": float(row["maximum"]), "p95": float(row["p95"])}


@blp.route("/run/<string:public_id>/performance")
class Performance(MethodView):
    @public_test_results
    @blp.response(200, PerformanceResultsSchema)
    @blp.alt_response(204, description="The run has no performance results")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The run's k6 performance results: request count and rate, average, maximum and p95 duration."""
        _, run = readable_run(public_id)
        rows = extra_queries.performance_of(store(), str(run["uuid"]))
        if not rows:
            return no_content()
        return json_response({"results": [performance_view(r) for r in rows]})


def performance_timeline(org: str, repo: str, project: str | None) -> Response:
    viewer = reading_viewer()
    rows = extra_queries.performance_timeline(store(), viewer, repo_name(org, repo), project)
    timelines: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        timelines.setdefault(str(row["name"]), []).append({
            "public_id": row["public_id"], "created_timestamp": instant(row["created_at"]),
            "performance_result": performance_view(row)})
    if not timelines:
        return no_content()
    return json_response({"test_timelines": [{"name": name, "entries": entries}
                                             for name, entries in timelines.items()]})


@blp.route("/repo/<string:org>/<string:repo>/performance/timeline")
class PerformanceTimeline(MethodView):
    @public_test_results
    @blp.response(200, PerformanceTimelineSchema)
    @blp.alt_response(204, description="No performance results")
    def get(self, org: str, repo: str) -> Response:
        """Each performance test's results over the repository's runs (any branch), oldest first."""
        return performance_timeline(org, repo, None)


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/performance/timeline")
class ProjectPerformanceTimeline(MethodView):
    @public_test_results
    @blp.response(200, PerformanceTimelineSchema)
    @blp.alt_response(204, description="No performance results")
    def get(self, org: str, repo: str, project: str) -> Response:
        """The performance timeline of one project of a repository."""
        return performance_timeline(org, repo, project)


@blp.route("/run/<string:public_id>/quality")
class Quality(MethodView):
    @public_test_results
    @blp.response(200, CodeQualityReportsSchema)
    @blp.alt_response(204, description="The run has no code-quality files")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The run's code-quality files, as published."""
        _, run = readable_run(public_id)
        rows = extra_queries.quality_of(store(), str(run["uuid"]))
        if not rows:
            return no_content()
        return json_response({"reports": [{"idx": int(r["idx"]), "contents": r["contents"],
                                           "file_name": r["file_name"], "group_name": r["group_name"]}
                                          for r in rows]})


@blp.route("/run/<string:public_id>/messages")
class Messages(MethodView):
    @public_test_results
    @blp.response(200, MessagesSchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The server's messages (``CODEANNALS_PROJEKTOR_MESSAGES``), then what this run's uploads left out."""
        _, run = readable_run(public_id)
        notes = extra_queries.messages_of(store(), str(run["uuid"]))
        return json_response({"messages": [*settings().projektor_messages, *notes]})


@blp.route("/run/<string:public_id>/attributes")
class Attributes(MethodView):
    @public_test_results
    @blp.response(200, AttributesSchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """Whether the run is pinned (kept by the retention cleanup)."""
        _, run = readable_run(public_id)
        return json_response({"pinned": extra_queries.is_pinned(store(), str(run["uuid"]))})


def _pin(public_id: str, pinned: bool) -> Response:
    principal, _, run = visible_run(public_id)
    require_change(principal, run)
    testing_app().pin(str(run["public_id"]), pinned, actor=principal.actor)
    return Response(status=200)


@blp.route("/run/<string:public_id>/attributes/pin")
class Pin(MethodView):
    @authenticated
    @blp.response(200)
    @blp.alt_response(403, schema=ProjektorErrorSchema, description="Not the run's publisher")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def post(self, public_id: str) -> Response:
        """Pin the run: the retention cleanup keeps it."""
        return _pin(public_id, True)


@blp.route("/run/<string:public_id>/attributes/unpin")
class Unpin(MethodView):
    @authenticated
    @blp.response(200)
    @blp.alt_response(403, schema=ProjektorErrorSchema, description="Not the run's publisher")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def post(self, public_id: str) -> Response:
        """Unpin the run."""
        return _pin(public_id, False)


@blp.route("/run/<string:public_id>/previous")
class Previous(MethodView):
    @public_test_results
    @blp.response(200, PublicIdSchema)
    @blp.alt_response(204, description="No earlier main-branch run with coverage")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The previous main-branch run with coverage of the same repository and project."""
        viewer, run = readable_run(public_id)
        if not run["repo"]:
            return no_content()
        previous = queries.latest_run(store(), viewer, str(run["repo"]), run["project_name"], with_coverage=True,
                                      before=int(run["id"]))
        return no_content() if previous is None else json_response({"id": previous["public_id"]})


def latest(org: str, repo: str, project: str | None) -> Response:
    viewer = reading_viewer()
    run = queries.latest_run(store(), viewer, repo_name(org, repo), project)
    if run is None:
        return no_content()
    response = Response(status=302)
    response.headers["Location"] = f"/tests/{run['public_id']}"
    return response


_REDIRECT = {"302": {"description": "Redirect to /tests/{id} of the newest main-branch run"}}


@blp.route("/repo/<string:org>/<string:repo>/run/latest")
class Latest(MethodView):
    @public_test_results
    @blp.doc(responses=_REDIRECT)
    @blp.alt_response(204, description="No run")
    def get(self, org: str, repo: str) -> Response:
        """The newest main-branch run of the repository (a redirect to it)."""
        return latest(org, repo, None)


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/run/latest")
class ProjectLatest(MethodView):
    @public_test_results
    @blp.doc(responses=_REDIRECT)
    @blp.alt_response(204, description="No run")
    def get(self, org: str, repo: str, project: str) -> Response:
        """The newest main-branch run of a project of the repository."""
        return latest(org, repo, project)


@blp.route("/failures/recent")
class RecentFailures(MethodView):
    @secured_by("jwt", "bearer")  # a platform admin's, as in the coderadar API
    @blp.arguments(RecentFailuresQuerySchema, location="query")
    @blp.response(200, ProcessingFailureSchema(many=True))
    @blp.alt_response(401, schema=ProjektorErrorSchema, description="Not logged in")
    @blp.alt_response(403, schema=ProjektorErrorSchema, description="Not a platform admin")
    def get(self, query: dict[str, Any]) -> Response:
        """The newest uploads that could not be processed (platform admins): their error and the start
        of their body."""
        require_platform_admin()
        rows = extra_queries.recent_failures(store(), int(query["count"]))
        return json_response([{"id": r["public_id"], "body": r["body"], "body_type": r["body_type"],
                               "created_timestamp": instant(r["created_at"]), "failure_message": r["failure_message"]}
                              for r in rows])
