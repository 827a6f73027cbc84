"""A project's history import: its progress and status, and a request to fetch again now."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.history.common import history_app
from interfaces.http.history.schemas import ImportStatusSchema
from interfaces.http.projects.access import MEMBER, project_access, store
from projections.history import queries

blp = Blueprint("history_imports", __name__, url_prefix="/api",
                description="A project's git history import: progress, failures, refresh")


def import_view(project_id: int, vcs_url: str | None) -> dict[str, Any]:
    row = queries.import_status(store(), project_id)
    if row is None or (not vcs_url and row["status"] != "RUNNING"):
        # NONE: the project has no repository (made through the Copr API); PENDING: the importer has not
        # picked the project up yet
        return {"projectId": project_id, "status": "PENDING" if vcs_url else "NONE", "commits": 0, "total": None,
                "batches": 0, "failureReason": None, "refreshRequested": False, "defaultBranch": None, "runs": 0,
                "generation": None, "updatedAt": None, "finishedAt": None}
    return {
        "projectId": project_id,
        "status": row["status"],
        "commits": int(row["commits"]),
        "total": None if row["total"] is None else int(row["total"]),
        "batches": int(row["batches"]),
        "failureReason": row["failure_reason"],
        "refreshRequested": bool(row["refresh_requested"]),
        "defaultBranch": row["default_branch"],
        "runs": int(row["runs"]),
        "generation": int(row["generation"]),
        "updatedAt": row["updated_at"],
        "finishedAt": row["finished_at"],
    }


@blp.route("/projects/<int:project_id>/import")
class ImportStatus(MethodView):
    @blp.response(200, ImportStatusSchema)
    def get(self, project_id: int) -> dict[str, Any]:
        """The import's status (PENDING, RUNNING, DONE, FAILED with ``failureReason``; NONE for a project
        without a repository), commits recorded so far and the total once known. Views show a run's
        commits only once it is DONE."""
        access = project_access(project_id, MEMBER)
        return import_view(project_id, access.project["vcs_url"])


@blp.route("/projects/<int:project_id>/refresh")
class Refresh(MethodView):
    @blp.response(200, ImportStatusSchema)
    def post(self, project_id: int) -> dict[str, Any]:
        """Fetch the repository again now (also for a project with vcsOnline false, or after a failure)."""
        access = project_access(project_id, MEMBER)
        row = queries.import_status(store(), project_id)
        requested = row is not None and history_app().request_refresh(UUID(str(row["job_uuid"])),
                                                                       actor=access.principal.actor)
        view = import_view(project_id, access.project["vcs_url"])
        if requested:
            view["refreshRequested"] = True
        return view
