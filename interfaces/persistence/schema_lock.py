"""Serialises schema creation between processes starting at the same time on one PostgreSQL.

Every process creates its event tables and read-model tables with ``IF NOT EXISTS``, but PostgreSQL
can still fail concurrent DDL on the same objects ("tuple concurrently updated"); an advisory lock
around the preparation makes the processes take turns. SQLite needs nothing: its file lock suffices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from projections.store import SCHEMA_LOCK_KEY


@contextmanager
def schema_lock(conninfo: str | None) -> Iterator[None]:
    if conninfo is None:
        yield
        return
    import psycopg

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
