"""What every Copr API 2 resource shares: links (path-absolute hrefs), envelopes, the ``Location`` of
created things (absolute), Copr booleans, access checks and the default catalogue of build environments.

Access: reads are public. Writes need credentials (HTTP Basic ``login:apitoken``; 401 without or with bad
ones); changing or deleting a project needs its ADMIN role, building in it its MEMBER role, like every
project endpoint (:mod:`interfaces.http.projects.access`); platform admins may do anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields

from application.builds.service import BuildsApplication, ProjectRef
from application.projects.service import ProjectsApplication
from application.shared import positions
from domain.builds.build import SOURCE_UPLOAD
from domain.projects.roles import Role, satisfies
from domain.shared.errors import Forbidden, Invalid, InvalidField, NotFound
from interfaces.http.auth import Principal, require_user
from interfaces.http.wording import api_message
from projections.builds import queries
from projections.projects import queries as project_queries
from projections.store import ReadStore

API = "/api_2"
TEST_RUNS = "/api/test-runs"
MEMBER, ADMIN = Role.MEMBER, Role.ADMIN
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1"), ("false", "no", "0")


# --- the server's parts ---------------------------------------------------------------------------
def store() -> ReadStore:
    s: ReadStore = current_app.extensions["codeannals"].store
    return s


def builds_app() -> BuildsApplication:
    app: BuildsApplication = current_app.extensions["codeannals"].app(BuildsApplication)
    return app


def projects_app() -> ProjectsApplication:
    app: ProjectsApplication = current_app.extensions["codeannals"].app(ProjectsApplication)
    return app


def ensure_catalogue() -> None:
    """The default build environments exist on a new server from its first Copr request on (seeded once,
    as events by ``system``); the request then sees them in the read model."""
    if builds_app().ensure_catalogue():
        caught_up()


def caught_up() -> None:
    """Wait (bounded) until the read models show this request's writes, for an answer that shows them."""
    container = current_app.extensions["codeannals"]
    container.runner.wait_for(positions.collected(), container.settings.read_wait_seconds)


def copr_blueprint(name: str, description: str) -> Blueprint:
    blp = Blueprint(name, __name__, url_prefix=API, description=description)
    blp.before_request(ensure_catalogue)
    return blp


# --- links and answers ----------------------------------------------------------------------------
def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def href(path: str, params: Mapping[str, Any] | None = None) -> str:
    """A path-absolute href (the client builds URLs as root_url + href), with the given query."""
    query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
    return request.script_root + path + (f"?{urlencode(query)}" if query else "")


def link(path: str, params: Mapping[str, Any] | None = None) -> dict[str, str]:
    return {"href": href(path, params)}


def given(args: Mapping[str, Any]) -> dict[str, Any]:
    """The parsed query parameters the caller actually gave (for a collection's ``self`` link)."""
    return {k: v for k, v in args.items() if k in request.args}


def created(path: str) -> Response:
    """201 with an absolute ``Location`` (http://host/api_2/...), as the client follows it."""
    response = Response(b"", status=201)
    response.headers["Location"] = request.url_root.rstrip("/") + path
    return response


def require_json_object() -> None:
    """A change needs a body: a JSON object (an empty or missing body is a 400, as in Copr)."""
    if not isinstance(request.get_json(silent=True), dict):
        raise Invalid("send the changes as a JSON object (Content-Type: application/json)")


def no_content() -> Response:
    return Response(status=204)


def chroot_path(name: str) -> str:
    return quote(name, safe="")


# --- envelopes ------------------------------------------------------------------------------------
def project_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "name": row["name"],
        "owner": row["owner"],
        "is_a_group_project": row["group_name"] is not None,
        "group": row["group_name"],
        "description": row["description"] or "",
        "instructions": row["instructions"] or "",
        "homepage": row["homepage"] or None,
        "contact": row["contact"] or None,
        "disable_createrepo": bool(row["disable_createrepo"]),
        "build_enable_net": bool(row["build_enable_net"]),
        "repos": list(row["repos"]),
    }


def project_links(project_id: int, self_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "self": link(f"{API}/projects/{project_id}", self_params),
        "builds": link(f"{API}/builds", {"project_id": project_id}),
        "chroots": link(f"{API}/projects/{project_id}/chroots"),
        "build_tasks": link(f"{API}/build_tasks", {"project_id": project_id}),
    }


def project_envelope(row: Mapping[str, Any], self_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"project": project_entity(row), "_links": project_links(int(row["id"]), self_params)}


def source_metadata_view(row: Mapping[str, Any]) -> Any:
    """A build's source metadata; for an uploaded SRPM its file name, size, hash and download link (the
    blob key stays inside)."""
    metadata = row["source_metadata"]
    if row["source_type"] != SOURCE_UPLOAD or not isinstance(metadata, Mapping):
        return metadata
    return {"pkg": metadata.get("pkg"), "size": metadata.get("size"), "sha256": metadata.get("sha256"),
            "url": request.host_url.rstrip("/") + f"{API}/builds/{int(row['id'])}/srpm"}


