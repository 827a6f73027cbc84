"""Copr API 2 mock chroots: the server's build environments. Reads are public; platform admins add them
(POST) and switch them off and on (PUT ``is_active``), as ``codeannals chroots`` does."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from domain.shared.errors import NotFound
from interfaces.http.auth import require_platform_admin
from interfaces.http.builds.common import (
    API,
    builds_app,
    chroot_path,
    copr_blueprint,
    created,
    given,
    link,
    mock_chroot_envelope,
    no_content,
    store,
)
from interfaces.http.builds.schemas import (
    CoprMockChrootCreateSchema,
    CoprMockChrootEnvelopeSchema,
    CoprMockChrootListSchema,
    CoprMockChrootQuerySchema,
    CoprMockChrootUpdateSchema,
)
from interfaces.http.operations import public
from projections.builds import queries

blp = copr_blueprint("copr_mock_chroots", "Copr API 2: build environments (mock chroots)")


def mock_chroot_or_404(name: str) -> dict[str, Any]:
    chroot = queries.mock_chroot(store(), name)
    if chroot is None:
        raise NotFound(f"Mock chroot `{name}` not found", name=name)
    return chroot


@blp.route("/mock_chroots")
class MockChroots(MethodView):
    @public
    @blp.arguments(CoprMockChrootQuerySchema, location="query")
    @blp.response(200, CoprMockChrootListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every build environment; with ``active_only``, only those that take new builds."""
        rows = queries.mock_chroots(store(), active_only=args["active_only"])
        return {
            "chroots": [mock_chroot_envelope(r) for r in rows],
            "_links": {"self": link(f"{API}/mock_chroots", given(args))},
        }

    @blp.arguments(CoprMockChrootCreateSchema)
    @blp.response(201, headers={"Location": {"description": "absolute URL of the new mock chroot",
                                             "schema": {"type": "string"}}})
    @blp.alt_response(409, description="It exists already")
    def post(self, body: dict[str, Any]) -> Response:
        """Add a build environment (platform admins): ``name`` (fedora-42-x86_64) or its three parts."""
        principal = require_platform_admin()
        name = builds_app().add_mock_chroot(
            body.get("name"), actor=principal.actor, os_release=body.get("os_release"),
            os_version=body.get("os_version"), arch=body.get("arch"),
        )
        return created(f"{API}/mock_chroots/{chroot_path(name)}")


@blp.route("/mock_chroots/<name>")
class MockChrootResource(MethodView):
    @public
    @blp.response(200, CoprMockChrootEnvelopeSchema)
    @blp.alt_response(404, description="No such mock chroot")
    def get(self, name: str) -> dict[str, Any]:
        """One build environment."""
        return mock_chroot_envelope(mock_chroot_or_404(name))

    @blp.arguments(CoprMockChrootUpdateSchema)
    @blp.response(204)
    @blp.alt_response(404, description="No such mock chroot")
    def put(self, body: dict[str, Any], name: str) -> Response:
        """Switch a build environment off (no new builds) or on again (platform admins)."""
        principal = require_platform_admin()
        mock_chroot_or_404(name)
        builds_app().set_mock_chroot_active(name, bool(body["is_active"]), actor=principal.actor)
        return no_content()
