"""Projektor publishing: ``POST /groupedResults`` (what the ``projektor-publish`` npm client sends),
``POST /results`` (a raw JUnit XML blob) and ``POST /run/{id}/coverage`` (a raw coverage report) or
``POST /run/{id}/coverageFile`` (``{"reportContents", "baseDirectoryPath"}``).

Bodies are read as streams: gunzipped when ``Content-Encoding: gzip`` says so (or when they start
with gzip's magic bytes), never parsed as a form whatever the Content-Type claims (the client sends
``application/x-www-form-urlencoded``), with a hard limit on the decompressed size
(``CODEANNALS_MAX_DECOMPRESSED_BYTES``; 413 above it). The XML inside goes straight into the
streaming parsers. A refused upload (malformed, hostile, unrecognised or too large) answers 4xx
with ``error_message`` and the public id it would have had, and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from application.shared import positions
from application.testing.service import Extras, RunFacts
from domain.shared.errors import DomainError, Invalid, TooLarge
from domain.testing.coverage import CoverageReport
from interfaces.http.auth import Principal, require_user
from interfaces.http.testing import deferred
from interfaces.http.testing.common import (
    authenticated,
    drain_request,
    json_response,
    linked_project,
    publisher_of,
    request_body,
    require_change,
    settings,
    testing_app,
    upload_limits,
    visible_run,
)
from interfaces.http.testing.schemas import ProjektorErrorSchema, PublishQuerySchema, SaveResultsSchema
from interfaces.http.wording import api_message
from interfaces.testing.ingest import read_coverage, read_coverage_payload, read_grouped_results, read_junit
from interfaces.testing.streams import Readable

log = logging.getLogger("codeannals.http")

blp = Blueprint("projektor_publish", __name__, description="Projektor: publishing test results and coverage")

_RAW_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object", "description": (
            "groupedTestSuites [{groupName, groupLabel, directory, testSuitesBlob}], coverageFiles "
            "[{reportContents, baseDirectoryPath}], metadata {git {repoName, branchName, isMainBranch, "
            "projectName, commitSha, pullRequestNumber}, ci, group}, wallClockDuration (seconds); "
            "gzipped with Content-Encoding: gzip (any Content-Type)")}},
    },
}
_XML_BODY = {"required": True, "content": {"application/xml": {"schema": {"type": "string"}},
                                           "text/plain": {"schema": {"type": "string"}}}}


FAILURE_BODY_CHARS = 64 * 1024  # how much of a refused body its processing failure keeps


class HeadCapture:
    """Passes a stream through, keeping its first bytes (for the record of a refused upload)."""

    def __init__(self, source: Readable | None, keep: int = FAILURE_BODY_CHARS) -> None:
        self.source = source
        self._keep = keep
        self.head = bytearray()

    def read(self, size: int = -1, /) -> bytes:
        assert self.source is not None
        data = self.source.read(size)
        if len(self.head) < self._keep:
            self.head += data[: self._keep - len(self.head)]
        return data

    def text(self) -> str:
        return bytes(self.head).decode("utf-8", errors="replace")


@contextmanager
def refused_upload(public_id: str | None, failure: Callable[[DomainError], None] | None = None) -> Iterator[None]:
    """On any error: give the answer the id the run would have had, and let the client finish sending.
    A report that could not be processed (malformed, unrecognised, too large) is kept as a processing
    failure by ``failure``."""
    try:
        yield
    except DomainError as exc:
        if public_id is not None:
            exc.data.setdefault("id", public_id)
        drain_request()
        if failure is not None and isinstance(exc, Invalid | TooLarge):
            try:
                failure(exc)
            except Exception:  # the answer is decided; the record is a courtesy
                log.exception("could not record the processing failure of %s", public_id)
        raise
    except Exception:
        drain_request()
        raise


def _text(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid(f"metadata: {field} must be a string")
    return str(value)


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _number(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(f"metadata: {field} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise Invalid(f"metadata: {field} must be a whole number")


def projektor_facts(principal: Principal, metadata: dict[str, Any], build_key: str | None) -> RunFacts:
    """A run's facts from Projektor's ``metadata`` (camelCase; unknown fields ignored)."""
    git = metadata.get("git") or {}
    if not isinstance(git, dict):
        raise Invalid("metadata: git must be an object")
    repo = _text(git.get("repoName"), "git.repoName")
    return RunFacts(
        source="projektor",
        repo=repo,
        project_name=_text(git.get("projectName"), "git.projectName"),
        branch=_text(git.get("branchName"), "git.branchName"),
        is_main_branch=_flag(git.get("isMainBranch")),
        commit_sha=_text(git.get("commitSha"), "git.commitSha"),
        pull_request_number=_number(git.get("pullRequestNumber"), "git.pullRequestNumber"),
        ci=_flag(metadata.get("ci")),
        group=_text(metadata.get("group"), "group"),
        build_key=build_key or _text(metadata.get("buildKey"), "buildKey"),
        project_id=linked_project(principal, repo),
    )


def _failure_recorder(public_id: str, body: HeadCapture, principal: Principal) -> Callable[[DomainError], None]:
    def record(exc: DomainError) -> None:
        testing_app().record_failure(public_id, "TEST_RESULTS", body.text(), api_message(exc, "projektor"),
                                   actor=principal.actor)
        # error answers do not wait for the read models; this one does, so its status shows at once
        current_app.extensions["codeannals"].runner.wait_for(positions.collected(), settings().read_wait_seconds)

    return record


def _accept_for_later(principal: Principal, public_id: str, build_key: str | None) -> Response:
    """Store the body, note it RECEIVED, answer its id; parse and record it afterwards (deferred.py)."""
    container = current_app.extensions["codeannals"]
    with refused_upload(public_id):
        blob = container.blobs.put(request_body(), settings().max_decompressed_bytes, "the results")
    deferred.note(container.store, public_id, "RECEIVED")
    head = HeadCapture(None)

    def work(stored: Readable) -> None:
        head.source = stored
        parsed = read_grouped_results(head, upload_limits())
        facts = projektor_facts(principal, parsed.metadata, build_key)
        extras = Extras(tuple(parsed.performance), tuple(parsed.quality), tuple(parsed.notes))
        testing_app().publish(public_id, publisher_of(principal), facts, parsed.results, parsed.coverage,
                              parsed.wall_clock_ms, actor=principal.actor, extras=extras)

    def failed(_: DomainError | None, message: str) -> None:
        testing_app().record_failure(public_id, "TEST_RESULTS", head.text(), message, actor=principal.actor)

    deferred.process_later(current_app._get_current_object(), public_id, blob.key, work, failed)  # type: ignore[attr-defined]
    return _saved(public_id)


def _saved(public_id: str) -> Response:
    return json_response({"id": public_id, "uri": f"/tests/{public_id}"})


@blp.route("/groupedResults")
class GroupedResults(MethodView):
    @authenticated
    @blp.arguments(PublishQuerySchema, location="query")
    @blp.doc(requestBody=_RAW_BODY, security=[{"bearer": []}])
    @blp.response(200, SaveResultsSchema)
    @blp.alt_response(400, schema=ProjektorErrorSchema, description="Malformed JSON, XML or coverage report")
    @blp.alt_response(401, schema=ProjektorErrorSchema, description="No valid token (X-PROJEKTOR-TOKEN)")
    @blp.alt_response(413, schema=ProjektorErrorSchema, description="Body or decompressed body too large")
    @blp.alt_response(422, schema=ProjektorErrorSchema, description="The group's run was canceled")
    def post(self, query: dict[str, Any]) -> Response:
        """Publish grouped test results and coverage (the projektor-publish client). A later upload
        with the same ``metadata.group`` and ``repoName`` (by the same publisher) is appended to the
        same run, whose id it answers."""
        public_id = None
        with refused_upload(None):
            principal = require_user()
            app = testing_app()
            public_id = app.new_public_id()
        if settings().projektor_async_parsing:
            return _accept_for_later(principal, public_id, query.get("buildKey"))
        body = HeadCapture(None)
        with refused_upload(public_id, _failure_recorder(public_id, body, principal)):
            body.source = request_body()
            parsed = read_grouped_results(body, upload_limits())
            facts = projektor_facts(principal, parsed.metadata, query.get("buildKey"))
            extras = Extras(tuple(parsed.performance), tuple(parsed.quality), tuple(parsed.notes))
            published = app.publish(public_id, publisher_of(principal), facts, parsed.results, parsed.coverage,
                                    parsed.wall_clock_ms, actor=principal.actor, extras=extras)
        return _saved(published.public_id)


@blp.route("/results")
class Results(MethodView):
    @authenticated
    @blp.arguments(PublishQuerySchema, location="query")
    @blp.doc(requestBody=_XML_BODY, security=[{"bearer": []}])
    @blp.response(200, SaveResultsSchema)
    @blp.alt_response(400, schema=ProjektorErrorSchema, description="Malformed or hostile XML")
    @blp.alt_response(401, schema=ProjektorErrorSchema, description="No valid token")
    @blp.alt_response(413, schema=ProjektorErrorSchema, description="Too large")
    def post(self, query: dict[str, Any]) -> Response:
        """Publish a JUnit XML blob (one or more documents) as a new run."""
        public_id = None
        with refused_upload(None):
            principal = require_user()
            app = testing_app()
            public_id = app.new_public_id()
        body = HeadCapture(None)
        with refused_upload(public_id, _failure_recorder(public_id, body, principal)):
            body.source = request_body()
            results = read_junit(body, upload_limits())
            facts = RunFacts(source="projektor", build_key=query.get("buildKey"))
            published = app.publish(public_id, publisher_of(principal), facts, results, actor=principal.actor)
        return _saved(published.public_id)


def _add_coverage(public_id: str, read: Callable[[Readable], CoverageReport]) -> Response:
    """One coverage report read from the request body and added to a run its caller may change."""
    with refused_upload(public_id):
        principal, _, run = visible_run(public_id)
        require_change(principal, run)
        report = read(request_body())
        testing_app().add_coverage(public_id, [report], actor=principal.actor)
    return Response(status=200)


@blp.route("/run/<string:public_id>/coverage")
class RunCoverageUpload(MethodView):
    @authenticated
    @blp.doc(requestBody=_XML_BODY, security=[{"bearer": []}])
    @blp.response(200)
    @blp.alt_response(400, schema=ProjektorErrorSchema, description="Malformed or unrecognised report")
    @blp.alt_response(403, schema=ProjektorErrorSchema, description="Not the run's publisher")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def post(self, public_id: str) -> Response:
        """Add a coverage report (JaCoCo, Cobertura, Clover XML, LCOV or a Go coverprofile) to a run."""
        return _add_coverage(public_id, lambda body: read_coverage(body, None, upload_limits()))


@blp.route("/run/<string:public_id>/coverageFile")
class RunCoverageFileUpload(MethodView):
    @authenticated
    @blp.doc(requestBody=_RAW_BODY, security=[{"bearer": []}])
    @blp.response(200)
    @blp.alt_response(400, schema=ProjektorErrorSchema, description="Malformed payload or report")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def post(self, public_id: str) -> Response:
        """Add a coverage report given as ``{"reportContents": ..., "baseDirectoryPath": ...}``."""
        return _add_coverage(public_id, lambda body: read_coverage_payload(body, upload_limits()))