def built_packages_view(packages: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Copr's built_packages: each (name, version) once, whatever chroots built it."""
    seen: dict[tuple[str, str], None] = {}
    for p in packages:
        seen.setdefault((str(p["name"]), str(p["version"])), None)
    return [{"name": name, "version": version} for name, version in seen]


def build_entity(row: Mapping[str, Any], packages: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "state": row["state"],
        "submitter": row["submitter"],
        "built_packages": built_packages_view(packages or []),
        "package_version": row["package_version"],
        "package_name": row["package_name"],
        "repos": list(row["repos"]),
        "submitted_on": int(row["submitted_on"]),
        "enable_net": bool(row["enable_net"]),
        "source_type": row["source_type"],
        "source_metadata": source_metadata_view(row),
    }


def build_envelope(row: Mapping[str, Any], self_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    build_id = int(row["id"])
    packages = queries.packages_of(store(), [build_id]).get(build_id, [])
    return {
        "build": build_entity(row, packages),
        "packages": [{"name": p["name"], "version": p["version"], "release": p["release"], "arch": p["arch"],
                      "chroot_name": p["chroot_name"]} for p in packages],
        "_links": {
            "self": link(f"{API}/builds/{build_id}", self_params),
            "project": link(f"{API}/projects/{int(row['project_id'])}"),
            "build_tasks": link(f"{API}/build_tasks", {"build_id": build_id}),
            "test_runs": link(TEST_RUNS, {"buildKey": build_id}),
        },
    }


def task_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "state": row["state"],
        "started_on": None if row["started_on"] is None else int(row["started_on"]),
        "ended_on": None if row["ended_on"] is None else int(row["ended_on"]),
        "git_hash": row["git_hash"],
        "chroot_name": row["chroot_name"],
        "build_id": int(row["build_id"]),
        "result_dir_url": row["result_dir_url"],
    }


def task_envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    build_id = int(row["build_id"])
    return {
        "build_task": task_entity(row),
        "_links": {
            "self": link(f"{API}/build_tasks/{build_id}/{chroot_path(row['chroot_name'])}"),
            "project": link(f"{API}/projects/{int(row['project_id'])}"),
            "build": link(f"{API}/builds/{build_id}"),
        },
    }


def project_chroot_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    comps = row["comps"]
    return {
        "name": row["name"],
        "buildroot_pkgs": list(row["buildroot_pkgs"]),
        "comps": comps,
        "comps_name": row["comps_name"],
        "comps_len": len(comps.encode()) if comps else 0,
    }


def project_chroot_envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    project_id = int(row["project_id"])
    return {
        "chroot": project_chroot_entity(row),
        "_links": {
            "self": link(f"{API}/projects/{project_id}/chroots/{chroot_path(row['name'])}"),
            "project": link(f"{API}/projects/{project_id}"),
        },
    }


def mock_chroot_envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "chroot": {key: row[key] for key in ("name", "os_release", "os_version", "arch", "is_active")},
        "_links": {"self": link(f"{API}/mock_chroots/{chroot_path(row['name'])}")},
    }


@contextmanager
def about(subject: str) -> Iterator[None]:
    """Name what a domain refusal is about: ``Cannot cancel build 7: it is succeeded: ...``."""
    try:
        yield
    except (Invalid, NotFound) as exc:
        kind = Invalid if isinstance(exc, InvalidField) else type(exc)
        raise kind(f"{subject}: {api_message(exc, 'copr')}", **exc.data) from None


# --- finding things and access --------------------------------------------------------------------
def project_or_404(project_id: int) -> dict[str, Any]:
    project = queries.project(store(), project_id)
    if project is None:
        raise NotFound(f"Project with id `{project_id}` not found", project_id=project_id)
    return project


def build_or_404(build_id: int) -> dict[str, Any]:
    build = queries.build(store(), build_id)
    if build is None:
        raise NotFound(f"Build with id `{build_id}` not found", build_id=build_id)
    return build


def project_ref(project: Mapping[str, Any]) -> ProjectRef:
    return ProjectRef(
        uuid=UUID(str(project["uuid"])), id=int(project["id"]), repos=tuple(project["repos"]),
        build_enable_net=bool(project["build_enable_net"]), vcs_url=str(project["vcs_url"] or ""),
    )


def holds(principal: Principal, project_id: int, role: Role) -> bool:
    if principal.platform_admin:
        return True
    return satisfies(project_queries.effective_role(store(), project_id, principal.user_id), role)


def project_access(project_id: int, role: Role) -> tuple[Principal, dict[str, Any]]:
    """401 without credentials, 404 without the project, 403 without the role; else caller and project."""
    principal = require_user()
    project = project_or_404(project_id)
    if not holds(principal, project_id, role):
        raise Forbidden(
            f"User {principal.username} may not do this in project {project_id}: it needs the {role.value} role",
            project_id=project_id,
        )
    return principal, project


# --- Copr booleans --------------------------------------------------------------------------------
class CoprBoolean(fields.Boolean):
    """A query flag: true/yes/1 or false/no/0 (any case); anything else is a 400."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError(
            f"Value `{value}` is neither true nor false. Allowed values: {', '.join(TRUE_WORDS + FALSE_WORDS)}"
        )
