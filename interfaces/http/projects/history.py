"""A project's history: every change to it and its configuration, oldest first, with who did it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.projects.access import ADMIN, project_access, store
from interfaces.http.projects.schemas import HistoryEventSchema, HistoryQuerySchema
from projections.projects import queries

blp = Blueprint("coderadar_project_history", __name__, url_prefix="/api", description="A project's change history")


@blp.route("/projects/<int:project_id>/history")
class ProjectHistory(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> list[dict[str, Any]]:
        """The project's events, oldest first (ADMIN): time, actor, type and what changed (the VCS
        password shows as ``***``). Any ``time`` can be given as ``asOf`` to the project's resources."""
        project_access(project_id, ADMIN)
        return [
            {"position": r["position"], "time": r["occurred_at"], "actor": r["actor"], "type": r["event_type"],
             "changes": r["changes"]}
            for r in queries.history(store(), project_id, limit=args["limit"], offset=args["offset"])
        ]
