"""Read-model storage: SQLite (embedded default) or PostgreSQL, behind one small interface.

SQL is written once with ``%s`` placeholders and portable types (BIGINT, TEXT, DOUBLE PRECISION,
BOOLEAN); the SQLite store rewrites placeholders. Writes happen in explicit transactions; the
projection runner writes each batch's view rows and its tracking position in one of them."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Row = dict[str, Any]
SCHEMA_LOCK_KEY = 0x0C0DEA77  # the same key as interfaces/persistence/schema_lock.py
Params = Sequence[Any] | dict[str, Any]


class Tx(ABC):
    """One transaction (or one read-only session) on the read-model database.

    ``write`` queues a statement whose answer nobody needs; queued statements are sent in groups
    (consecutive identical statements as one ``executemany``) before any other statement runs and
    before the transaction commits, so projections pay one round trip per group, not per event."""

    dialect: str
    _queued: list[tuple[str, Params]]

    def write(self, sql: str, params: Params = ()) -> None:
        self._queued.append((sql, params))
        if len(self._queued) >= 2000:
            self.flush()

    def flush(self) -> None:
        queued, self._queued = self._queued, []
        i = 0
        while i < len(queued):
            sql = queued[i][0]
            j = i
            while j < len(queued) and queued[j][0] == sql:
                j += 1
            if j - i == 1:
                self._execute(sql, queued[i][1])
            else:
                self._executemany(sql, [params for _, params in queued[i:j]])
            i = j

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement now; answer the number of rows it changed."""
        self.flush()
        return self._execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.flush()
        if rows:
            self._executemany(sql, rows)

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self.flush()
        return self._fetchall(sql, params)

    @abstractmethod
    def _execute(self, sql: str, params: Params) -> int: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Params]) -> None: ...

    @abstractmethod
    def _fetchall(self, sql: str, params: Params) -> list[Row]: ...

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))

    @abstractmethod
    def lock_row_sql(self) -> str:
        """The suffix that locks selected rows for the rest of the transaction."""

    @abstractmethod
    def table_exists(self, name: str) -> bool: ...



class ReadStore(ABC):
    dialect: str

    @abstractmethod
    def transaction(self) -> Any:
        """A context manager giving a :class:`Tx` that commits on success, rolls back on error."""

    @abstractmethod
    def read(self) -> Any:
        """A context manager giving a :class:`Tx` for queries."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold a lock that other processes sharing this database wait for (schema changes)."""
        yield

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with self.read() as tx:
            rows: list[Row] = tx.fetchall(sql, params)
            return rows

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


# --- SQLite ---------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"%s")
_NAMED = re.compile(r"%\((\w+)\)s")


def _sqlite_sql(sql: str) -> str:
    return _NAMED.sub(r":\1", _PLACEHOLDER.sub("?", sql))


class SQLiteTx(Tx):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._queued = []

    def _execute(self, sql: str, params: Params) -> int:
        return self.conn.execute(_sqlite_sql(sql), params).rowcount

    def _executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.conn.executemany(_sqlite_sql(sql), rows)

    def _fetchall(self, sql: str, params: Params) -> list[Row]:
        cur = self.conn.execute(_sqlite_sql(sql), params)
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def lock_row_sql(self) -> str:
        return ""  # BEGIN IMMEDIATE already holds the database's write lock

    def table_exists(self, name: str) -> bool:
        return self.fetchone("SELECT name FROM sqlite_master WHERE type='table' AND name=%s", (name,)) is not None


CACHE_KIB = 128 * 1024


class SQLiteReadStore(ReadStore):
    dialect = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int = 30000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = OFF")
            # Pages kept per connection (grows as used): bulk inserts into large indexes (an import's
            # file changes) stop rereading their pages from the OS.
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            tx = SQLiteTx(conn)
            yield tx
            tx.flush()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield SQLiteTx(conn)
        finally:
            conn.execute("COMMIT")

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # One statement reads one consistent snapshot by itself (autocommit): no BEGIN/COMMIT around it.
        return SQLiteTx(self._conn())._fetchall(sql, params)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


