"""Outgoing webhooks of a project (ADMIN): set up, list, delete, test, and the log of deliveries.

``POST /api/projects/{id}/webhooks`` takes ``{url, secret, events}`` (events among
``import.completed``, ``analysis.completed``, ``qualityGate.changed``, ``testRun.published``,
``build.finished``). The URL is checked when it is saved (see
``interfaces/notifications/destinations.py``): a destination the server may not send to is a 400.
Bodies are JSON ``{id, event, project, commit, facts, occurredAt}`` signed
``X-CodeAnnals-Signature-256: sha256=<hex HMAC-SHA256 of the body with the secret>``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from application.notifications.service import NotificationsApplication
from domain.notifications.webhooks import check_events
from domain.shared.errors import Invalid, NotFound
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, store
from interfaces.http.schemas import ErrorSchema
from interfaces.notifications.destinations import check_url, destination, parse_allowed
from projections.notifications import webhooks as queries
from projections.projection import iso

blp = Blueprint("webhooks", __name__, url_prefix="/api", description="Outgoing webhooks and their deliveries")
MAX_SECRET = 500


class WebhookSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    createdAt = fields.String()


class AttemptSchema(Schema):
    attempt = fields.Integer()
    at = fields.String()
    statusCode = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    durationMs = fields.Float()


class DeliverySchema(Schema):
    id = fields.String()
    event = fields.String()
    status = fields.String(metadata={"enum": ["PENDING", "SUCCEEDED", "FAILED", "CANCELED"]})
    createdAt = fields.String()
    deliveredAt = fields.String(allow_none=True)
    nextAttemptAt = fields.Float(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptSchema))
    payload = fields.Dict()


class TestAnswerSchema(Schema):
    deliveryId = fields.String()


class VerdictHistorySchema(Schema):
    commitHash = fields.String()
    status = fields.String()
    changedAt = fields.String()


def notifications() -> NotificationsApplication:
    app: NotificationsApplication = current_app.extensions["codeannals"].app(NotificationsApplication)
    return app


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(row["id"]), "url": row["url"], "events": row["events"], "createdAt": row["created_at"]}


def _hook(project_id: int, webhook_id: int) -> dict[str, Any]:
    row = queries.webhook_of(store(), project_id, webhook_id)
    if row is None:
        raise NotFound(f"Webhook {webhook_id} not found in project {project_id}.")
    return row


@blp.route("/projects/<int:project_id>/webhooks")
class Webhooks(MethodView):
    @blp.response(200, WebhookSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """The project's webhooks (ADMIN); secrets are never shown."""
        project_access(project_id, ADMIN)
        return [_view(r) for r in queries.webhooks_of(store(), project_id)]

    @blp.doc(requestBody={"content": {"application/json": {"schema": {
        "type": "object", "required": ["url", "secret", "events"], "properties": {
            "url": {"type": "string", "format": "uri"}, "secret": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string", "enum": [
                "import.completed", "analysis.completed", "qualityGate.changed", "testRun.published",
                "build.finished"]}}}}}}})
    @blp.response(201, WebhookSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Malformed, or a destination that is refused")
    def post(self, project_id: int) -> dict[str, Any]:
        """Add a webhook (ADMIN): ``{url, secret, events}``."""
        access = project_access(project_id, ADMIN)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Invalid("the body must be a JSON object {url, secret, events}")
        secret = body.get("secret")
        if not isinstance(secret, str) or not secret or len(secret) > MAX_SECRET:
            raise Invalid(f"secret must be a text of 1 to {MAX_SECRET} characters")
        events = check_events(body.get("events"))
        url = check_url(body.get("url"))
        allowed = parse_allowed(current_app.extensions["codeannals"].settings.extra.get(
            "CODEANNALS_WEBHOOK_ALLOWED_HOSTS"))
        destination(url, allowed)  # refused destinations are a 400, before anything is recorded
        hook_uuid, webhook_id = notifications().create_webhook(UUID(str(access.project["uuid"])), project_id, url,
                                                               secret, events, actor=access.principal.actor)
        created = notifications().webhook(hook_uuid).created_on
        return {"id": webhook_id, "url": url, "events": events, "createdAt": iso(created)}


@blp.route("/projects/<int:project_id>/webhooks/<int:webhook_id>")
class WebhookResource(MethodView):
    @blp.response(200, WebhookSchema)
    def get(self, project_id: int, webhook_id: int) -> dict[str, Any]:
        project_access(project_id, ADMIN)
        return _view(_hook(project_id, webhook_id))

    @blp.response(204)
    def delete(self, project_id: int, webhook_id: int) -> Response:
        """Delete a webhook (ADMIN): nothing more is sent to it."""
        access = project_access(project_id, ADMIN)
        row = _hook(project_id, webhook_id)
        notifications().delete_webhook(UUID(str(row["uuid"])), actor=access.principal.actor)
        return Response(status=204)


@blp.route("/projects/<int:project_id>/webhooks/<int:webhook_id>/test")
class WebhookTest(MethodView):
    @blp.response(202, TestAnswerSchema)
    def post(self, project_id: int, webhook_id: int) -> dict[str, Any]:
        """Send a ``ping`` delivery (ADMIN), through the worker like any other; see its deliveries."""
        access = project_access(project_id, ADMIN)
        row = _hook(project_id, webhook_id)
        payload = {"event": "ping", "project": {"id": project_id, "name": access.project["name"]}, "commit": None,
                   "facts": {"webhookId": webhook_id}, "occurredAt": None}
        delivery = notifications().test_delivery(UUID(str(row["uuid"])), webhook_id, project_id, payload,
                                                 actor=access.principal.actor)
        return {"deliveryId": str(delivery)}


@blp.route("/projects/<int:project_id>/webhooks/<int:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    def get(self, project_id: int, webhook_id: int) -> list[dict[str, Any]]:
        """The webhook's deliveries, newest first (at most 100), with every attempt's status and timing."""
        project_access(project_id, ADMIN)
        _hook(project_id, webhook_id)
        return [{
            "id": d["uuid"], "event": d["kind"], "status": d["status"], "createdAt": d["created_at"],
            "deliveredAt": d["delivered_at"], "nextAttemptAt": d["next_at"] if d["status"] == "PENDING" else None,
            "payload": d["payload"],
            "attempts": [{"attempt": int(a["attempt"]), "at": a["at"], "statusCode": a["status_code"],
                          "error": a["error"], "durationMs": float(a["duration_ms"])} for a in d["attempt_rows"]],
        } for d in queries.deliveries_of(store(), webhook_id)]


@blp.route("/projects/<int:project_id>/qualityGate/history")
class GateHistory(MethodView):
    @blp.response(200, VerdictHistorySchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """Each change of the gate's verdict at the project's commits, newest first, as the notifier saw it."""
        project_access(project_id, MEMBER)
        return [{"commitHash": r["commit_hash"], "status": r["status"], "changedAt": r["changed_at"]}
                for r in queries.verdict_history(store(), project_id)]
