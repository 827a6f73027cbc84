"""PostgreSQL persistence for the testing application: events inserted without libpq's pipeline mode.

eventsourcing inserts a save's events in psycopg's pipeline mode. In psycopg 3.3.9 (the newest) the
pipeline's send loop stops once its last command is queued, even when libpq could not yet hand all
queued bytes to the socket; it then waits for results the server cannot send, and the server waits for
the rest of the query (``ClientRead``), holding the events table's EXCLUSIVE lock: a save of a few
megabytes hangs about half the time (reproduced with one 20 MB parameter in plain psycopg). The
testing context saves a whole upload in one transaction (about 15 MB for 200,000 test cases), so its
recorder sends the same statements (lock, notify, insert ... returning) one after the other in a plain
transaction instead: a few round trips more per save, and no hang.

Selected by :func:`event_store_env` for the testing application only; other contexts keep the shared
module (``interfaces.persistence.postgres``), which may want the same change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry

from interfaces.persistence import postgres as shared

SHARED_MODULE = "interfaces.persistence.postgres:Factory"
THIS_MODULE = "interfaces.testing.persistence:Factory"


class PostgresApplicationRecorder(shared.PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, conn.transaction():
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)


class Factory(shared.Factory):
    application_recorder_class = PostgresApplicationRecorder


def event_store_env(env: dict[str, str]) -> dict[str, str]:
    """The testing application's event-store settings: this module instead of the shared PostgreSQL one."""
    if env.get("PERSISTENCE_MODULE") == SHARED_MODULE:
        return {**env, "PERSISTENCE_MODULE": THIS_MODULE}
    return env
