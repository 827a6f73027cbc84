"""The eventsourcing PostgreSQL persistence module, tuned to fail fast when the database is gone.

eventsourcing retries every recorder call ten times, each waiting up to the pool timeout, so a
request could hang for most of a minute during an outage. Here each call gets three attempts; with
a bounded connect and pool timeout (5 s) a request learns within a few seconds that the database is down and the
HTTP layer answers 503 with Retry-After. Select with ``PERSISTENCE_MODULE=interfaces.persistence.postgres``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing import postgres as es
from eventsourcing.persistence import InterfaceError, OperationalError
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


class PostgresApplicationRecorder(es.PostgresApplicationRecorder):
    insert_events = _fail_fast(es.PostgresApplicationRecorder.insert_events)
    select_events = _fail_fast(es.PostgresApplicationRecorder.select_events)
    select_notifications = _fail_fast(es.PostgresApplicationRecorder.select_notifications)
    max_notification_id = _fail_fast(es.PostgresApplicationRecorder.max_notification_id)


class PostgresTrackingRecorder(es.PostgresTrackingRecorder):
    insert_tracking = _fail_fast(es.PostgresTrackingRecorder.insert_tracking)
    max_tracking_id = _fail_fast(es.PostgresTrackingRecorder.max_tracking_id)
    has_tracking_id = _fail_fast(es.PostgresTrackingRecorder.has_tracking_id)


class PostgresProcessRecorder(es.PostgresProcessRecorder):
    insert_events = _fail_fast(es.PostgresProcessRecorder.insert_events)
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