# --- PostgreSQL -----------------------------------------------------------------------------------
COPY_MIN_ROWS = 20  # below this a pipelined executemany is as quick
_PLAIN_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\(((?:\s*%s\s*,)*\s*%s\s*)\)\s*",
                           re.IGNORECASE)


class PostgresTx(Tx):
    dialect = "postgres"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._queued = []

    def _execute(self, sql: str, params: Params) -> int:
        cur = self.conn.execute(sql, params or None)
        return int(cur.rowcount)

    def _executemany(self, sql: str, rows: Sequence[Params]) -> None:
        plain = _PLAIN_INSERT.fullmatch(sql) if len(rows) >= COPY_MIN_ROWS else None
        if plain is not None and all(not isinstance(r, dict) for r in rows):
            table, columns = plain.group(1), [c.strip() for c in plain.group(2).split(",")]
            if plain.group(3).count("%s") == len(columns):
                # A group of plain INSERTs (a rebuild's, an import's) as one COPY: the same rows, the
                # same constraints checked, a fraction of the time of a pipelined INSERT per row.
                with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
        with self.conn.cursor() as cur:
            cur.executemany(sql, rows)

    def _fetchall(self, sql: str, params: Params) -> list[Row]:
        cur = self.conn.execute(sql, params or None)
        return list(cur.fetchall())

    def lock_row_sql(self) -> str:
        return " FOR UPDATE"

    def table_exists(self, name: str) -> bool:
        return self.scalar("SELECT to_regclass(%s) IS NOT NULL AS present", (name,)) is True


CHECK_AFTER_IDLE_SECONDS = 1.0
_last_ok: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()  # connection -> last answer


class PostgresReadStore(ReadStore):
    dialect = "postgres"

    def __init__(self, conninfo: str, min_size: int = 1, max_size: int = 8, timeout: float = 3.0) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"row_factory": dict_row, "autocommit": False},
            check=self._check,
            open=True,
        )
        self._check_connection = ConnectionPool.check_connection

    def _check(self, conn: Any) -> None:
        """Check a connection taken from the pool unless it answered within the last second (a busy
        server then pays no extra round trip per request; one idle longer, as after a database
        restart, is checked and replaced when it is broken)."""
        if time.monotonic() - _last_ok.get(conn, 0.0) > CHECK_AFTER_IDLE_SECONDS:
            self._check_connection(conn)
            _last_ok[conn] = time.monotonic()

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """A connection in autocommit for reads: under READ COMMITTED every statement reads its own
        snapshot inside a transaction too, so BEGIN and the ROLLBACK at its return to the pool are
        two round trips that change nothing."""
        with self.pool.connection() as conn:
            conn.autocommit = True
            try:
                yield conn
                _last_ok[conn] = time.monotonic()
            finally:
                if not conn.closed:
                    conn.autocommit = False

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.pool.connection() as conn, conn.transaction():
            tx = PostgresTx(conn)
            yield tx
            tx.flush()
        _last_ok[conn] = time.monotonic()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._reading() as conn:
            yield PostgresTx(conn)

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with self._reading() as conn:
            return list(conn.execute(sql, params or None).fetchall())

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            conn.commit()
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
                conn.commit()


def insert_many(tx: Tx, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (ten times faster than a pipelined INSERT per row),
    one executemany on SQLite. Part of the transaction like every other write."""
    if not rows:
        return
    conn = getattr(tx, "conn", None)
    if tx.dialect == "postgres" and conn is not None:
        tx.flush()
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    tx.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def indexes_by_hash(tx: Tx, table: str, project_id: int, hashes: set[str], chunk: int = 500) -> dict[str, int]:
    """``hash -> idx`` of a project's commits in a commit table (``project_id``, ``hash``, ``idx``),
    looked up a chunk of hashes at a time."""
    found: dict[str, int] = {}
    ordered = sorted(hashes)
    for start in range(0, len(ordered), chunk):
        part = ordered[start:start + chunk]
        marks = ", ".join(["%s"] * len(part))
        for row in tx.fetchall(f"SELECT hash, idx FROM {table} WHERE project_id=%s AND hash IN ({marks})",
                               (project_id, *part)):
            found[str(row["hash"])] = int(row["idx"])
    return found
