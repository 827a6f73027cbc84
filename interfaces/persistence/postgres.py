"""The eventsourcing PostgreSQL persistence module, tuned to fail fast when the database is gone.

eventsourcing retries every recorder call ten times, each waiting up to the pool timeout, so a
request could hang for most of a minute during an outage. Here each call gets three attempts; with
a bounded connect and pool timeout (5 s) a request learns within a few seconds that the database is down and the
HTTP layer answers 503 with Retry-After. Select with ``PERSISTENCE_MODULE=interfaces.persistence.postgres``.

Events are also inserted without libpq's pipeline mode. eventsourcing inserts a save's events in
psycopg's pipeline mode; in psycopg 3.3.9 the pipeline's send loop can stop once its last command is
queued while libpq has not yet handed all queued bytes to the socket (psycopg issue #685). It then waits
for results the server cannot send, and the server waits for the rest of the query (``ClientRead``),
holding the events table's EXCLUSIVE lock: a save of a few megabytes (a large test-run upload, a batch
of imported commits) hangs about half the time. The same statements (lock, notify, insert ...
returning) are sent one after the other in a plain transaction instead: a few round trips more per
save on a local socket, and no hang.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing import postgres as es
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry

ATTEMPTS = 3
WAIT = 0.2


def _fail_fast(method: Callable[..., Any]) -> Callable[..., Any]:
    inner = getattr(method, "__wrapped__", method)
    wrapped: Callable[..., Any] = retry((InterfaceError, OperationalError), max_attempts=ATTEMPTS, wait=WAIT)(inner)
    return wrapped


class PostgresAggregateRecorder(es.PostgresAggregateRecorder):
    insert_events = _fail_fast(es.PostgresAggregateRecorder.insert_events)
    select_events = _fail_fast(es.PostgresAggregateRecorder.select_events)


def _insert_without_pipeline(
    recorder: es.PostgresApplicationRecorder, stored_events: Sequence[StoredEvent], **kwargs: Any
) -> Sequence[int] | None:
    with recorder.datastore.get_connection() as conn, conn.transaction():
        with conn.cursor() as curs:
            recorder._insert_events(curs, stored_events, **kwargs)  # tracking, for a process recorder
        if not stored_events:
            return None
        with conn.cursor() as curs:
            recorder._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert
            return recorder._fetch_ids_after_insert_events(curs, stored_events, **kwargs)


class PostgresApplicationRecorder(es.PostgresApplicationRecorder):
    insert_events = _fail_fast(_insert_without_pipeline)
    select_events = _fail_fast(es.PostgresApplicationRecorder.select_events)
    select_notifications = _fail_fast(es.PostgresApplicationRecorder.select_notifications)
    max_notification_id = _fail_fast(es.PostgresApplicationRecorder.max_notification_id)


class PostgresTrackingRecorder(es.PostgresTrackingRecorder):
    insert_tracking = _fail_fast(es.PostgresTrackingRecorder.insert_tracking)
    max_tracking_id = _fail_fast(es.PostgresTrackingRecorder.max_tracking_id)
    has_tracking_id = _fail_fast(es.PostgresTrackingRecorder.has_tracking_id)


class PostgresProcessRecorder(es.PostgresProcessRecorder):
    insert_events = _fail_fast(_insert_without_pipeline)
    select_events = _fail_fast(es.PostgresProcessRecorder.select_events)
    select_notifications = _fail_fast(es.PostgresProcessRecorder.select_notifications)
    max_notification_id = _fail_fast(es.PostgresProcessRecorder.max_notification_id)
    insert_tracking = _fail_fast(es.PostgresProcessRecorder.insert_tracking)
    max_tracking_id = _fail_fast(es.PostgresProcessRecorder.max_tracking_id)
    has_tracking_id = _fail_fast(es.PostgresProcessRecorder.has_tracking_id)


class Factory(es.PostgresFactory):
    aggregate_recorder_class = PostgresAggregateRecorder
    application_recorder_class = PostgresApplicationRecorder
    tracking_recorder_class = PostgresTrackingRecorder
    process_recorder_class = PostgresProcessRecorder
