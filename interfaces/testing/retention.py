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

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.testing.service import TestingApplication
from domain.shared.errors import Invalid, NotFound
from domain.testing.run import TestRun
from interfaces.container import Container
from interfaces.persistence.erase import compact, erase_streams
from projections.projection import iso
from projections.testing import extra_queries


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
        app.record_cleanup(public_id, int(run["id"]), streams, str(run["created_at"]), retention_days,
                           attachments + events, actor=actor)
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
