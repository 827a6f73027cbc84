"""Test databases: a fresh SQLite data directory or a fresh PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

ADMIN_URL = os.environ.get("CODEANNALS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin_conninfo() -> str:
    from interfaces.settings import parse_database_url

    return parse_database_url(ADMIN_URL).conninfo


@cache
def postgres_unavailable_reason() -> str | None:
    """None when a PostgreSQL server answers at the admin URL, else why not."""
    try:
        import psycopg

        with psycopg.connect(_admin_conninfo(), connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"no PostgreSQL at {ADMIN_URL} ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]})"
    return None


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a database for one test; answer its URL; drop it afterwards."""
    import psycopg

    from interfaces.settings import parse_database_url

    name = f"codeannals_test_{uuid.uuid4().hex[:16]}"
    admin = parse_database_url(ADMIN_URL)
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = admin.user + (f":{admin.password}" if admin.password else "")
        yield f"postgresql://{auth}@{admin.host}:{admin.port}/{name}"
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """Environment for a server process (or a Settings) in a test."""
    env = {
        "CODEANNALS_DATA_DIR": str(data_dir),
        "CODEANNALS_PASSWORD_COST": "10",
        "CODEANNALS_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        # read-your-writes holds even on a loaded CI machine (a test of the timeout sets its own)
        "CODEANNALS_READ_WAIT_SECONDS": "60",
        **extra,
    }
    if database_url:
        env["CODEANNALS_DATABASE_URL"] = database_url
    return env
