"""coderadar modules of a project: create, list, get (also as of a moment), update, delete (seed 3.2)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.projects.configuration import ProjectModules
from domain.shared.errors import NotFound
from interfaces.http.analysis.common import refuse_while_analyzing
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app, store
from interfaces.http.projects.common import aggregate_as_of, as_of, ok
from interfaces.http.projects.schemas import AsOfQuerySchema, CreatedSchema, ModuleRequestSchema, ModuleSchema
from projections.projects import queries

blp = Blueprint("coderadar_modules", __name__, url_prefix="/api", description="coderadar modules (seed 3.2)")


def _modules_then(project: dict[str, Any], moment: str) -> list[dict[str, Any]]:
    modules: ProjectModules | None = aggregate_as_of(project, "modules", moment)
    if modules is None:
        return []
    ids = queries.item_ids(store(), int(project["id"]), "module")
    return sorted(
        ({"id": ids[key], "path": path} for key, path in modules.modules.items() if key in ids), key=lambda m: m["id"]
    )


def _module_or_404(project_id: int, module_id: int) -> dict[str, Any]:
    row = queries.module(store(), project_id, module_id)
    if row is None:
        raise NotFound(f"Module with id {module_id} not found.")
    return row


@blp.route("/projects/<int:project_id>/modules")
class Modules(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, ModuleSchema(many=True))
    def get(self, _args: dict[str, Any], project_id: int) -> list[dict[str, Any]]:
        """List the project's modules; with ``asOf``, as they were then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            return _modules_then(access.project, moment)
        return [{"id": m["id"], "path": m["path"]} for m in queries.modules(store(), project_id)]

    @blp.arguments(ModuleRequestSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(409, description="A module with that path exists")
    def post(self, body: dict[str, Any], project_id: int) -> dict[str, Any]:
        """Create a module (ADMIN). The path is stored as coderadar does: ``a/b/``."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        added = projects_app().add_module(UUID(access.project["uuid"]), body["path"], actor=access.principal.actor)
        return {"id": added.id}


@blp.route("/projects/<int:project_id>/modules/<int:module_id>")
class ModuleResource(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query")
    @blp.response(200, ModuleSchema)
    @blp.alt_response(404, description="No such module")
    def get(self, _args: dict[str, Any], project_id: int, module_id: int) -> dict[str, Any]:
        """Get a module; with ``asOf``, as it was then."""
        access = project_access(project_id, MEMBER)
        moment = as_of()
        if moment is not None:
            for module in _modules_then(access.project, moment):
                if module["id"] == module_id:
                    return module
            raise NotFound(f"Module with id {module_id} not found at {moment}.")
        row = _module_or_404(project_id, module_id)
        return {"id": row["id"], "path": row["path"]}

    @blp.arguments(ModuleRequestSchema)
    @blp.response(200)
    def post(self, body: dict[str, Any], project_id: int, module_id: int) -> Response:
        """Change a module's path (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _module_or_404(project_id, module_id)
        projects_app().change_module(
            UUID(access.project["uuid"]), row["item_key"], body["path"], actor=access.principal.actor
        )
        return ok()

    @blp.response(200)
    def delete(self, project_id: int, module_id: int) -> Response:
        """Delete a module (ADMIN)."""
        access = project_access(project_id, ADMIN)
        refuse_while_analyzing(project_id)
        row = _module_or_404(project_id, module_id)
        projects_app().remove_module(UUID(access.project["uuid"]), row["item_key"], actor=access.principal.actor)
        return ok()
