"""coderadar file patterns of a project: list, add, get (also as of a moment), update, remove (seed 3.4)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.projects.configuration import ProjectFilePatterns
from domain.shared.errors import NotFound
from interfaces.http.analysis.common import refuse_while_analyzing
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import aggregate_as_of, as_of, ok
from interfaces.http.projects.schemas import (
    AsOfQuerySchema,
    CreatedSchema,
    FilePatternRequestSchema,
    FilePatternSchema,
)
from projections.projects import queries

blp = Blueprint(
    "coderadar_file_patterns", __name__, url_prefix="/api", description="coderadar file patterns (seed 3.4)"
)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "pattern": row["pattern"], "inclusionType": row["inclusion_type"]}


def _patterns_then(project: dict[str, Any], moment: str) -> list[dict[str, Any]]:
    patterns: ProjectFilePatterns | None = aggregate_as_of(project, "file_patterns", moment)
    if patterns is None:
        return []
    ids = queries.item_ids(store(), int(project["id"]), "file_pattern")
    rows: list[dict[str, Any]] = [{"id": ids[key], **value} for key, value in patterns.patterns.items() if key in ids]
    return [_view(r) for r in sorted(rows, key=lambda r: int(r["id"]))]


def _pattern_or_404(project_id: int, pattern_id: int) -> dict[str, Any]:
    row = queries.file_pattern(store(), project_id, pattern_id)
    if row is None:
        raise NotFound(f"FilePattern with id {pattern_id} not found.")
    return row


@blp.route("/projects/<int:project_id>/filePatterns")
class FilePatterns(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, FilePatternSchema(many=True))
    def get(self, _args: dict[str, Any], project_id: int) -> list[dict[str, Any]]:
        """List the project's file patterns; with ``asOf``, as they were then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            return _patterns_then(access.project, moment)
        return [_view(r) for r in queries.file_patterns(store(), project_id)]

    @blp.arguments(FilePatternRequestSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(409, description="The same pattern with the same inclusion type exists")
    def post(self, body: dict[str, Any], project_id: int) -> dict[str, Any]:
        """Add a file pattern (ADMIN): Ant-style, INCLUDE or EXCLUDE."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        added = projects_app().add_file_pattern(
            UUID(access.project["uuid"]), body["pattern"], body["inclusionType"], actor=access.principal.actor
        )
        return {"id": added.id}


@blp.route("/projects/<int:project_id>/filePatterns/<int:pattern_id>")
class FilePatternResource(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, FilePatternSchema)
    @blp.alt_response(404, description="No such file pattern")
    def get(self, _args: dict[str, Any], project_id: int, pattern_id: int) -> dict[str, Any]:
        """Get a file pattern; with ``asOf``, as it was then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            for pattern in _patterns_then(access.project, moment):
                if pattern["id"] == pattern_id:
                    return pattern
            raise NotFound(f"FilePattern with id {pattern_id} not found at {moment}.")
        return _view(_pattern_or_404(project_id, pattern_id))

    @blp.arguments(FilePatternRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], project_id: int, pattern_id: int) -> Response:
        """Update a file pattern (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _pattern_or_404(project_id, pattern_id)
        projects_app().change_file_pattern(
            UUID(access.project["uuid"]), row["item_key"], body["pattern"], body["inclusionType"],
            actor=access.principal.actor,
        )
        return ok()

    @blp.response(200)
    def delete(self, project_id: int, pattern_id: int) -> Response:
        """Remove a file pattern (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _pattern_or_404(project_id, pattern_id)
        projects_app().remove_file_pattern(
            UUID(access.project["uuid"]), row["item_key"], actor=access.principal.actor
        )
        return ok()
