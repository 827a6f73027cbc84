"""Plain-SQL queries the web pages ask of the existing read models (history, testing, builds,
audit) beyond what the API's query modules answer: headline figures, a page of commits with their
parents, contributor statistics, the audit log filtered by actor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from projections.builds.queries import BUILD_COLUMNS, JOIN_PROJECT
from projections.history.queries import COMMIT_COLUMNS
from projections.store import ReadStore, Row
from projections.testing.queries import RUN_FIELDS, Viewer, _runs


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def newest_commit(store: ReadStore, project_id: int) -> Row | None:
    return store.fetchone(
        f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.reachable "
        "ORDER BY c.author_time DESC, c.idx DESC LIMIT 1",
        (project_id,),
    )


def commit_count(store: ReadStore, project_id: int) -> int:
    return int(store.scalar("SELECT COUNT(*) AS n FROM history_commits WHERE project_id=%s AND reachable",
                            (project_id,)) or 0)


def parents_of(store: ReadStore, project_id: int, indexes: Sequence[int]) -> dict[int, list[str]]:
    """Parent hashes (git's order) of the given commits (by import order)."""
    out: dict[int, list[str]] = {}
    wanted = sorted(set(indexes))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for r in store.fetchall(
            f"SELECT idx, parent_hash FROM history_commit_parents WHERE project_id=%s AND idx IN ({_marks(chunk)}) "
            "ORDER BY idx, position",
            (project_id, *chunk),
        ):
            out.setdefault(int(r["idx"]), []).append(str(r["parent_hash"]))
    return out


def contributor_stats(store: ReadStore, project_id: int) -> dict[str, dict[str, int]]:
    """Per lower-cased author e-mail: reachable ``commits``, ``first`` and ``last`` author time (ms)
    and ``files`` touched (distinct paths its commits changed)."""
    out: dict[str, dict[str, int]] = {}
    for r in store.fetchall(
        "SELECT email_key, COUNT(*) AS commits, MIN(author_time) AS first, MAX(author_time) AS last "
        "FROM history_commits WHERE project_id=%s AND reachable GROUP BY email_key",
        (project_id,),
    ):
        out[str(r["email_key"])] = {"commits": int(r["commits"]), "first": int(r["first"]), "last": int(r["last"]),
                                    "files": 0}
    for r in store.fetchall(
        "SELECT c.email_key, COUNT(DISTINCT f.path) AS files FROM history_file_changes f JOIN history_commits c "
        "ON c.project_id = f.project_id AND c.idx = f.idx WHERE f.project_id=%s AND c.reachable "
        "GROUP BY c.email_key",
        (project_id,),
    ):
        if str(r["email_key"]) in out:
            out[str(r["email_key"])]["files"] = int(r["files"])
    return out


# --- test runs and builds of projects ---------------------------------------------------------------
def newest_run_of_project(store: ReadStore, project_id: int, with_coverage: bool = False) -> dict[str, Any] | None:
    """The newest run published for the project or for a commit of its history."""
    extra = " AND r.has_coverage = %s" if with_coverage else ""
    rows = store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE NOT r.canceled AND (r.project_id = %s OR EXISTS ("
        "SELECT 1 FROM history_commits hc WHERE hc.project_id = %s AND hc.hash = r.commit_sha AND hc.reachable))"
        f"{extra} ORDER BY r.id DESC LIMIT 1",
        (project_id, project_id, *([True] if with_coverage else [])),
    )
    runs = _runs(rows)
    return runs[0] if runs else None


def repositories_without_project(store: ReadStore, viewer: Viewer, limit: int = 100) -> list[Row]:
    """Repositories (``org/name``) with visible runs but no project: run count and newest run."""
    seen, params = viewer.clause()
    return store.fetchall(
        "SELECT r.repo, r.org, COUNT(*) AS runs, MAX(r.id) AS newest FROM test_runs r WHERE r.repo IS NOT NULL "
        "AND r.project_id IS NULL AND NOT EXISTS (SELECT 1 FROM history_commits hc WHERE hc.hash = r.commit_sha "
        f"AND hc.reachable) AND {seen} GROUP BY r.repo, r.org ORDER BY r.repo LIMIT %s",
        (*params, limit),
    )


def builds_of_commit(store: ReadStore, project_id: int, commit_hash: str) -> list[dict[str, Any]]:
    rows = store.fetchall(
        f"SELECT DISTINCT {BUILD_COLUMNS} FROM builds b {JOIN_PROJECT} JOIN build_tasks t ON t.build_id = b.id "
        "WHERE b.project_id = %s AND t.git_hash = %s ORDER BY b.id DESC",
        (project_id, commit_hash),
    )
    return [{**r, "source_metadata": json.loads(r["source_metadata"])} for r in rows]


def run_history(store: ReadStore, viewer: Viewer, repo: str, limit: int = 200) -> list[dict[str, Any]]:
    """A repository's visible runs with results, oldest first (the newest ``limit``)."""
    seen, params = viewer.clause()
    rows = store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE r.repo = %s AND NOT r.canceled AND {seen} "
        "ORDER BY r.id DESC LIMIT %s",
        (repo, *params, limit),
    )
    return list(reversed(_runs(rows)))


# --- audit -------------------------------------------------------------------------------------------
def audit_events(store: ReadStore, type_name: str | None = None, actor: str | None = None,
                 aggregate: str | None = None, since: str | None = None, until: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The event log, newest first, filtered by event type (full or short name), actor, aggregate
    and time (ISO text in UTC, ``since`` inclusive, ``until`` exclusive)."""
    clauses: list[str] = []
    params: list[Any] = []
    if type_name:
        clauses.append("(event_type = %s OR event_type LIKE %s)")
        params += [type_name, f"%.{type_name}"]
    if actor:
        clauses.append("actor = %s")
        params.append(actor)
    if aggregate:
        clauses.append("aggregate_id = %s")
        params.append(aggregate)
    if since:
        clauses.append("occurred_at >= %s")
        params.append(since)
    if until:
        clauses.append("occurred_at < %s")
        params.append(until)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = store.fetchall(
        "SELECT application, position, aggregate_id, aggregate_version, event_type, actor, occurred_at, payload "
        f"FROM audit_events {where} ORDER BY occurred_at DESC, application, position DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    )
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


def projects_with_commit(store: ReadStore, commit_hash: str, project_ids: Sequence[int] | None) -> list[int]:
    """Which of the projects (all, for ``None``) hold the commit in their imported history."""
    if project_ids is not None and not project_ids:
        return []
    where, params = "", []
    if project_ids is not None:
        where = f" AND project_id IN ({_marks(project_ids)})"
        params = list(project_ids)
    return [int(r["project_id"]) for r in store.fetchall(
        f"SELECT DISTINCT project_id FROM history_commits WHERE hash = %s AND reachable{where} ORDER BY project_id",
        (commit_hash, *params))]


def covered_lines(store: ReadStore, run_id: int, report: int, file_idx: int) -> list[int] | None:
    """The line numbers a coverage report lists as executed for one of its files; None when the run was
    recorded before executed lines were kept (only its missed and partly covered lines are known)."""
    row = store.fetchone("SELECT covered_lines FROM coverage_lines WHERE run_id=%s AND report=%s AND file_idx=%s",
                         (run_id, report, file_idx))
    return None if row is None else [int(n) for n in json.loads(row["covered_lines"])]
