"""Results processed after the answer (``CODEANNALS_PROJEKTOR_ASYNC_PARSING=true``), as Projektor does.

``POST /groupedResults`` then stores the (decompressed) body in the blob store, notes the upload as
RECEIVED, answers its id at once, and parses it on a background thread: PROCESSING, then SUCCESS
(its run is recorded and visible) or ERROR (its processing failure is recorded, with the message, as
for a refused synchronous upload). ``/results/{id}/status`` reads these states from the
``results_processing`` table in the shared read-model database, so every server process answers the
same. The stored body is deleted once processed. An upload whose process died while it was RECEIVED
or PROCESSING shows as ERROR ("interrupted") after :data:`STALE_AFTER`.

This table is operational state, not a read model: it is not rebuilt from events (the outcomes it
leads to, runs and failures, are events).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from application.shared import positions
from domain.shared.errors import DomainError
from interfaces.http.wording import api_message
from projections.projection import iso
from projections.store import ReadStore, Row

log = logging.getLogger("codeannals.http")

STALE_AFTER = timedelta(minutes=30)
TABLE = ("CREATE TABLE IF NOT EXISTS results_processing (public_id TEXT PRIMARY KEY, status TEXT NOT NULL, "
         "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="results-processing")
_ready: weakref.WeakSet[ReadStore] = weakref.WeakSet()  # stores whose table exists


def _ensure(store: ReadStore) -> None:
    if store not in _ready:
        try:
            with store.transaction() as tx:
                tx.execute(TABLE)
        except Exception:  # another process created it at the same moment (PostgreSQL's catalogue race)
            with store.transaction() as tx:
                tx.execute(TABLE)
        _ready.add(store)


def note(store: ReadStore, public_id: str, status: str) -> None:
    _ensure(store)
    now = iso(datetime.now(UTC))
    with store.transaction() as tx:
        if tx.execute("UPDATE results_processing SET status=%s, updated_at=%s WHERE public_id=%s",
                      (status, now, public_id)) == 0:
            tx.execute("INSERT INTO results_processing (public_id, status, created_at, updated_at) "
                       "VALUES (%s, %s, %s, %s)", (public_id, status, now, now))


def processing_of(store: ReadStore, public_id: str) -> Row | None:
    """The upload's state (RECEIVED, PROCESSING, SUCCESS or ERROR) when it was processed afterwards."""
    _ensure(store)
    row = store.fetchone("SELECT public_id, status, created_at, updated_at FROM results_processing "
                         "WHERE public_id=%s", (public_id,))
    stale = datetime.now(UTC) - STALE_AFTER
    if row is not None and row["status"] in ("RECEIVED", "PROCESSING") \
            and datetime.fromisoformat(str(row["updated_at"])) < stale:
        return {**row, "status": "ERROR", "error_message": "processing was interrupted"}
    return row


class ChunkReader:
    """A stream over an iterator of byte chunks (a blob being read)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            return self._buffer + b"".join(self._chunks)
        while len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def process_later(flask_app: Flask, public_id: str, blob: str, work: Callable[[ChunkReader], None],
                  failed: Callable[[DomainError | None, str], None]) -> None:
    """Run ``work`` on the stored body on a background thread; ``failed(error, message)`` records an
    upload that could not be processed."""
    _executor.submit(_process, flask_app, public_id, blob, work, failed)


def _process(flask_app: Flask, public_id: str, blob: str, work: Callable[[ChunkReader], None],
             failed: Callable[[DomainError | None, str], None]) -> None:
    container: Any = flask_app.extensions["codeannals"]
    with flask_app.app_context():
        status = "ERROR"
        try:
            positions.begin()
            note(container.store, public_id, "PROCESSING")
            try:
                work(ChunkReader(container.blobs.open(blob)))
                status = "SUCCESS"
            except DomainError as exc:
                failed(exc, api_message(exc, "projektor"))
            except Exception:
                log.exception("processing upload %s failed", public_id)
                failed(None, "processing failed on the server")
            container.runner.wait_for(positions.collected(), container.settings.read_wait_seconds)
        except Exception:
            log.exception("processing upload %s failed", public_id)
        finally:
            try:
                container.blobs.delete(blob)
                note(container.store, public_id, status)
            except Exception:
                log.exception("could not finish processing upload %s", public_id)
