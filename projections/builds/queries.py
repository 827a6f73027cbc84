"""Queries Copr API 2 asks of the read models: projects (the projects read model, seen the Copr way),
build environments, project chroots, builds and build tasks.

Builds and chroots are joined to ``projects``, so those of a deleted project are never answered."""

from __future__ import annotations

import json
from typing import Any

from projections.store import ReadStore, Row

PROJECT_COLUMNS = (
    "p.id, p.uuid, p.name, p.vcs_url, p.creator_id, u.username AS owner, p.group_name, p.description, "
    "p.instructions, p.homepage, p.contact, p.disable_createrepo, p.build_enable_net, p.repos"
)
PROJECT_FROM = "projects p LEFT JOIN users u ON u.id = p.creator_id"
JOIN_PROJECT = "JOIN projects p ON p.id = b.project_id LEFT JOIN users u ON u.id = p.creator_id"
BUILD_COLUMNS = (
    "b.id, b.uuid, b.project_id, b.submitter, b.submitter_id, b.state, b.canceled, b.is_finished, "
    "b.package_name, b.package_version, b.repos, b.submitted_on, b.enable_net, b.source_type, b.source_metadata"
)
TASK_COLUMNS = "t.build_id, t.chroot_name, t.state, t.started_on, t.ended_on, t.git_hash, t.result_dir_url, " \
               "b.project_id"


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def _page(limit: int | None, offset: int) -> tuple[str, list[Any]]:
    if limit is None:
        return (" OFFSET %s", [offset]) if offset else ("", [])
    return " LIMIT %s OFFSET %s", [limit, offset]


def _owner_and_group(where: _Where, owner: str | None, group: str | None) -> None:
    if owner is not None:
        where.add("LOWER(u.username) = %s", owner.lower())
    if group is not None:
        where.add("p.group_name = %s", group)


# --- projects -------------------------------------------------------------------------------------
def _project(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        **row,
        "owner": row["owner"] or "",
        "disable_createrepo": bool(row["disable_createrepo"]),
        "build_enable_net": bool(row["build_enable_net"]),
        "repos": json.loads(row["repos"]),
    }


def project(store: ReadStore, project_id: int) -> dict[str, Any] | None:
    return _project(store.fetchone(f"SELECT {PROJECT_COLUMNS} FROM {PROJECT_FROM} WHERE p.id=%s", (project_id,)))


