"""Retention: removing unpinned test runs older than the limit (``CODEANNALS_TEST_RUN_RETENTION_DAYS``).

How a run's payloads leave the system: a run's bulk facts (cases, suites, coverage files, quality
files) live in its own event stream; its attachments' bytes live in the blob store, referenced from
its events by key. The cleanup, for each expired run that is not pinned:

1. deletes its attachments' blobs;
2. deletes its streams (the run and its group index: events and snapshots) from the event store;
3. records ``CleanedUpRun.RunCleanedUp`` (public id, numeric id, created at, retention, bytes freed,
   actor, and the erased aggregate ids) in an aggregate of its own, which the read models apply by
   dropping every row of the run (the audit trail drops the erased streams' rows).

A rebuild after cleanup replays a log without the run, then the fact (which finds nothing to drop):
the same read models as the live ones. Steps are in this order so that an interrupted cleanup is
completed by the next one (the run stays in the read models until its fact is recorded). Finally the
event store is compacted (SQLite VACUUM / PostgreSQL VACUUM).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.testing.service import TestingApplication
from domain.shared.actor import SYSTEM
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.testing.run import TestRun
from interfaces.container import Container
from interfaces.persistence.erase import compact, erase_streams
from projections.projection import iso
from projections.testing import extra_queries

log = logging.getLogger("codeannals.retention")


@dataclass
class CleanupReport:
    cutoff: str
    runs: list[str] = field(default_factory=list)  # public ids removed
    attachment_bytes: int = 0
    event_bytes: int = 0

    @property
    def bytes_freed(self) -> int:
        return self.attachment_bytes + self.event_bytes


def expired(container: Container, retention_days: int, now: datetime | None = None) -> tuple[str, list[str]]:
    """The cutoff and the public ids of the unpinned runs created before it, oldest first."""
    if retention_days < 1:
        raise Invalid("the retention must be at least one day")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cutoff = iso(moment - timedelta(days=retention_days))
    return cutoff, [str(r["public_id"]) for r in extra_queries.expired_runs(container.store, cutoff)]


def clean_up(container: Container, retention_days: int, actor: str, now: datetime | None = None,
             dry_run: bool = False) -> CleanupReport:
    """Remove the expired runs (the read models must be caught up: the runs are chosen from them)."""
    cutoff, public_ids = expired(container, retention_days, now)
    report = CleanupReport(cutoff)
    if dry_run:
        report.runs = public_ids
        return report
    app = container.app(TestingApplication)
    for public_id in public_ids:
        run = extra_queries.run_row(container.store, public_id)
        if run is None:
            continue
        try:
            streams = app.streams_of(public_id)
        except NotFound:  # erased by an interrupted cleanup, its fact not yet recorded
            streams = [TestRun.create_id(public_id)]
        attachments = sum(container.blobs.delete(str(a["blob"]))
                          for a in extra_queries.attachments_of(container.store, str(run["uuid"])))
        events = erase_streams(app, streams)
        try:
            app.record_cleanup(public_id, int(run["id"]), streams, str(run["created_at"]), retention_days,
                               attachments + events, actor=actor)
        except Conflict:  # another process recorded it first
            continue
        report.runs.append(public_id)
        report.attachment_bytes += attachments
        report.event_bytes += events
    if report.runs:
        compact(app, container.settings.postgres.conninfo if container.settings.backend == "postgres" else None)
        if container.settings.backend == "postgres":
            compact_blobs(container)
    return report


def compact_blobs(container: Container) -> None:
    import psycopg

    try:
        with psycopg.connect(container.settings.postgres.conninfo, autocommit=True) as conn:
            conn.execute("VACUUM blob_chunks")
    except Exception:
        pass


class RetentionWorker:
    """Runs the cleanup in the background when ``CODEANNALS_TEST_RUN_RETENTION_DAYS`` is set: a first
    pass soon after start, then every ``CODEANNALS_RETENTION_INTERVAL_SECONDS`` (default an hour).
    Several processes may run it: a run another process removed first is skipped."""

    name = "retention"

    def __init__(self, container: Container, first_delay: float = 10.0,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.container = container
        self.clock = clock
        self.days = container.settings.test_run_retention_days
        raw = container.settings.extra.get("CODEANNALS_RETENTION_INTERVAL_SECONDS", "")
        self.interval = float(raw) if raw.strip() else 3600.0
        self.first_delay = first_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def start(self) -> None:
        if not self.days or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(delay):
            delay = self.interval
            try:
                now = self.clock() if self.clock is not None else None
                report = clean_up(self.container, int(self.days or 0), SYSTEM, now=now)
                self.passes += 1
                if report.runs:
                    log.info("retention: removed %d test runs, %d bytes freed", len(report.runs),
                             report.bytes_freed)
            except Exception:
                log.exception("retention cleanup failed; trying again later")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None


def build_retention_worker(container: Container) -> RetentionWorker:
    return RetentionWorker(container)
