"""Read model of what a test run holds besides results and coverage: attachments (their facts; the
bytes are in the blob store), k6 performance results, code-quality files, messages, pins, and the
uploads that could not be processed and the runs the retention cleanup removed.

Rows are keyed by the run's aggregate id (``run_uuid``), joined to ``test_runs`` by queries. A
``RunCleanedUp`` fact deletes the run's rows here (``TestRunsProjection`` deletes the rest), so the
live model equals one rebuilt from the event log, where the run's own events are gone.
"""

from __future__ import annotations

from domain.testing.run import CleanedUpRun, ProcessingFailure, TestRun
from projections.projection import Envelope, Projection, handles
from projections.store import Tx

RUN_TABLES = ("test_run_attachments", "test_run_performance", "test_run_quality", "test_run_messages",
              "test_run_pins")


class TestRunExtrasProjection(Projection):
    __test__ = False  # not a pytest test class

    name = "testing_extras"
    version = 1
    follows = ("testing",)
    tables = {
        "test_run_attachments": """CREATE TABLE test_run_attachments (
            run_uuid TEXT NOT NULL, name TEXT NOT NULL, blob TEXT NOT NULL, size BIGINT NOT NULL,
            sha256 TEXT NOT NULL, content_type TEXT NOT NULL, added_at TEXT NOT NULL, actor TEXT NOT NULL,
            PRIMARY KEY (run_uuid, name))""",
        "test_run_performance": """CREATE TABLE test_run_performance (
            run_uuid TEXT NOT NULL, idx BIGINT NOT NULL, name TEXT NOT NULL, request_count BIGINT NOT NULL,
            requests_per_second DOUBLE PRECISION NOT NULL, average DOUBLE PRECISION NOT NULL,
            maximum DOUBLE PRECISION NOT NULL, p95 DOUBLE PRECISION NOT NULL, recorded_at TEXT NOT NULL,
            PRIMARY KEY (run_uuid, idx))""",
        "test_run_quality": """CREATE TABLE test_run_quality (
            run_uuid TEXT NOT NULL, idx BIGINT NOT NULL, file_name TEXT NOT NULL, group_name TEXT,
            contents TEXT NOT NULL, PRIMARY KEY (run_uuid, idx))""",
        "test_run_messages": """CREATE TABLE test_run_messages (
            run_uuid TEXT NOT NULL, idx BIGINT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (run_uuid, idx))""",
        "test_run_pins": """CREATE TABLE test_run_pins (
            run_uuid TEXT PRIMARY KEY, pinned BOOLEAN NOT NULL, changed_at TEXT NOT NULL, actor TEXT NOT NULL)""",
        "processing_failures": """CREATE TABLE processing_failures (
            public_id TEXT PRIMARY KEY, position BIGINT NOT NULL, body_type TEXT NOT NULL, body TEXT NOT NULL,
            failure_message TEXT NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL)""",
        "cleaned_up_runs": """CREATE TABLE cleaned_up_runs (
            public_id TEXT PRIMARY KEY, run_id BIGINT NOT NULL, created_at TEXT NOT NULL, cleaned_at TEXT NOT NULL,
            retention_days BIGINT, bytes_freed BIGINT NOT NULL, actor TEXT NOT NULL)""",
    }
    indexes = ["CREATE INDEX processing_failures_recent ON processing_failures (position)"]

    @handles(TestRun.AttachmentAdded)
    def attachment_added(self, tx: Tx, e: Envelope[TestRun.AttachmentAdded]) -> None:
        ev = e.event
        run = str(ev.originator_id)
        tx.write("DELETE FROM test_run_attachments WHERE run_uuid=%s AND name=%s", (run, ev.name))
        tx.write("INSERT INTO test_run_attachments (run_uuid, name, blob, size, sha256, content_type, added_at, "
                 "actor) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 (run, ev.name, ev.blob, int(ev.size), ev.sha256, ev.content_type, e.occurred_at, ev.actor))

    @handles(TestRun.PerformanceRecorded)
    def performance_recorded(self, tx: Tx, e: Envelope[TestRun.PerformanceRecorded]) -> None:
        run = str(e.event.originator_id)
        first = int(tx.scalar("SELECT COUNT(*) AS n FROM test_run_performance WHERE run_uuid=%s", (run,)) or 0)
        for i, r in enumerate(e.event.results, start=first + 1):
            tx.write("INSERT INTO test_run_performance (run_uuid, idx, name, request_count, requests_per_second, "
                     "average, maximum, p95, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (run, i, r["name"], int(r["request_count"]), float(r["requests_per_second"]),
                      float(r["average"]), float(r["maximum"]), float(r["p95"]), e.occurred_at))

    @handles(TestRun.CodeQualityRecorded)
    def code_quality_recorded(self, tx: Tx, e: Envelope[TestRun.CodeQualityRecorded]) -> None:
        run = str(e.event.originator_id)
        for i, r in enumerate(e.event.reports, start=int(e.event.first)):
            tx.write("INSERT INTO test_run_quality (run_uuid, idx, file_name, group_name, contents) "
                     "VALUES (%s, %s, %s, %s, %s)", (run, i, r["file_name"], r.get("group_name"), r["contents"]))

    @handles(TestRun.Noted)
    def noted(self, tx: Tx, e: Envelope[TestRun.Noted]) -> None:
        run = str(e.event.originator_id)
        first = int(tx.scalar("SELECT COUNT(*) AS n FROM test_run_messages WHERE run_uuid=%s", (run,)) or 0)
        for i, message in enumerate(e.event.messages, start=first + 1):
            tx.write("INSERT INTO test_run_messages (run_uuid, idx, message) VALUES (%s, %s, %s)", (run, i, message))

    @handles(TestRun.Pinned, TestRun.Unpinned)
    def pin_changed(self, tx: Tx, e: Envelope[TestRun.Pinned | TestRun.Unpinned]) -> None:
        run = str(e.event.originator_id)
        tx.write("DELETE FROM test_run_pins WHERE run_uuid=%s", (run,))
        tx.write("INSERT INTO test_run_pins (run_uuid, pinned, changed_at, actor) VALUES (%s, %s, %s, %s)",
                 (run, isinstance(e.event, TestRun.Pinned), e.occurred_at, e.event.actor))

    @handles(ProcessingFailure.Failed)
    def failed(self, tx: Tx, e: Envelope[ProcessingFailure.Failed]) -> None:
        ev = e.event
        tx.write("INSERT INTO processing_failures (public_id, position, body_type, body, failure_message, "
                 "created_at, actor) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (ev.public_id, e.position, ev.body_type, ev.body, ev.failure_message, e.occurred_at, ev.actor))

    @handles(CleanedUpRun.RunCleanedUp)
    def cleaned_up(self, tx: Tx, e: Envelope[CleanedUpRun.RunCleanedUp]) -> None:
        ev = e.event
        for table in RUN_TABLES:
            tx.write(f"DELETE FROM {table} WHERE run_uuid=%s", (ev.run_uuid,))
        tx.write("INSERT INTO cleaned_up_runs (public_id, run_id, created_at, cleaned_at, retention_days, "
                 "bytes_freed, actor) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (ev.public_id, int(ev.run_id), ev.created_at, e.occurred_at, ev.retention_days,
                  int(ev.bytes_freed), ev.actor))
