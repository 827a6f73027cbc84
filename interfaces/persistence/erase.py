"""Erasing aggregates' streams from an application's event store (the retention cleanup's one job
that deletes events), and giving the freed space back.

Stored events are otherwise forever. The cleanup deletes a removed run's own streams (its events and
snapshots) and records the fact in an aggregate of its own (``CleanedUpRun``), so the log keeps who
removed what and when, and a rebuild, which no longer sees the run, equals the live read models.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application


def _recorders(app: Application[UUID]) -> list[Any]:
    recorders: list[Any] = [app.recorder]
    if app.snapshots is not None:
        recorders.append(app.snapshots.recorder)
    return recorders


def _first(row: Any) -> Any:
    if row is None:
        return None
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]


def erase_streams(app: Application[UUID], aggregate_ids: Sequence[UUID]) -> int:
    """Delete every stored event and snapshot of the aggregates; answers the bytes of state deleted."""
    freed = 0
    for recorder in _recorders(app):
        table = recorder.events_table_name
        sqlite = "sqlite" in type(recorder).__module__
        mark = "?" if sqlite else "%s"
        with recorder.datastore.transaction(commit=True) as cursor:
            for aggregate_id in aggregate_ids:
                key: Any = aggregate_id.hex if sqlite else aggregate_id
                cursor.execute(f"SELECT COALESCE(SUM(LENGTH(state)), 0) AS n FROM {table} WHERE originator_id={mark}",
                               (key,))
                freed += int(_first(cursor.fetchone()) or 0)
                cursor.execute(f"DELETE FROM {table} WHERE originator_id={mark}", (key,))
    return freed


def compact(app: Application[UUID], conninfo: str | None) -> None:
    """Give deleted rows' space back: VACUUM the SQLite file (its size shrinks), or VACUUM the
    PostgreSQL tables (their space is reused). Best effort: a busy database is compacted later."""
    for recorder in _recorders(app):
        table = recorder.events_table_name
        try:
            if "sqlite" in type(recorder).__module__:
                path = recorder.datastore.db_name
                if path and path != ":memory:" and "mode=memory" not in path:
                    with sqlite3.connect(path, timeout=30, isolation_level=None) as conn:
                        conn.execute("VACUUM")
            elif conninfo is not None:
                import psycopg

                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"VACUUM {table}")
        except Exception:
            continue
