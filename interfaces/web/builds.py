"""Copr pages (projects, a project's builds with their state and built packages per build environment,
a build's tasks, its built packages and the uploaded SRPM's download link) and the audit log for
platform admins."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from domain.builds.build import SOURCE_UPLOAD
from domain.shared.errors import Forbidden, NotFound
from interfaces.web.common import PAGE_SIZE, blp, page, page_number, page_url, require_signed_in, store
from projections.builds import queries
from projections.web import queries as web


@blp.route("/ui/copr")
def copr_projects() -> Response:
    require_signed_in()
    number = page_number()
    rows = queries.projects(store(), limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return page("copr_projects.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, number=number,
                page_url=page_url)


@blp.route("/ui/copr/<int:project_id>")
def copr_project(project_id: int) -> Response:
    require_signed_in()
    project = queries.project(store(), project_id)
    if project is None:
        raise NotFound(f"Copr project {project_id} not found.")
    number = page_number()
    builds = queries.builds(store(), project_id=project_id, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    tasks: dict[int, list[dict[str, object]]] = {}
    if builds:
        for t in queries.build_tasks(store(), project_id=project_id, limit=None):
            tasks.setdefault(int(t["build_id"]), []).append(t)
    chroots = queries.project_chroots(store(), project_id)
    packages = {build_id: sorted({str(p["name"]) for p in rows}) for build_id, rows in
                queries.packages_of(store(), [int(b["id"]) for b in builds[:PAGE_SIZE]]).items()}
    return page("copr_project.html", project=project, builds=builds[:PAGE_SIZE], tasks=tasks, chroots=chroots,
                more=len(builds) > PAGE_SIZE, number=number, page_url=page_url, packages=packages)


def srpm_of(found: dict[str, Any]) -> dict[str, Any] | None:
    """The uploaded SRPM of a build (``create_from_file``): its file name, size, hash and the API's
    download link (``/api_2/builds/{id}/srpm``); None for other sources. The blob key stays inside."""
    metadata = found["source_metadata"]
    if found["source_type"] != SOURCE_UPLOAD or not isinstance(metadata, dict):
        return None
    return {"pkg": metadata.get("pkg"), "size": int(metadata.get("size") or 0), "sha256": metadata.get("sha256"),
            "url": f"/api_2/builds/{int(found['id'])}/srpm"}


@blp.route("/ui/builds/<int:build_id>")
def build(build_id: int) -> Response:
    require_signed_in()
    found = queries.build(store(), build_id)
    if found is None:
        raise NotFound(f"Build {build_id} not found.")
    project = queries.project(store(), int(found["project_id"]))
    packages: dict[str, list[Any]] = {}
    for row in queries.packages_of(store(), [build_id]).get(build_id, []):
        packages.setdefault(str(row["chroot_name"]), []).append(row)
    return page("build.html", build=found, project=project, tasks=queries.build_tasks(store(), build_id=build_id,
                                                                                    limit=None),
                packages=packages, srpm=srpm_of(found))


@blp.route("/ui/audit")
def audit() -> Response:
    principal = require_signed_in()
    if not principal.platform_admin:
        raise Forbidden("Only platform administrators may read the event log.")
    args = {k: (request.args.get(k) or "").strip() or None for k in ("type", "actor", "aggregate", "since", "until")}
    number = page_number()
    rows = web.audit_events(store(), args["type"], args["actor"], args["aggregate"], args["since"], args["until"],
                            limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return page("audit.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, number=number, args=args,
                page_url=page_url)
