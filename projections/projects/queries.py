"""Queries the API asks of the projects read model."""

from __future__ import annotations

import json
from typing import Any

from domain.projects.roles import Role, strongest
from projections.store import ReadStore, Row

PROJECT_COLUMNS = (
    "p.id, p.uuid, p.name, p.vcs_url, p.vcs_username, p.vcs_online, p.default_branch, p.start_date, "
    "p.creator_id, p.creator_uuid, p.description, p.instructions, p.homepage, p.contact, "
    "p.disable_createrepo, p.build_enable_net, p.repos, p.created_at"
)
USER_COLUMNS = "u.id, u.uuid, u.username, u.platform_admin"


def _project(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        **row,
        "vcs_online": bool(row["vcs_online"]),
        "disable_createrepo": bool(row["disable_createrepo"]),
        "build_enable_net": bool(row["build_enable_net"]),
        "repos": json.loads(row["repos"]),
    }


def _projects(rows: list[Row]) -> list[dict[str, Any]]:
    return [p for p in (_project(r) for r in rows) if p is not None]


def _user(row: Row) -> dict[str, Any]:
    return {**row, "platform_admin": bool(row["platform_admin"])}


# --- projects -------------------------------------------------------------------------------------
def project_by_id(store: ReadStore, project_id: int) -> dict[str, Any] | None:
    return _project(store.fetchone(f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id=%s", (project_id,)))


def project_by_uuid(store: ReadStore, project_uuid: str) -> dict[str, Any] | None:
    return _project(store.fetchone(f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.uuid=%s", (project_uuid,)))


def list_projects(store: ReadStore) -> list[dict[str, Any]]:
    return _projects(store.fetchall(f"SELECT {PROJECT_COLUMNS} FROM projects p ORDER BY p.id"))


_USER_PROJECT_ROLES = """
    SELECT r.project_id, r.role FROM project_user_roles r WHERE r.user_id=%s
    UNION ALL
    SELECT t.project_id, t.role FROM project_team_roles t
        JOIN team_members m ON m.team_id = t.team_id WHERE m.user_id=%s
"""


def roles_of_user(store: ReadStore, user_id: int) -> dict[int, list[str]]:
    """Every project the user has a role in (directly or through teams), with the distinct roles."""
    out: dict[int, set[str]] = {}
    for row in store.fetchall(_USER_PROJECT_ROLES, (user_id, user_id)):
        out.setdefault(int(row["project_id"]), set()).add(str(row["role"]))
    return {pid: sorted(roles) for pid, roles in out.items()}


def projects_of_user(store: ReadStore, user_id: int) -> list[tuple[dict[str, Any], list[str]]]:
    """The projects a user has a role in, oldest first, each with the user's roles there."""
    roles = roles_of_user(store, user_id)
    if not roles:
        return []
    rows = store.fetchall(
        f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id IN ({_in(roles)}) ORDER BY p.id", tuple(roles)
    )
    return [(p, roles[int(p["id"])]) for p in _projects(rows)]


def projects_created_by(store: ReadStore, user_id: int) -> list[dict[str, Any]]:
    return _projects(store.fetchall(f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.creator_id=%s", (user_id,)))


def effective_role(store: ReadStore, project_id: int, user_id: int) -> Role | None:
    """The user's role in the project: direct or through a team, ADMIN winning; None without one."""
    rows = store.fetchall(
        "SELECT role FROM project_user_roles WHERE project_id=%s AND user_id=%s "
        "UNION ALL SELECT t.role FROM project_team_roles t JOIN team_members m ON m.team_id = t.team_id "
        "WHERE t.project_id=%s AND m.user_id=%s",
        (project_id, user_id, project_id, user_id),
    )
    return strongest(str(r["role"]) for r in rows)


def project_users(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    """Users with a role in the project, directly or through a team (deleted users left out)."""
    rows = store.fetchall(
        f"SELECT DISTINCT {USER_COLUMNS} FROM users u WHERE u.id IN ("
        "SELECT user_id FROM project_user_roles WHERE project_id=%s "
        "UNION SELECT m.user_id FROM project_team_roles t JOIN team_members m ON m.team_id = t.team_id "
        "WHERE t.project_id=%s) ORDER BY u.id",
        (project_id, project_id),
    )
    return [_user(r) for r in rows]


# --- configuration --------------------------------------------------------------------------------
def modules(store: ReadStore, project_id: int) -> list[Row]:
    return store.fetchall(
        "SELECT id, item_key, path FROM project_modules WHERE project_id=%s ORDER BY id", (project_id,)
    )


def module(store: ReadStore, project_id: int, module_id: int) -> Row | None:
    return store.fetchone(
        "SELECT id, item_key, path FROM project_modules WHERE project_id=%s AND id=%s", (project_id, module_id)
    )


def file_patterns(store: ReadStore, project_id: int) -> list[Row]:
    return store.fetchall(
        "SELECT id, item_key, pattern, inclusion_type FROM project_file_patterns WHERE project_id=%s ORDER BY id",
        (project_id,),
    )


def file_pattern(store: ReadStore, project_id: int, pattern_id: int) -> Row | None:
    return store.fetchone(
        "SELECT id, item_key, pattern, inclusion_type FROM project_file_patterns WHERE project_id=%s AND id=%s",
        (project_id, pattern_id),
    )


def _analyzer(row: Row) -> dict[str, Any]:
    return {**row, "enabled": bool(row["enabled"]), "parameters": json.loads(row["parameters"])}


def analyzers(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT id, item_key, analyzer_name, enabled, parameters FROM project_analyzers WHERE project_id=%s "
        "ORDER BY id",
        (project_id,),
    )
    return [_analyzer(r) for r in rows]


def analyzer(store: ReadStore, project_id: int, analyzer_id: int) -> dict[str, Any] | None:
    row = store.fetchone(
        "SELECT id, item_key, analyzer_name, enabled, parameters FROM project_analyzers "
        "WHERE project_id=%s AND id=%s",
        (project_id, analyzer_id),
    )
    return None if row is None else _analyzer(row)


def item_key(store: ReadStore, project_id: int, kind: str, item_id: int) -> str | None:
    """The key of an item (``module``, ``file_pattern``, ``analyzer``) the project has ever had."""
    value = store.scalar(
        "SELECT item_key FROM project_items WHERE project_id=%s AND kind=%s AND id=%s", (project_id, kind, item_id)
    )
    return None if value is None else str(value)


def item_ids(store: ReadStore, project_id: int, kind: str) -> dict[str, int]:
    """Every item key the project has ever had of that kind, with its public id."""
    rows = store.fetchall(
        "SELECT id, item_key FROM project_items WHERE project_id=%s AND kind=%s", (project_id, kind)
    )
    return {str(r["item_key"]): int(r["id"]) for r in rows}


# --- history --------------------------------------------------------------------------------------
def aggregates_of(store: ReadStore, project_id: int) -> dict[str, str]:
    """The project's aggregates: kind (``project``, ``modules``, ...) -> aggregate UUID."""
    rows = store.fetchall("SELECT aggregate_uuid, kind FROM project_aggregates WHERE project_id=%s", (project_id,))
    return {str(r["kind"]): str(r["aggregate_uuid"]) for r in rows}


def version_at(store: ReadStore, aggregate_uuid: str, moment: str) -> int | None:
    """The aggregate's version as of ``moment`` (sortable ISO text in UTC), None if it did not exist yet."""
    value = store.scalar(
        "SELECT MAX(aggregate_version) AS v FROM project_history WHERE aggregate_uuid=%s AND occurred_at <= %s",
        (aggregate_uuid, moment),
    )
    return None if value is None else int(value)


def history(store: ReadStore, project_id: int, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
    """The project's changes, oldest first (the creation of its empty configuration collections left out)."""
    rows = store.fetchall(
        "SELECT position, aggregate_kind, aggregate_version, event_type, actor, occurred_at, changes "
        "FROM project_history WHERE project_id=%s AND (aggregate_kind=%s OR aggregate_version > 1) "
        "ORDER BY position LIMIT %s OFFSET %s",
        (project_id, "project", limit, offset),
    )
    return [{**r, "changes": json.loads(r["changes"])} for r in rows]


# --- teams ----------------------------------------------------------------------------------------
def team_by_id(store: ReadStore, team_id: int) -> Row | None:
    return store.fetchone("SELECT id, uuid, name, creator_id FROM teams WHERE id=%s", (team_id,))


def _with_members(store: ReadStore, teams: list[Row]) -> list[dict[str, Any]]:
    if not teams:
        return []
    ids = [int(t["id"]) for t in teams]
    rows = store.fetchall(
        f"SELECT m.team_id, {USER_COLUMNS} FROM team_members m JOIN users u ON u.id = m.user_id "
        f"WHERE m.team_id IN ({_in(ids)}) ORDER BY u.id",
        tuple(ids),
    )
    members: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        members.setdefault(int(r["team_id"]), []).append(_user({k: v for k, v in r.items() if k != "team_id"}))
    return [{**t, "members": members.get(int(t["id"]), [])} for t in teams]


def team(store: ReadStore, team_id: int) -> dict[str, Any] | None:
    row = team_by_id(store, team_id)
    return None if row is None else _with_members(store, [row])[0]


def list_teams(store: ReadStore) -> list[dict[str, Any]]:
    return _with_members(store, store.fetchall("SELECT id, uuid, name, creator_id FROM teams ORDER BY id"))


def teams_of_project(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT t.id, t.uuid, t.name, t.creator_id, r.role FROM teams t JOIN project_team_roles r ON r.team_id = t.id "
        "WHERE r.project_id=%s ORDER BY t.id",
        (project_id,),
    )
    return _with_members(store, rows)


def teams_of_user(store: ReadStore, user_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT t.id, t.uuid, t.name, t.creator_id FROM teams t JOIN team_members m ON m.team_id = t.id "
        "WHERE m.user_id=%s ORDER BY t.id",
        (user_id,),
    )
    return _with_members(store, rows)


def projects_of_team(store: ReadStore, team_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        f"SELECT {PROJECT_COLUMNS} FROM projects p JOIN project_team_roles r ON r.project_id = p.id "
        "WHERE r.team_id=%s ORDER BY p.id",
        (team_id,),
    )
    return _projects(rows)


def _in(values: Any) -> str:
    return ", ".join(["%s"] * len(values))
