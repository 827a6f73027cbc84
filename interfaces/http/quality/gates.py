"""Quality gates over HTTP.

- ``PUT /api/projects/{id}/qualityGate`` (ADMIN): ``{"conditions": [{"metric", "op", "threshold"}]}``;
  ``GET`` (MEMBER) reads it, with ``asOf`` as it stood then.
- ``GET /api/projects/{id}/commits/{commitHash}/qualityGate`` (MEMBER): the verdict, computed from the
  read models as they are now, so it follows each new analysis batch, test run and gate change.
- ``GET``/``POST /api/projects/{id}/qualityGate/badgeKey`` (ADMIN): read or regenerate the project's
  badge key; ``GET /api/qualityGate/badge/{key}.svg?branch=`` shows the verdict of a branch's head (the
  default branch without ``branch``) to anyone holding the key, and opens nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from application.projects.quality_gates import badge_key, gate_as_of, regenerate_badge_key, set_conditions
from domain.quality.gate import FAILED, PASSED, Condition, badge_key_hash, check_conditions
from domain.shared.errors import Invalid, NotFound
from interfaces.http.history.common import resolve_commit
from interfaces.http.operations import public
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import as_of
from interfaces.http.projects.schemas import AsOfQuerySchema
from interfaces.http.schemas import ErrorSchema
from interfaces.http.testing.badges import GREEN, RED, SVG_RESPONSE, badge_svg
from interfaces.quality.evaluation import evaluate
from interfaces.quality.mirrors import mirror_opener
from projections.history import queries as history
from projections.projects import queries as project_queries
from projections.quality.gates import gate_of, project_of_badge_key

blp = Blueprint("quality_gates", __name__, url_prefix="/api", description="Quality gates, verdicts and badges")
GREY = "#9f9f9f"


class ConditionSchema(Schema):
    metric = fields.String(required=True)
    op = fields.String(required=True, metadata={"enum": ["LT", "GT", "EQ", "NE"]})
    threshold = fields.Float(required=True)


class GateSchema(Schema):
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)


class ConditionVerdictSchema(ConditionSchema):
    actual = fields.Float(allow_none=True)
    status = fields.String()


class VerdictSchema(Schema):
    commitHash = fields.String()
    status = fields.String(metadata={"enum": ["PENDING", "PASSED", "FAILED"]})
    conditions = fields.List(fields.Nested(ConditionVerdictSchema))


class BadgeQuerySchema(Schema):
    branch = fields.String(validate=validate.Length(max=255),
                           metadata={"description": "The branch shown (default: the default branch)"})


class BadgeKeySchema(Schema):
    key = fields.String(allow_none=True)
    url = fields.String(allow_none=True)


def conditions_of(project_id: int) -> list[Condition]:
    gate = gate_of(store(), project_id)
    return [] if gate is None else check_conditions(gate["conditions"])


def verdict_at(project: dict[str, Any], commit: dict[str, Any]) -> dict[str, Any]:
    data_dir = current_app.extensions["codeannals"].settings.data_dir
    return evaluate(store(), int(project["id"]), commit, conditions_of(int(project["id"])),
                    mirror_opener(data_dir, project["uuid"]))


@blp.route("/projects/<int:project_id>/qualityGate")
class QualityGateResource(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, GateSchema)
    def get(self, _args: dict[str, Any], project_id: int) -> dict[str, Any]:
        """The project's gate (no conditions when none was set); with ``asOf``, as it stood then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is None:
            return {"conditions": [c.view() for c in conditions_of(project_id)]}
        gate = gate_as_of(projects_app(), UUID(str(access.project["uuid"])), datetime.fromisoformat(moment))
        return {"conditions": [] if gate is None else [c.view() for c in gate.conditions]}

    @blp.doc(requestBody={"content": {"application/json": {"schema": {
        "type": "object", "required": ["conditions"], "properties": {"conditions": {"type": "array", "items": {
            "type": "object", "required": ["metric", "op", "threshold"], "properties": {
                "metric": {"type": "string"}, "op": {"type": "string", "enum": ["LT", "GT", "EQ", "NE"]},
                "threshold": {"type": "number"}}}}}}}}})
    @blp.response(200, GateSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Malformed conditions")
    @blp.alt_response(403, schema=ErrorSchema, description="Not an ADMIN of the project")
    def put(self, project_id: int) -> dict[str, Any]:
        """Set the gate's conditions (ADMIN): a condition fails when ``actual op threshold`` holds."""
        access = project_access(project_id, ADMIN)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "conditions" not in body:
            raise Invalid('the body must be {"conditions": [{"metric", "op", "threshold"}]}')
        conditions = check_conditions(body["conditions"])
        set_conditions(projects_app(), UUID(str(access.project["uuid"])), project_id, conditions,
                       actor=access.principal.actor)
        return {"conditions": [c.view() for c in conditions]}


@blp.route("/projects/<int:project_id>/commits/<string:commit_hash>/qualityGate")
class CommitVerdict(MethodView):
    @blp.response(200, VerdictSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such project or commit")
    def get(self, project_id: int, commit_hash: str) -> dict[str, Any]:
        """The gate's verdict at a commit: PENDING while a condition's figure has not arrived."""
        access = project_access(project_id, MEMBER)
        commit = resolve_commit(project_id, commit_hash)
        return verdict_at(access.project, commit)


@blp.route("/projects/<int:project_id>/qualityGate/badgeKey")
class BadgeKey(MethodView):
    @blp.response(200, BadgeKeySchema)
    def get(self, project_id: int) -> dict[str, Any]:
        """The project's badge key (ADMIN); null until one is generated."""
        access = project_access(project_id, ADMIN)
        key = badge_key(projects_app(), UUID(str(access.project["uuid"])))
        return {"key": key, "url": None if key is None else f"/api/qualityGate/badge/{key}.svg"}

    @blp.response(200, BadgeKeySchema)
    def post(self, project_id: int) -> dict[str, Any]:
        """Generate a new badge key (ADMIN); the old one stops working."""
        access = project_access(project_id, ADMIN)
        key = regenerate_badge_key(projects_app(), UUID(str(access.project["uuid"])), project_id,
                                   actor=access.principal.actor)
        return {"key": key, "url": f"/api/qualityGate/badge/{key}.svg"}


@blp.route("/qualityGate/badge/<string:key>.svg")
class GateBadge(MethodView):
    @public  # opened by its unguessable key, nothing else
    @blp.arguments(BadgeQuerySchema, location="query")
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown key or branch")
    def get(self, args: dict[str, Any], key: str) -> Response:
        """The gate's verdict at a branch's head (``?branch=``, default: the default branch) as an SVG."""
        if len(key) > 100:
            raise NotFound("no such badge")
        project_id = project_of_badge_key(store(), badge_key_hash(key))
        project = None if project_id is None else project_queries.project_by_id(store(), project_id)
        if project is None or project_id is None:
            raise NotFound("no such badge")
        name = (args.get("branch") or "").strip() or project.get("default_branch")
        if not name:
            status = history.import_status(store(), project_id)
            name = status["default_branch"] if status else None
        ref = history.ref_by_name(store(), project_id, str(name)) if name else None
        if ref is None or ref["commit_idx"] is None:
            raise NotFound("no such branch")
        commit = history.commit_at(store(), project_id, int(ref["commit_idx"]))
        if commit is None:
            raise NotFound("no such branch")
        status_text = verdict_at(project, commit)["status"]
        color = GREEN if status_text == PASSED else RED if status_text == FAILED else GREY
        response = Response(badge_svg("quality gate", status_text.lower(), color), status=200,
                            mimetype="image/svg+xml")
        response.headers["Cache-Control"] = "no-cache"
        return response
