"""Liveness and version."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from domain.shared.errors import Unavailable
from interfaces.http.operations import public

blp = Blueprint("system", __name__, description="Health and version of the server")


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
    projections = fields.Dict(keys=fields.String(), values=fields.Integer())


class VersionSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    apis = fields.List(fields.String())


@blp.route("/health")
class Health(MethodView):
    @public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The database is unavailable")
    def get(self) -> dict[str, Any]:
        """Check that the event store and the read models answer."""
        container = current_app.extensions["codeannals"]
        try:
            # The runner's status reads the read models' tracking table and the head of every
            # application's event log: both databases answer, each asked once.
            statuses = container.runner.status()
        except Exception as exc:
            raise Unavailable(f"database check failed: {type(exc).__name__}") from exc
        lag = {f"{s.projection}/{s.application}": s.lag for s in statuses}
        return {"status": "ok", "database": container.settings.backend, "projections": lag}


@blp.route("/version")
class Version(MethodView):
    @public
    @blp.response(200, VersionSchema)
    def get(self) -> dict[str, Any]:
        """The server's name, version and the API families it speaks."""
        from interfaces.http.app import package_version

        return {"name": "codeannals", "version": package_version(),
                "apis": ["coderadar", "projektor", "testery", "copr-api-2"]}
