"""Copr API 2: the root, whose ``_links`` lead to every collection (the client starts here)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from interfaces.http.builds.common import API, copr_blueprint, link
from interfaces.http.builds.schemas import CoprRootSchema
from interfaces.http.operations import public

blp = copr_blueprint("copr_root", "Copr API 2: the root of the HATEOAS links")


@blp.route("/", strict_slashes=False)
class Root(MethodView):
    @public
    @blp.response(200, CoprRootSchema)
    def get(self) -> dict[str, Any]:
        """The API root: links to projects, builds, build tasks and mock chroots (GET /api_2 or /api_2/)."""
        return {"_links": {
            "self": link(f"{API}/"),
            "projects": link(f"{API}/projects"),
            "builds": link(f"{API}/builds"),
            "build_tasks": link(f"{API}/build_tasks"),
            "mock_chroots": link(f"{API}/mock_chroots"),
        }}
