"""Queries of the test-run extras read model (attachments, performance, quality, messages, pins,
processing failures) and the retention cleanup's choice of runs."""

from __future__ import annotations

from typing import Any

from projections.store import ReadStore, Row
from projections.testing.queries import RUN_FIELDS, Viewer, _runs


def attachments_of(store: ReadStore, run_uuid: str) -> list[Row]:
    return store.fetchall(
        "SELECT name, blob, size, sha256, content_type, added_at, actor FROM test_run_attachments "
        "WHERE run_uuid=%s ORDER BY name", (run_uuid,))


def attachment(store: ReadStore, run_uuid: str, name: str) -> Row | None:
    return store.fetchone(
        "SELECT name, blob, size, sha256, content_type FROM test_run_attachments WHERE run_uuid=%s AND name=%s",
        (run_uuid, name))


def performance_of(store: ReadStore, run_uuid: str) -> list[Row]:
    return store.fetchall(
        "SELECT idx, name, request_count, requests_per_second, average, maximum, p95 FROM test_run_performance "
        "WHERE run_uuid=%s ORDER BY idx", (run_uuid,))


def quality_of(store: ReadStore, run_uuid: str) -> list[Row]:
    return store.fetchall(
        "SELECT idx, file_name, group_name, contents FROM test_run_quality WHERE run_uuid=%s ORDER BY idx",
        (run_uuid,))


def messages_of(store: ReadStore, run_uuid: str) -> list[str]:
    rows = store.fetchall("SELECT message FROM test_run_messages WHERE run_uuid=%s ORDER BY idx", (run_uuid,))
    return [str(r["message"]) for r in rows]


def is_pinned(store: ReadStore, run_uuid: str) -> bool:
    return bool(store.scalar("SELECT pinned FROM test_run_pins WHERE run_uuid=%s", (run_uuid,)))


def performance_timeline(store: ReadStore, viewer: Viewer, repo: str, project: str | None) -> list[Row]:
    """Every performance result of the repository's visible runs (any branch, as Projektor), oldest run
    first."""
    seen, params = viewer.clause()
    project_clause = "r.project_name IS NULL" if project is None else "r.project_name = %s"
    project_params: list[Any] = [] if project is None else [project]
    return store.fetchall(
        "SELECT r.public_id, r.created_at, p.name, p.request_count, p.requests_per_second, p.average, p.maximum, "
        "p.p95 FROM test_run_performance p JOIN test_runs r ON r.uuid = p.run_uuid "
        f"WHERE r.repo = %s AND {project_clause} AND NOT r.canceled AND {seen} "
        "ORDER BY r.id, p.idx", (repo, *project_params, *params))


def recent_failures(store: ReadStore, count: int) -> list[Row]:
    return store.fetchall(
        "SELECT public_id, body_type, body, failure_message, created_at FROM processing_failures "
        "ORDER BY position DESC LIMIT %s", (count,))


def failure(store: ReadStore, public_id: str) -> Row | None:
    return store.fetchone(
        "SELECT public_id, body_type, failure_message, created_at FROM processing_failures WHERE public_id=%s",
        (public_id,))


def expired_runs(store: ReadStore, cutoff: str) -> list[dict[str, Any]]:
    """Unpinned runs created before ``cutoff`` (ISO text, UTC), oldest first."""
    return _runs(store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r LEFT JOIN test_run_pins p ON p.run_uuid = r.uuid "
        "WHERE r.created_at < %s AND (p.pinned IS NULL OR p.pinned = %s) ORDER BY r.id", (cutoff, False)))


def run_row(store: ReadStore, public_id: str) -> Row | None:
    return store.fetchone("SELECT id, uuid, created_at FROM test_runs WHERE public_id=%s", (public_id,))


def pinned_among(store: ReadStore, run_uuids: list[str]) -> set[str]:
    """Which of these runs are pinned (for marking them in lists)."""
    if not run_uuids:
        return set()
    marks = ", ".join(["%s"] * len(run_uuids))
    rows = store.fetchall(f"SELECT run_uuid FROM test_run_pins WHERE pinned = %s AND run_uuid IN ({marks})",
                          (True, *run_uuids))
    return {str(r["run_uuid"]) for r in rows}
