"""The audit trail over HTTP (platform admins only)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from interfaces.http.auth import require_platform_admin
from interfaces.http.schemas import RequestSchema
from projections.audit.events import query_events

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="The audit trail: every event with its actor")


class AuditQuerySchema(RequestSchema):
    aggregate = fields.String(validate=validate.Length(max=100))
    type = fields.String(validate=validate.Length(max=200))
    since = fields.AwareDateTime(default_timezone=UTC)
    application = fields.String(validate=validate.Length(max=50))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))


class AuditEventSchema(Schema):
    application = fields.String(required=True)
    position = fields.Integer(required=True)
    aggregateId = fields.String(required=True, attribute="aggregate_id")
    aggregateVersion = fields.Integer(required=True, attribute="aggregate_version")
    type = fields.String(required=True, attribute="event_type")
    actor = fields.String(required=True)
    time = fields.String(required=True, attribute="occurred_at")
    payload = fields.Dict(required=True)


@blp.route("/events")
class AuditEvents(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List events, oldest first, filtered by aggregate, type, time and application."""
        require_platform_admin()
        since = args.get("since")
        return query_events(
            current_app.extensions["codeannals"].store,
            aggregate=args.get("aggregate"),
            type_name=args.get("type"),
            since=since.astimezone(UTC).isoformat(timespec="microseconds") if since else None,
            application=args.get("application"),
            limit=args["limit"],
            offset=args["offset"],
        )
