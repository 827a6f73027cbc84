"""coderadar analyzers: the ones the server offers (seed 4.1) and a project's analyzer configurations
(seed 3.5): add, list, get (also as of a moment), update, delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.projects.configuration import ProjectAnalyzers
from domain.shared.errors import NotFound
from interfaces.http.analysis.common import refuse_while_analyzing
from interfaces.http.auth import require_user
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import aggregate_as_of, as_of, ok
from interfaces.http.projects.schemas import (
    AnalyzerConfigurationSchema,
    AnalyzerRequestSchema,
    AsOfQuerySchema,
    CreatedSchema,
)
from projections.projects import queries

blp = Blueprint(
    "coderadar_analyzers", __name__, url_prefix="/api", description="coderadar analyzers and their configurations"
)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    view = {"id": row["id"], "analyzerName": row["analyzer_name"], "enabled": bool(row["enabled"])}
    if row.get("parameters"):
        view["parameters"] = row["parameters"]
    return view


def _configurations_then(project: dict[str, Any], moment: str) -> list[dict[str, Any]]:
    analyzers: ProjectAnalyzers | None = aggregate_as_of(project, "analyzers", moment)
    if analyzers is None:
        return []
    ids = queries.item_ids(store(), int(project["id"]), "analyzer")
    rows: list[dict[str, Any]] = [{"id": ids[key], **value} for key, value in analyzers.analyzers.items() if key in ids]
    return [_view(r) for r in sorted(rows, key=lambda r: int(r["id"]))]


def _configuration_or_404(project_id: int, configuration_id: int) -> dict[str, Any]:
    row = queries.analyzer(store(), project_id, configuration_id)
    if row is None:
        raise NotFound(f"AnalyzerConfiguration with id {configuration_id} not found.")
    return row


@blp.route("/analyzers")
class Analyzers(MethodView):
    @blp.response(200, description="A JSON array of analyzer plugin names")
    def get(self) -> Response:
        """The analyzers this server offers, by plugin name."""
        require_user()
        return jsonify(projects_app().offered_analyzers())


@blp.route("/projects/<int:project_id>/analyzers")
class AnalyzerConfigurations(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, AnalyzerConfigurationSchema(many=True))
    def get(self, _args: dict[str, Any], project_id: int) -> list[dict[str, Any]]:
        """List the project's analyzer configurations; with ``asOf``, as they were then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            return _configurations_then(access.project, moment)
        return [_view(r) for r in queries.analyzers(store(), project_id)]

    @blp.arguments(AnalyzerRequestSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(400, description="The server offers no analyzer of that name")
    @blp.alt_response(409, description="The analyzer is already configured for the project")
    def post(self, body: dict[str, Any], project_id: int) -> dict[str, Any]:
        """Add an analyzer configuration (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        added = projects_app().add_analyzer(
            UUID(access.project["uuid"]), body["analyzerName"], body["enabled"], body.get("parameters"),
            actor=access.principal.actor,
        )
        return {"id": added.id}


@blp.route("/projects/<int:project_id>/analyzers/<int:configuration_id>")
class AnalyzerConfigurationResource(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, AnalyzerConfigurationSchema)
    @blp.alt_response(404, description="No such analyzer configuration")
    def get(self, _args: dict[str, Any], project_id: int, configuration_id: int) -> dict[str, Any]:
        """Get an analyzer configuration; with ``asOf``, as it was then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            for configuration in _configurations_then(access.project, moment):
                if configuration["id"] == configuration_id:
                    return configuration
            raise NotFound(f"AnalyzerConfiguration with id {configuration_id} not found at {moment}.")
        return _view(_configuration_or_404(project_id, configuration_id))

    @blp.arguments(AnalyzerRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], project_id: int, configuration_id: int) -> Response:
        """Update an analyzer configuration (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _configuration_or_404(project_id, configuration_id)
        projects_app().change_analyzer(
            UUID(access.project["uuid"]), row["item_key"], body["analyzerName"], body["enabled"],
            body.get("parameters") if body.get("parameters") is not None else row["parameters"],
            actor=access.principal.actor,
        )
        return ok()

    @blp.response(200)
    def delete(self, project_id: int, configuration_id: int) -> Response:
        """Delete an analyzer configuration (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _configuration_or_404(project_id, configuration_id)
        projects_app().remove_analyzer(UUID(access.project["uuid"]), row["item_key"], actor=access.principal.actor)
        return ok()
