"""Projektor's attachments of a run: ``POST /run/{id}/attachments/{name}`` (the raw body, with the
publish token), ``GET /run/{id}/attachments`` and ``GET /run/{id}/attachments/{name}``.

Bytes stream from the request into the blob store and from the blob store into the answer; the run
records the attachment's name, size, SHA-256, content type and who added it. Limits per file
(``CODEANNALS_ATTACHMENT_MAX_BYTES``) and per run (``CODEANNALS_ATTACHMENT_MAX_RUN_BYTES``); an
attachment over either is refused with 413 and ``error: ATTACHMENT_TOO_LARGE``, a name that is a
path with 400. Another upload with the same name replaces the attachment.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.shared.errors import DomainError, NotFound, TooLarge
from domain.testing.attachments import (
    AttachmentLimits,
    StoredAttachment,
    attachment_type,
    check_attachment_name,
    content_type_of,
)
from interfaces.http.errors import STATUS
from interfaces.http.operations import public_test_results
from interfaces.http.testing.common import (
    authenticated,
    drain_request,
    json_response,
    readable_run,
    require_change,
    settings,
    store,
    testing_app,
    visible_run,
)
from interfaces.http.testing.extras_schemas import AddAttachmentSchema, AttachmentsSchema
from interfaces.http.testing.schemas import ProjektorErrorSchema
from interfaces.http.wording import api_message
from interfaces.persistence.blobs import BlobStore
from projections.testing import extra_queries

blp = Blueprint("projektor_attachments", __name__, description="Projektor: attachments of test runs")

_RAW = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
# served as they were uploaded, but never run as a page of this server
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm", "text/plain")


def blobs() -> BlobStore:
    found: BlobStore = current_app.extensions["codeannals"].blobs
    return found


def attachment_limits() -> AttachmentLimits:
    s = settings()
    return AttachmentLimits(max_file_bytes=max(1, s.attachment_max_bytes),
                            max_run_bytes=max(1, s.attachment_max_run_bytes))


def _refused(exc: DomainError) -> Response:
    drain_request()
    error = "ATTACHMENT_TOO_LARGE" if isinstance(exc, TooLarge) else "ATTACHMENT_FAILED"
    message = api_message(exc, "projektor")
    return json_response({"name": None, "file_name": None, "error": error, "error_message": message},
                         STATUS.get(type(exc), 400))


def add_attachment(public_id: str, name: str) -> Response:
    try:
        principal, _, run = visible_run(public_id)
        require_change(principal, run)
    except DomainError:
        drain_request()
        raise
    try:
        name = check_attachment_name(name)
        limits = attachment_limits()
        app = testing_app()
        budget = limits.budget(app.run(public_id).attachment_bytes)
        length = request.content_length
        if length is not None and length > budget:
            raise TooLarge(f"attachment {name} ({length} bytes) is larger than the {budget} bytes it may have "
                           f"(limits: {limits.max_file_bytes} per file, {limits.max_run_bytes} per run)")
        blob = blobs().put(request.stream, budget, f"attachment {name}")
    except DomainError as exc:
        return _refused(exc)
    stored = StoredAttachment(name=name, blob=blob.key, size=blob.size, sha256=blob.sha256,
                              content_type=content_type_of(name))
    try:
        replaced = app.add_attachment(public_id, stored, limits, actor=principal.actor)
    except DomainError as exc:
        blobs().delete(blob.key)
        return _refused(exc)
    except BaseException:
        blobs().delete(blob.key)
        raise
    if replaced:
        blobs().delete(replaced)
    return json_response({"name": name, "file_name": name, "error": None})


def attachment_view(public_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """Projektor's Attachment (and the content type and hash this server knows)."""
    return {"file_name": row["name"], "object_name": f"{public_id}-{row['name']}", "file_size": int(row["size"]),
            "attachment_type": attachment_type(str(row["name"])), "content_type": row["content_type"],
            "sha256": row["sha256"]}


@blp.route("/run/<string:public_id>/attachments")
class Attachments(MethodView):
    @public_test_results
    @blp.response(200, AttachmentsSchema)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    def get(self, public_id: str) -> Response:
        """The run's attachments, by name."""
        _, run = readable_run(public_id)
        rows = extra_queries.attachments_of(store(), str(run["uuid"]))
        return json_response({"attachments": [attachment_view(run["public_id"], r) for r in rows]})


@blp.route("/run/<string:public_id>/attachments/<path:name>")
class Attachment(MethodView):
    @authenticated
    @blp.doc(requestBody=_RAW, security=[{"bearer": []}])
    @blp.response(200, AddAttachmentSchema)
    @blp.alt_response(400, schema=AddAttachmentSchema, description="The name is not a plain file name")
    @blp.alt_response(403, schema=ProjektorErrorSchema, description="Not the run's publisher")
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run")
    @blp.alt_response(413, schema=AddAttachmentSchema, description="Over the limit per file or per run")
    def post(self, public_id: str, name: str) -> Response:
        """Attach a file (the raw body) to a run; the same name again replaces it."""
        return add_attachment(public_id, name)

    @public_test_results
    @blp.doc(responses={"200": {"description": "The attachment's bytes, with its content type",
                                "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                     "format": "binary"}}}}})
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="No such run or attachment")
    def get(self, public_id: str, name: str) -> Response:
        """Download an attachment, streamed, with its content type."""
        _, run = readable_run(public_id)
        row = extra_queries.attachment(store(), str(run["uuid"]), name)
        if row is None:
            raise NotFound(f"test run {public_id} has no attachment {name!r}")
        chunks = blobs().open(str(row["blob"]))
        content_type = str(row["content_type"])
        response = Response(chunks, mimetype=content_type, direct_passthrough=True)
        response.headers["Content-Length"] = str(int(row["size"]))
        response.headers["ETag"] = f'"{row["sha256"]}"'
        disposition = "inline" if content_type in INLINE_TYPES else "attachment"
        response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(name)}"
        for key, value in SAFE_HEADERS.items():
            response.headers[key] = value
        return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
