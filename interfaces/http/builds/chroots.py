"""Copr API 2 project chroots: the build environments enabled for a project, with the packages added
to their buildroot and an optional comps file. Reads are public; changes need the project's ADMIN role."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from domain.shared.errors import NotFound
from interfaces.http.builds.common import (
    ADMIN,
    API,
    builds_app,
    caught_up,
    chroot_path,
    copr_blueprint,
    created,
    link,
    no_content,
    project_access,
    project_chroot_envelope,
    project_or_404,
    project_ref,
    require_json_object,
    store,
)
from interfaces.http.builds.schemas import (
    CoprProjectChrootCreateSchema,
    CoprProjectChrootEnvelopeSchema,
    CoprProjectChrootListSchema,
    CoprProjectChrootUpdateSchema,
)
from interfaces.http.operations import public
from projections.builds import queries

blp = copr_blueprint("copr_project_chroots", "Copr API 2: the chroots enabled for a project")


def project_chroot_or_404(project_id: int, name: str) -> dict[str, Any]:
    chroot = queries.project_chroot(store(), project_id, name)
    if chroot is None:
        raise NotFound(f"Chroot `{name}` is not enabled in project {project_id}", project_id=project_id, name=name)
    return chroot


@blp.route("/projects/<int:project_id>/chroots")
class ProjectChroots(MethodView):
    @public
    @blp.response(200, CoprProjectChrootListSchema)
    @blp.alt_response(404, description="No such project")
    def get(self, project_id: int) -> dict[str, Any]:
        """The chroots enabled for the project, by name."""
        project_or_404(project_id)
        rows = queries.project_chroots(store(), project_id)
        return {
            "chroots": [project_chroot_envelope(r) for r in rows],
            "_links": {"self": link(f"{API}/projects/{project_id}/chroots"),
                       "project": link(f"{API}/projects/{project_id}")},
        }

    @blp.arguments(CoprProjectChrootCreateSchema)
    @blp.response(201, headers={"Location": {"description": "absolute URL of the project chroot",
                                             "schema": {"type": "string"}}})
    @blp.alt_response(409, description="That chroot is enabled already")
    def post(self, body: dict[str, Any], project_id: int) -> Response:
        """Enable a build environment for the project (ADMIN); it must exist and be active (else 400)."""
        principal, project = project_access(project_id, ADMIN)
        name = builds_app().enable_project_chroot(
            project_ref(project), body["name"], body.get("buildroot_pkgs"), body.get("comps"),
            body.get("comps_name"), actor=principal.actor,
        )
        return created(f"{API}/projects/{project_id}/chroots/{chroot_path(name)}")


@blp.route("/projects/<int:project_id>/chroots/<name>")
class ProjectChrootResource(MethodView):
    @public
    @blp.response(200, CoprProjectChrootEnvelopeSchema)
    @blp.alt_response(404, description="No such project, or that chroot is not enabled in it")
    def get(self, project_id: int, name: str) -> dict[str, Any]:
        """One chroot of the project."""
        project_or_404(project_id)
        return project_chroot_envelope(project_chroot_or_404(project_id, name))

    @blp.arguments(CoprProjectChrootUpdateSchema)
    @blp.response(200, CoprProjectChrootEnvelopeSchema)
    @blp.alt_response(404, description="No such project, or that chroot is not enabled in it")
    def put(self, body: dict[str, Any], project_id: int, name: str) -> dict[str, Any]:
        """Replace the chroot's buildroot packages and comps file (ADMIN); answers the chroot as it is now."""
        principal, project = project_access(project_id, ADMIN)
        current = project_chroot_or_404(project_id, name)
        require_json_object()
        builds_app().change_project_chroot(
            project_ref(project), name,
            body.get("buildroot_pkgs", current["buildroot_pkgs"]),
            body.get("comps", current["comps"]),
            body.get("comps_name", current["comps_name"]),
            actor=principal.actor,
        )
        caught_up()
        return project_chroot_envelope(project_chroot_or_404(project_id, name))

    @blp.response(204)
    @blp.alt_response(404, description="No such project, or that chroot is not enabled in it")
    def delete(self, project_id: int, name: str) -> Response:
        """Disable the chroot for the project (ADMIN); its past builds stay."""
        principal, project = project_access(project_id, ADMIN)
        project_chroot_or_404(project_id, name)
        builds_app().disable_project_chroot(project_ref(project), name, actor=principal.actor)
        return no_content()

