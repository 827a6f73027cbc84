"""coderadar branches (seed 3.3): the project's branches and tags with their head commits."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from interfaces.http.history.schemas import BranchSchema
from interfaces.http.projects.access import MEMBER, require_project_role, store
from projections.history import queries

blp = Blueprint("coderadar_branches", __name__, url_prefix="/api", description="coderadar branches (seed 3.3)")


@blp.route("/projects/<int:project_id>/branches")
class Branches(MethodView):
    @blp.response(200, BranchSchema(many=True))
    def get(self, project_id: int) -> list[dict[str, Any]]:
        """Branches (by name), then tags (by name), as last imported; ``commitHash`` is the full hash."""
        require_project_role(project_id, MEMBER)
        return [{"name": r["name"], "commitHash": r["commit_hash"], "isTag": r["is_tag"]}
                for r in queries.refs(store(), project_id)]
