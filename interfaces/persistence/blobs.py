"""The blob store: bulk bytes kept outside the events (test-run attachments, Copr SRPM uploads).

Each blob has a random key; its size and SHA-256 are computed while it streams in and are what the
events record. Bytes stream both ways in chunks of :data:`CHUNK`, so memory stays bounded whatever
the size.

* :class:`FileBlobStore` (the embedded default): files under ``<data dir>/blobs/<k[:2]>/<key>``,
  written to a temporary file first and renamed when complete.
* :class:`PostgresBlobStore` (with a database URL): rows of ``blob_chunks`` (key, index, bytes) in
  the shared database, so every server process reads what any of them stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.shared.errors import NotFound, TooLarge
from interfaces.testing.streams import Readable

CHUNK = 1 << 20
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str


def _check_key(key: str) -> str:
    if not _KEY.match(key):
        raise NotFound("no such blob")
    return key


def _chunks(source: Readable, limit: int, what: str) -> Iterator[bytes]:
    total = 0
    while True:
        data = source.read(CHUNK)
        if not data:
            return
        total += len(data)
        if total > limit:
            raise TooLarge(f"{what} is larger than the limit of {limit} bytes", error="ATTACHMENT_TOO_LARGE")
        yield data


class BlobStore(ABC):
    @abstractmethod
    def put(self, source: Readable, limit: int, what: str = "the upload") -> StoredBlob:
        """Store what ``source`` gives, at most ``limit`` bytes (TooLarge above: nothing is kept)."""

    @abstractmethod
    def open(self, key: str) -> Iterator[bytes]:
        """The blob's bytes in chunks (NotFound when there is no such blob)."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The blob's size, None when it is not there."""

    @abstractmethod
    def delete(self, key: str) -> int:
        """Remove the blob; answers the bytes freed (0 when it was not there)."""

    def read_all(self, key: str) -> bytes:
        return b"".join(self.open(key))


class FileBlobStore(BlobStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[:2] / key

    def put(self, source: Readable, limit: int, what: str = "the upload") -> StoredBlob:
        key = uuid.uuid4().hex
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{key}.part")
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as out:
                for data in _chunks(source, limit, what):
                    digest.update(data)
                    size += len(data)
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(key, size, digest.hexdigest())

    def open(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise NotFound("no such blob") from None
        return self._stream(handle)

    @staticmethod
    def _stream(handle: Any) -> Iterator[bytes]:
        with handle:
            while True:
                data = handle.read(CHUNK)
                if not data:
                    return
                yield data

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except (FileNotFoundError, NotFound):
            return None

    def delete(self, key: str) -> int:
        path = self._path(key)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size


class PostgresBlobStore(BlobStore):
    """Chunked rows in the shared database. ``pool`` is a psycopg connection pool (the read store's)."""

    TABLE = ("CREATE TABLE IF NOT EXISTS blob_chunks (blob_key TEXT NOT NULL, idx INTEGER NOT NULL, "
             "data BYTEA NOT NULL, PRIMARY KEY (blob_key, idx))")

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7218331)")  # processes starting together
            conn.execute(self.TABLE)

    def put(self, source: Readable, limit: int, what: str = "the upload") -> StoredBlob:
        # one short transaction per chunk, so a slow upload holds no connection while it waits for bytes;
        # a blob is only ever read once an event names it, so a half-written one is never seen
        key = uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        try:
            for idx, data in enumerate(_chunks(source, limit, what)):
                digest.update(data)
                size += len(data)
                with self.pool.connection() as conn, conn.transaction():
                    conn.execute("INSERT INTO blob_chunks (blob_key, idx, data) VALUES (%s, %s, %s)",
                                 (key, idx, data))
            if size == 0:  # an empty blob is one empty chunk
                with self.pool.connection() as conn, conn.transaction():
                    conn.execute("INSERT INTO blob_chunks (blob_key, idx, data) VALUES (%s, 0, %s)", (key, b""))
        except BaseException:
            self._drop(key)
            raise
        return StoredBlob(key, size, digest.hexdigest())

    def _drop(self, key: str) -> None:
        try:
            with self.pool.connection() as conn, conn.transaction():
                conn.execute("DELETE FROM blob_chunks WHERE blob_key=%s", (key,))
        except Exception:  # the database is away; the orphaned chunks are never read
            return

    def _chunk(self, key: str, idx: int) -> bytes | None:
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute("SELECT data FROM blob_chunks WHERE blob_key=%s AND idx=%s", (key, idx)).fetchone()
        if row is None:
            return None
        data = row["data"] if isinstance(row, dict) else row[0]
        return bytes(data)

    def open(self, key: str) -> Iterator[bytes]:
        key = _check_key(key)
        first = self._chunk(key, 0)
        if first is None:
            raise NotFound("no such blob")
        return self._stream(key, first)

    def _stream(self, key: str, first: bytes) -> Iterator[bytes]:
        yield first
        idx = 1
        while True:
            data = self._chunk(key, idx)
            if data is None:
                return
            yield data
            idx += 1

    def size(self, key: str) -> int | None:
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS size FROM blob_chunks "
                               "WHERE blob_key=%s", (_check_key(key),)).fetchone()
        n, size = (row["n"], row["size"]) if isinstance(row, dict) else (row[0], row[1])
        return int(size) if n else None

    def delete(self, key: str) -> int:
        size = self.size(key) or 0
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM blob_chunks WHERE blob_key=%s", (_check_key(key),))
        return size


def build_blob_store(settings: Any, store: Any) -> BlobStore:
    """The PostgreSQL store when a database URL is set (sharing the read store's pool), else files."""
    if settings.backend == "postgres":
        return PostgresBlobStore(store.pool)
    return FileBlobStore(Path(settings.data_dir) / "blobs")