def projects(store: ReadStore, owner: str | None = None, group: str | None = None, name: str | None = None,
             search: str | None = None, limit: int | None = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Projects, oldest first, filtered by owner (username), group, exact name and a search text
    (in the name, the description and the owner's name, case-insensitively)."""
    where = _Where()
    _owner_and_group(where, owner, group)
    if name is not None:
        where.add("p.name = %s", name)
    if search:
        pattern = _like(search)
        where.add(
            "(LOWER(p.name) LIKE %s ESCAPE '\\' OR LOWER(p.description) LIKE %s ESCAPE '\\' "
            "OR LOWER(u.username) LIKE %s ESCAPE '\\')",
            pattern, pattern, pattern,
        )
    page, page_params = _page(limit, offset)
    rows = store.fetchall(
        f"SELECT {PROJECT_COLUMNS} FROM {PROJECT_FROM}{where.sql} ORDER BY p.id{page}", (*where.params, *page_params)
    )
    return [p for p in (_project(r) for r in rows) if p is not None]


def project_named(store: ReadStore, name: str, creator_id: int, group: str | None) -> int | None:
    """The id of the caller's project (or the group's project) with that name, if there is one."""
    if group is None:
        value = store.scalar(
            "SELECT id FROM projects WHERE name=%s AND creator_id=%s AND group_name IS NULL", (name, creator_id)
        )
    else:
        value = store.scalar("SELECT id FROM projects WHERE name=%s AND group_name=%s", (name, group))
    return None if value is None else int(value)


def team_named(store: ReadStore, name: str) -> Row | None:
    return store.fetchone("SELECT id, uuid, name FROM teams WHERE LOWER(name)=%s ORDER BY id", (name.lower(),))


def is_team_member(store: ReadStore, team_id: int, user_id: int) -> bool:
    return store.scalar(
        "SELECT user_id FROM team_members WHERE team_id=%s AND user_id=%s", (team_id, user_id)
    ) is not None


# --- build environments ---------------------------------------------------------------------------
MOCK_CHROOT_COLUMNS = "name, os_release, os_version, arch, is_active"


def _mock_chroot(row: Row) -> dict[str, Any]:
    return {**row, "is_active": bool(row["is_active"])}


def mock_chroots(store: ReadStore, active_only: bool = False) -> list[dict[str, Any]]:
    where = " WHERE is_active = %s" if active_only else ""
    rows = store.fetchall(f"SELECT {MOCK_CHROOT_COLUMNS} FROM mock_chroots{where} ORDER BY name",
                          (True,) if active_only else ())
    return [_mock_chroot(r) for r in rows]


def mock_chroot(store: ReadStore, name: str) -> dict[str, Any] | None:
    row = store.fetchone(f"SELECT {MOCK_CHROOT_COLUMNS} FROM mock_chroots WHERE name=%s", (name,))
    return None if row is None else _mock_chroot(row)


# --- project chroots ------------------------------------------------------------------------------
def _project_chroot(row: Row) -> dict[str, Any]:
    return {**row, "buildroot_pkgs": json.loads(row["buildroot_pkgs"])}


def project_chroots(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT project_id, name, buildroot_pkgs, comps, comps_name FROM project_chroots WHERE project_id=%s "
        "ORDER BY name",
        (project_id,),
    )
    return [_project_chroot(r) for r in rows]


def project_chroot(store: ReadStore, project_id: int, name: str) -> dict[str, Any] | None:
    row = store.fetchone(
        "SELECT project_id, name, buildroot_pkgs, comps, comps_name FROM project_chroots "
        "WHERE project_id=%s AND name=%s",
        (project_id, name),
    )
    return None if row is None else _project_chroot(row)


# --- builds ---------------------------------------------------------------------------------------
def _build(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        **row,
        "canceled": bool(row["canceled"]),
        "is_finished": bool(row["is_finished"]),
        "enable_net": bool(row["enable_net"]),
        "repos": json.loads(row["repos"]),
        "source_metadata": json.loads(row["source_metadata"]),
    }


def build(store: ReadStore, build_id: int) -> dict[str, Any] | None:
    return _build(store.fetchone(
        f"SELECT {BUILD_COLUMNS} FROM builds b JOIN projects p ON p.id = b.project_id WHERE b.id=%s", (build_id,)
    ))


def builds(store: ReadStore, project_id: int | None = None, owner: str | None = None, group: str | None = None,
           is_finished: bool | None = None, limit: int | None = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Builds, newest first: of one project, or of the projects of an owner (username) or a group."""
    where = _Where()
    if project_id is not None:
        where.add("b.project_id = %s", project_id)
    else:
        _owner_and_group(where, owner, group)
    if is_finished is not None:
        where.add("b.is_finished = %s", is_finished)
    page, page_params = _page(limit, offset)
    rows = store.fetchall(
        f"SELECT {BUILD_COLUMNS} FROM builds b {JOIN_PROJECT}{where.sql} "
        f"ORDER BY b.id DESC{page}",
        (*where.params, *page_params),
    )
    return [b for b in (_build(r) for r in rows) if b is not None]


# --- build tasks ----------------------------------------------------------------------------------
def build_tasks(store: ReadStore, build_id: int | None = None, project_id: int | None = None,
                owner: str | None = None, group: str | None = None, state: str | None = None,
                limit: int | None = 100, offset: int = 0) -> list[Row]:
    """Build tasks, newest build first: of one build, else of one project, else of an owner's or a
    group's projects (Copr's precedence), optionally in one state."""
    where = _Where()
    if build_id is not None:
        where.add("t.build_id = %s", build_id)
    elif project_id is not None:
        where.add("b.project_id = %s", project_id)
    else:
        _owner_and_group(where, owner, group)
    if state is not None:
        where.add("t.state = %s", state)
    page, page_params = _page(limit, offset)
    return store.fetchall(
        f"SELECT {TASK_COLUMNS} FROM build_tasks t JOIN builds b ON b.id = t.build_id "
        f"{JOIN_PROJECT}{where.sql} ORDER BY t.build_id DESC, t.chroot_name{page}",
        (*where.params, *page_params),
    )


def build_task(store: ReadStore, build_id: int, chroot: str) -> Row | None:
    return store.fetchone(
        f"SELECT {TASK_COLUMNS} FROM build_tasks t JOIN builds b ON b.id = t.build_id "
        "JOIN projects p ON p.id = b.project_id WHERE t.build_id=%s AND t.chroot_name=%s",
        (build_id, chroot),
    )


def packages_of(store: ReadStore, build_ids: list[int]) -> dict[int, list[Row]]:
    """The packages each build's tasks built, by build: chroot, then as reported."""
    if not build_ids:
        return {}
    marks = ", ".join(["%s"] * len(build_ids))
    rows = store.fetchall(
        f"SELECT build_id, chroot_name, name, version, release, arch FROM build_packages WHERE build_id IN ({marks}) "
        "ORDER BY build_id, chroot_name, idx", tuple(build_ids))
    out: dict[int, list[Row]] = {}
    for row in rows:
        out.setdefault(int(row["build_id"]), []).append(row)
    return out
