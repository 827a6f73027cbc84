"""Projektor's views of one run: ``/run/{id}`` (summary and suites), ``/run/{id}/summary``,
``/run/{id}/cases/failed``, ``/run/{id}/cases/slow`` and ``/results/{id}/status``. Shapes follow
Projektor's server API (``TestRun``, ``TestRunSummary``, ``TestSuite``, ``TestCase``,
``ResultsProcessing``), snake_case, durations in seconds."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.shared.errors import NotFound
from domain.testing.run import is_public_id
from interfaces.http.auth import require_user
from interfaces.http.operations import public_test_results
from interfaces.http.testing import deferred
from interfaces.http.testing.common import (
    case_view,
    instant,
    json_response,
    readable_run,
    settings,
    store,
    suite_view,
    summary_view,
)
from interfaces.http.testing.schemas import (
    ProjektorErrorSchema,
    ResultsProcessingSchema,
    TestCaseSchema,
    TestRunSchema,
    TestRunSummarySchema,
)
from projections.testing import extra_queries, queries

blp = Blueprint("projektor_runs", __name__, description="Projektor: test runs")


@blp.route("/run/<string:public_id>")
class Run(MethodView):
    @public_test_results
    @blp.response(200, TestRunSchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run (or not yours to see)")
    def get(self, public_id: str) -> Response:
        """A run: its summary and its test suites (without their cases)."""
        _, run = readable_run(public_id)
        suites = queries.suites_of(store(), int(run["id"]))
        return json_response({"id": run["public_id"], "summary": summary_view(run),
                              "test_suites": [suite_view(s) for s in suites]})


@blp.route("/run/<string:public_id>/summary")
class RunSummary(MethodView):
    @public_test_results
    @blp.response(200, TestRunSummarySchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """A run's totals."""
        _, run = readable_run(public_id)
        return json_response(summary_view(run))


@blp.route("/run/<string:public_id>/cases/failed")
class FailedCases(MethodView):
    @public_test_results
    @blp.response(200, TestCaseSchema(many=True))
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The run's failed (and errored) test cases, with their failure."""
        _, run = readable_run(public_id)
        cases = queries.cases_of(store(), int(run["id"]), statuses=("FAILED", "ERROR"))
        return json_response([case_view(c, run) for c in cases])


@blp.route("/run/<string:public_id>/cases/slow")
class SlowCases(MethodView):
    @public_test_results
    @blp.response(200, TestCaseSchema(many=True))
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The run's ten slowest test cases."""
        _, run = readable_run(public_id)
        cases = queries.slowest_cases(store(), int(run["id"]), 10)
        return json_response([case_view(c, run) for c in cases])


@blp.route("/results/<string:public_id>/status")
class ResultsStatus(MethodView):
    @public_test_results
    @blp.response(200, ResultsProcessingSchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """How processing of an upload went: SUCCESS once its run is recorded; ERROR (with the message)
        when it could not be processed (nothing of it is recorded but the failure, also listed at
        ``/failures/recent``). Results are processed before the upload is answered, unless
        ``CODEANNALS_PROJEKTOR_ASYNC_PARSING`` is on: then RECEIVED (stored, waiting) and PROCESSING
        (being parsed) come first."""
        try:
            _, run = readable_run(public_id)
        except NotFound:
            if not settings().public_test_results:
                require_user()  # the failures of uploads are the publishers' business when results are not public
            if not is_public_id(public_id):
                raise
            failure = extra_queries.failure(store(), public_id)
            if failure is not None:
                return json_response({"id": public_id, "status": "ERROR",
                                      "created_timestamp": instant(failure["created_at"]),
                                      "error_message": failure["failure_message"]})
            pending = deferred.processing_of(store(), public_id)
            if pending is None or pending["status"] == "SUCCESS":  # a run that is not the caller's to see
                raise
            return json_response({"id": public_id, "status": pending["status"],
                                  "created_timestamp": instant(pending["created_at"]),
                                  "error_message": pending.get("error_message")})
        return json_response({"id": run["public_id"], "status": "SUCCESS",
                              "created_timestamp": instant(run["created_at"]), "error_message": None})


@blp.route("/tests/<string:public_id>")
class RunPage(MethodView):
    @public_test_results
    @blp.doc(responses={"302": {"description": "Redirect to /run/{id}"}})
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run (or not yours to see)")
    def get(self, public_id: str) -> Response:
        """The address publishing answers (``uri``); Projektor shows its web page there, this server
        redirects to the run's JSON. Only a run that exists (and that the caller may see) redirects:
        anything else is a 404, so no input ends up in the ``Location`` header."""
        _, run = readable_run(public_id)
        response = Response(status=302)
        response.headers["Location"] = f"/run/{run['public_id']}"
        return response
