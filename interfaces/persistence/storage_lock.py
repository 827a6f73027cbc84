"""Who uses a storage: every server process, projection runner, worker and ``codeannals analyze`` holds
a *shared* lock on it for as long as it runs; ``codeannals projections rebuild`` takes it *exclusively*
(it drops the read models a running process reads and writes), so it refuses while any of them runs.

SQLite: ``flock`` on ``<data dir>/storage.lock`` (released by the kernel when the process dies).
PostgreSQL: an advisory lock on the database, held by one connection of the process (released when
the connection closes, the process dying included)."""

from __future__ import annotations

import fcntl
import logging
import os
from typing import Any

from interfaces.settings import Settings

log = logging.getLogger("codeannals.storage")

STORAGE_LOCK_KEY = 0x0C0DEA78  # next to the schema lock's key (projections/store.py)
LOCK_FILE = "storage.lock"


class StorageLock:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._fd: int | None = None
        self._conn: Any = None

    def describe(self) -> str:
        """The storage, for people (a database URL without its password)."""
        if self.settings.backend == "postgres":
            target = self.settings.postgres
            return f"the PostgreSQL database {target.dbname} at {target.host}:{target.port}"
        return f"the data directory {self.settings.data_dir.resolve()}"

    @property
    def held(self) -> bool:
        return self._fd is not None or self._conn is not None

    def hold_shared(self) -> None:
        """Hold the storage as a user of it (waits while a rebuild holds it). Idempotent."""
        if self.held:
            return
        if self.settings.backend == "postgres":
            conn = self._connect()
            if not conn.execute("SELECT pg_try_advisory_lock_shared(%s)", (STORAGE_LOCK_KEY,)).fetchone()[0]:
                log.warning("a projections rebuild holds %s: waiting for it to finish", self.describe())
                conn.execute("SELECT pg_advisory_lock_shared(%s)", (STORAGE_LOCK_KEY,))
            self._conn = conn
            return
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("a projections rebuild holds %s: waiting for it to finish", self.describe())
            fcntl.flock(fd, fcntl.LOCK_SH)
        self._fd = fd

    def try_exclusive(self) -> bool:
        """Take the storage for this process alone; False (nothing held) while another process uses it."""
        if self.held:
            raise RuntimeError("the storage lock is held already")
        if self.settings.backend == "postgres":
            conn = self._connect()
            if conn.execute("SELECT pg_try_advisory_lock(%s)", (STORAGE_LOCK_KEY,)).fetchone()[0]:
                self._conn = conn
                return True
            conn.close()
            return False
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        if self._conn is not None:
            self._conn.close()  # closing the session releases its advisory locks
            self._conn = None

    def _open(self) -> int:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return os.open(self.settings.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.settings.postgres.conninfo, autocommit=True, connect_timeout=10)
