"""Follows the event logs of the applications and keeps every read model up to date.

Each batch's view writes and the projection's tracking position commit in one transaction, with
the tracking row locked first, so an event is applied exactly once even when several runners (in
several processes) follow the same database, and after any crash."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent

from projections.projection import Envelope, Projection
from projections.store import ReadStore, Tx

log = logging.getLogger("codeannals.projections")

TRACKING_DDL = [
    """CREATE TABLE IF NOT EXISTS projection_tracking (
        projection TEXT NOT NULL, application TEXT NOT NULL, position BIGINT NOT NULL,
        PRIMARY KEY (projection, application))""",
    """CREATE TABLE IF NOT EXISTS projection_versions (
        projection TEXT PRIMARY KEY, version INTEGER NOT NULL)""",
]


@dataclass(frozen=True)
class Status:
    projection: str
    application: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class ProjectionRunner:
    def __init__(
        self,
        applications: Mapping[str, Application[Any]],
        projections: Sequence[Projection],
        store: ReadStore,
        batch_size: int = 500,
        poll_interval: float = 0.5,
    ) -> None:
        self.applications = applications
        self.projections = list(projections)
        self.store = store
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._positions: dict[tuple[str, str], int] = {}
        self._condition = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._topics = {p.name: p.topics() for p in self.projections}
        self._decoded: dict[tuple[str, int], Any] = {}
        self._decoded_max = 20000
        for p in self.projections:
            missing = [a for a in p.follows if a not in applications]
            if missing:
                raise ValueError(f"projection {p.name} follows unknown applications {missing}")

    # --- schema ----------------------------------------------------------------------------------
    def setup(self) -> None:
        """Create the tracking tables, and (re)create every projection whose version changed."""
        with self.store.exclusive():
            self._setup()
        self._load_positions()

    def _setup(self) -> None:
        with self.store.transaction() as tx:
            for ddl in TRACKING_DDL:
                tx.execute(ddl)
        for p in self.projections:
            with self.store.transaction() as tx:
                stored = tx.scalar("SELECT version FROM projection_versions WHERE projection=%s", (p.name,))
                tables_present = all(tx.table_exists(t) for t in p.tables)
                if stored == p.version and tables_present:
                    continue
                if stored is not None:
                    log.warning("projection %s changed (v%s -> v%s): rebuilding", p.name, stored, p.version)
                self._reset(tx, p)

    def _reset(self, tx: Tx, p: Projection) -> None:
        p.drop(tx)
        p.create(tx)
        tx.execute("DELETE FROM projection_tracking WHERE projection=%s", (p.name,))
        for app in p.follows:
            tx.execute(
                "INSERT INTO projection_tracking (projection, application, position) VALUES (%s, %s, 0)",
                (p.name, app),
            )
        tx.execute("DELETE FROM projection_versions WHERE projection=%s", (p.name,))
        tx.execute("INSERT INTO projection_versions (projection, version) VALUES (%s, %s)", (p.name, p.version))

    def _load_positions(self) -> None:
        rows = self.store.fetchall("SELECT projection, application, position FROM projection_tracking")
        with self._condition:
            for r in rows:
                self._positions[(r["projection"], r["application"])] = int(r["position"])
            self._condition.notify_all()

    # --- processing ------------------------------------------------------------------------------
    def process_batch(self, p: Projection, app_name: str, limit: int | None = None, head: int | None = None) -> int:
        """Apply the next batch of one application's events to one projection, up to ``head`` (default:
        the head of the application's log now).

        Answers how many events were applied (0 when the projection was up to date)."""
        app = self.applications[app_name]
        if head is None:
            head = app.recorder.max_notification_id() or 0
        limit = limit or self.batch_size
        key = (p.name, app_name)
        if self._positions.get(key, 0) >= head:
            return 0
        with self.store.transaction() as tx:
            position = tx.scalar(
                "SELECT position FROM projection_tracking WHERE projection=%s AND application=%s"
                + tx.lock_row_sql(),
                (p.name, app_name),
            )
            if position is None:
                raise RuntimeError(f"projection {p.name} has no tracking row for {app_name}: run setup()")
            position = int(position)
            applied = 0
            if position < head:
                notifications = app.recorder.select_notifications(
                    start=position + 1, limit=limit, stop=head, topics=self._topics[p.name]
                )
                new_position = notifications[-1].id if len(notifications) == limit else head
                for n in notifications:
                    p.apply(tx, Envelope(app_name, n.id, self._decode(app_name, n)))
                applied = len(notifications)
                tx.execute(
                    "UPDATE projection_tracking SET position=%s WHERE projection=%s AND application=%s",
                    (new_position, p.name, app_name),
                )
                position = new_position
        with self._condition:
            if position > self._positions.get(key, 0):
                self._positions[key] = position
            self._condition.notify_all()
        return applied

    def _decode(self, app_name: str, notification: Any) -> DomainEvent:
        """Decode once for every projection following the application (events are immutable)."""
        key = (app_name, notification.id)
        event = self._decoded.get(key)
        if event is None:
            if len(self._decoded) >= self._decoded_max:
                self._decoded.clear()
            event = self.applications[app_name].mapper.to_domain_event(notification)
            self._decoded[key] = event
        return cast(DomainEvent, event)

    def catch_up(self, names: Sequence[str] | None = None, batch_size: int | None = None,
                 progress: Callable[[int], None] | None = None) -> int:
        """Process until every (selected) projection has reached the head of its logs."""
        total = 0
        selected = [p for p in self.projections if names is None or p.name in names]
        followed = {a for p in selected for a in p.follows}
        while True:
            round_total = 0
            pending = False
            # Each log's head is read once per round (not once per projection following it).
            heads = {a: self._head(a) for a in followed}
            for p in selected:
                for app_name in p.follows:
                    n = self.process_batch(p, app_name, batch_size, heads[app_name])
                    round_total += n
                    if self._positions.get((p.name, app_name), 0) < heads[app_name]:
                        pending = True
            total += round_total
            # every projection has had this round's events: keep no decoded event beyond it (a test-run
            # batch of 2,000 cases is large; holding thousands of them would hold gigabytes)
            self._decoded.clear()
            if progress is not None and round_total:
                progress(round_total)
            if not pending:
                return total

    def _head(self, app_name: str) -> int:
        return self.applications[app_name].recorder.max_notification_id() or 0

    # --- background thread -----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="projection-runner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self, *_: object) -> None:
        self._wake.set()

    def run_forever(self) -> None:
        """Run in the calling thread until :meth:`stop` (the standalone ``projections run``)."""
        self._stop.clear()
        self._run()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.catch_up()
                failures = 0
            except Exception:
                failures += 1
                log.exception("projection runner failed (attempt %d); retrying", failures)
                self._wake.wait(min(5.0, self.poll_interval * failures))
                continue
            self._wake.wait(self.poll_interval)

    # --- read-your-writes ------------------------------------------------------------------------
    def caught_up(self, targets: Mapping[str, int]) -> bool:
        for p in self.projections:
            for app_name in p.follows:
                target = targets.get(app_name)
                if target is not None and self._positions.get((p.name, app_name), 0) < target:
                    return False
        return True

    def wait_for(self, targets: Mapping[str, int], timeout: float) -> bool:
        """Wait (bounded) until every projection following those applications reached those positions."""
        if not targets:
            return True
        deadline = time.monotonic() + timeout
        while True:
            if self.caught_up(targets):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.running:
                self.wake()
                with self._condition:
                    if not self.caught_up(targets):
                        self._condition.wait(min(remaining, 0.25))
            else:
                # Another process runs the projections: watch the shared tracking table.
                self._load_positions()
                if not self.caught_up(targets):
                    self._stop.wait(min(remaining, 0.02))

    # --- status and rebuild ----------------------------------------------------------------------
    def status(self) -> list[Status]:
        self._load_positions()
        heads = {name: self._head(name) for name in {a for p in self.projections for a in p.follows}}
        return [
            Status(p.name, a, self._positions.get((p.name, a), 0), heads[a])
            for p in self.projections
            for a in p.follows
        ]

    def rebuild(self, names: Sequence[str] | None = None, progress: Callable[[int], None] | None = None,
                batch_size: int = 5000) -> tuple[int, float]:
        """Drop and replay the selected read models. Answers (events applied, seconds)."""
        selected = [p for p in self.projections if names is None or p.name in names]
        unknown = set(names or ()) - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"unknown projections: {', '.join(sorted(unknown))}")
        started = time.perf_counter()
        for p in selected:
            with self.store.transaction() as tx:
                self._reset(tx, p)
        with self._condition:
            for p in selected:
                for a in p.follows:
                    self._positions[(p.name, a)] = 0
        applied = self.catch_up([p.name for p in selected], batch_size=batch_size, progress=progress)
        return applied, time.perf_counter() - started

    def projection_names(self) -> list[str]:
        return [p.name for p in self.projections]
