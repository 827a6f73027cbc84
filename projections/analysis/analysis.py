"""Read model of project analyses: job status and progress, analysed commits, file states, per-commit
totals and measurements. The tables are described in ``projections/analysis/queries.py``.

Rows are keyed by the project's public numeric id (carried in the events). A reset (a new generation)
removes every result of the project; a deleted project (followed in the projects log) leaves the model.
Commit lists of the history context learn which commits are analysed from ``analysis_commits``
(``queries.analyzed_hashes``, registered by ``interfaces/http/analysis/metrics.py``).
"""

from __future__ import annotations

import json
from typing import Any

from domain.analysis.jobs import JobStatus, MeasurementBatch, ProjectAnalysis, canonical_configuration
from domain.analysis.records import decode_batch
from domain.analysis.state import OPEN
from domain.projects.project import Project
from projections.projection import Envelope, Projection, handles
from projections.store import Tx, insert_many

RESULT_TABLES = (
    "analysis_commits", "analysis_lanes", "analysis_files", "analysis_totals", "analysis_measurements",
    "analysis_keys", "analysis_metrics",
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class AnalysisProjection(Projection):
    name = "analysis"
    version = 3
    follows = ("analysis", "projects")
    tables = {
        "analysis_projects": """CREATE TABLE analysis_projects (
            project_id BIGINT PRIMARY KEY, project_uuid TEXT NOT NULL UNIQUE, aggregate_uuid TEXT NOT NULL UNIQUE,
            generation BIGINT NOT NULL, status TEXT NOT NULL, job BIGINT NOT NULL, automatic BOOLEAN NOT NULL,
            branches TEXT NOT NULL, worker TEXT, lease_until DOUBLE PRECISION NOT NULL, batches BIGINT NOT NULL,
            commits BIGINT NOT NULL, job_commits BIGINT NOT NULL, todo BIGINT, measured BIGINT NOT NULL,
            failures BIGINT NOT NULL, auto BOOLEAN NOT NULL, failure_reason TEXT, started_at TEXT,
            updated_at TEXT NOT NULL, finished_at TEXT, change TEXT, configuration TEXT)""",
        "analysis_commits": """CREATE TABLE analysis_commits (
            project_id BIGINT NOT NULL, hash TEXT NOT NULL, lane BIGINT NOT NULL, seq BIGINT NOT NULL,
            ordinal BIGINT NOT NULL, parent TEXT, ts BIGINT NOT NULL, batch BIGINT NOT NULL,
            PRIMARY KEY (project_id, hash))""",
        "analysis_lanes": """CREATE TABLE analysis_lanes (
            project_id BIGINT NOT NULL, lane BIGINT NOT NULL, fork_lane BIGINT, fork_seq BIGINT,
            PRIMARY KEY (project_id, lane))""",
        "analysis_files": """CREATE TABLE analysis_files (
            project_id BIGINT NOT NULL, lane BIGINT NOT NULL, path TEXT NOT NULL, seq_from BIGINT NOT NULL,
            seq_to BIGINT NOT NULL, blob TEXT, keys TEXT NOT NULL, vals TEXT,
            PRIMARY KEY (project_id, lane, path, seq_from))""",
        "analysis_totals": """CREATE TABLE analysis_totals (
            project_id BIGINT NOT NULL, metric TEXT NOT NULL, lane BIGINT NOT NULL, seq BIGINT NOT NULL,
            value BIGINT NOT NULL, PRIMARY KEY (project_id, metric, lane, seq))""",
        "analysis_measurements": """CREATE TABLE analysis_measurements (
            project_id BIGINT NOT NULL, key_id BIGINT NOT NULL, blob TEXT NOT NULL, vals TEXT NOT NULL,
            findings TEXT NOT NULL, error TEXT, PRIMARY KEY (project_id, key_id, blob))""",
        "analysis_keys": """CREATE TABLE analysis_keys (
            project_id BIGINT NOT NULL, key_id BIGINT NOT NULL, cache_key TEXT NOT NULL, analyzer TEXT NOT NULL,
            PRIMARY KEY (project_id, key_id))""",
        "analysis_metrics": """CREATE TABLE analysis_metrics (
            project_id BIGINT NOT NULL, metric TEXT NOT NULL, PRIMARY KEY (project_id, metric))""",
    }
    indexes = [
        "CREATE INDEX analysis_commits_place ON analysis_commits (project_id, lane, seq)",
        "CREATE INDEX analysis_files_alive ON analysis_files (project_id, lane, seq_to, seq_from)",
        "CREATE INDEX analysis_measurements_failed ON analysis_measurements (project_id, error)",
    ]

    # --- the analysis --------------------------------------------------------------------------
    def _update(self, tx: Tx, e: Envelope, sets: str, params: tuple[Any, ...]) -> None:
        tx.write(
            f"UPDATE analysis_projects SET {sets}, updated_at=%s WHERE aggregate_uuid=%s",
            (*params, e.occurred_at, str(e.event.originator_id)),
        )

    @handles(ProjectAnalysis.Created)
    def created(self, tx: Tx, e: Envelope[ProjectAnalysis.Created]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO analysis_projects (project_id, project_uuid, aggregate_uuid, generation, status, job, "
            "automatic, branches, worker, lease_until, batches, commits, job_commits, todo, measured, failures, "
            "auto, failure_reason, started_at, updated_at, finished_at) VALUES "
            "(%s, %s, %s, 0, %s, 0, FALSE, '[]', NULL, 0, 0, 0, 0, NULL, 0, 0, FALSE, NULL, NULL, %s, NULL)",
            (int(ev.project_num), str(ev.project_id), str(ev.originator_id), JobStatus.NONE.value, e.occurred_at),
        )

    @handles(ProjectAnalysis.Started)
    def started(self, tx: Tx, e: Envelope[ProjectAnalysis.Started]) -> None:
        ev = e.event
        self._update(
            tx, e,
            "status=%s, job=%s, automatic=%s, branches=%s, worker=NULL, lease_until=0, job_commits=0, todo=NULL, "
            "measured=0, failures=0, failure_reason=NULL, started_at=%s, finished_at=NULL, "
            "change=CASE WHEN batches > 0 THEN NULL ELSE change END, "
            "configuration=CASE WHEN batches > 0 THEN configuration ELSE %s END",
            (JobStatus.RUNNING.value, int(ev.job), bool(ev.automatic), _json(list(ev.branches)), e.occurred_at,
             _json(canonical_configuration(ev.patterns, ev.analyzers))),
        )

    @handles(ProjectAnalysis.Claimed)
    def claimed(self, tx: Tx, e: Envelope[ProjectAnalysis.Claimed]) -> None:
        self._update(tx, e, "worker=%s, lease_until=%s, todo=NULL", (e.event.worker, float(e.event.lease_until)))

    @handles(ProjectAnalysis.Planned)
    def planned(self, tx: Tx, e: Envelope[ProjectAnalysis.Planned]) -> None:
        self._update(tx, e, "todo=%s, lease_until=%s", (int(e.event.todo), float(e.event.lease_until)))

    @handles(ProjectAnalysis.BatchRecorded)
    def batch_recorded(self, tx: Tx, e: Envelope[ProjectAnalysis.BatchRecorded]) -> None:
        ev = e.event
        commits = int(ev.commits)
        self._update(
            tx, e,
            "batches=%s, commits=commits+%s, job_commits=job_commits+%s, "
            "todo=CASE WHEN todo IS NULL THEN NULL WHEN todo > %s THEN todo - %s ELSE 0 END, "
            "measured=measured+%s, failures=failures+%s, lease_until=%s",
            (int(ev.seq), commits, commits, commits, commits, int(ev.measured), int(ev.failures),
             float(ev.lease_until)),
        )

    @handles(ProjectAnalysis.Renewed)
    def renewed(self, tx: Tx, e: Envelope[ProjectAnalysis.Renewed]) -> None:
        self._update(tx, e, "lease_until=%s", (float(e.event.lease_until),))

    @handles(ProjectAnalysis.Finished)
    def finished(self, tx: Tx, e: Envelope[ProjectAnalysis.Finished]) -> None:
        self._update(tx, e, "status=%s, worker=NULL, lease_until=0, todo=0, auto=TRUE, finished_at=%s",
                     (JobStatus.DONE.value, e.occurred_at))

    @handles(ProjectAnalysis.Stopped)
    def stopped(self, tx: Tx, e: Envelope[ProjectAnalysis.Stopped]) -> None:
        self._update(tx, e, "status=%s, worker=NULL, lease_until=0, finished_at=%s",
                     (JobStatus.STOPPED.value, e.occurred_at))

    @handles(ProjectAnalysis.Released)
    def released(self, tx: Tx, e: Envelope[ProjectAnalysis.Released]) -> None:
        self._update(tx, e, "worker=NULL, lease_until=0", ())

    @handles(ProjectAnalysis.Failed)
    def failed(self, tx: Tx, e: Envelope[ProjectAnalysis.Failed]) -> None:
        self._update(tx, e, "status=%s, worker=NULL, lease_until=0, failure_reason=%s, finished_at=%s",
                     (JobStatus.FAILED.value, e.event.reason, e.occurred_at))

    @handles(ProjectAnalysis.Reset)
    def reset(self, tx: Tx, e: Envelope[ProjectAnalysis.Reset]) -> None:
        project_id = tx.scalar("SELECT project_id FROM analysis_projects WHERE aggregate_uuid=%s",
                               (str(e.event.originator_id),))
        if project_id is None:
            return
        for table in RESULT_TABLES:
            tx.execute(f"DELETE FROM {table} WHERE project_id=%s", (int(project_id),))
        self._update(
            tx, e,
            "generation=generation+1, status=%s, worker=NULL, lease_until=0, batches=0, commits=0, job_commits=0, "
            "todo=NULL, measured=0, failures=0, auto=FALSE, failure_reason=NULL, finished_at=NULL, change=NULL, "
            "configuration=NULL",
            (JobStatus.NONE.value,),
        )

    @handles(ProjectAnalysis.Reconfigured)
    def reconfigured(self, tx: Tx, e: Envelope[ProjectAnalysis.Reconfigured]) -> None:
        """A new generation records the commits again: their rows go; the measurements and keys stay
        (the new generation reuses them, and its batches record only what it measures)."""
        project_id = tx.scalar("SELECT project_id FROM analysis_projects WHERE aggregate_uuid=%s",
                               (str(e.event.originator_id),))
        if project_id is None:
            return
        for table in RESULT_TABLES:
            if table not in ("analysis_measurements", "analysis_keys"):
                tx.execute(f"DELETE FROM {table} WHERE project_id=%s", (int(project_id),))
        self._update(tx, e, "generation=generation+1, batches=0, commits=0, change=%s", (str(e.event.change),))

    # --- results -------------------------------------------------------------------------------
    @handles(MeasurementBatch.Created)
    def batch(self, tx: Tx, e: Envelope[MeasurementBatch.Created]) -> None:
        ev = e.event
        project_id = int(ev.project_num)
        generation = tx.scalar("SELECT generation FROM analysis_projects WHERE project_id=%s", (project_id,))
        if generation is None or int(generation) != int(ev.generation):
            return  # the project is gone, or a reset came after this batch was written
        record = decode_batch(ev.payload)
        seq = int(ev.seq)
        insert_many(tx, "analysis_keys", ("project_id", "key_id", "cache_key", "analyzer"),
                    [(project_id, k.id, k.cache_key, k.analyzer) for k in record.keys])
        insert_many(tx, "analysis_lanes", ("project_id", "lane", "fork_lane", "fork_seq"),
                    [(project_id, lane.lane, lane.fork_lane, lane.fork_seq) for lane in record.lanes])
        metrics: set[str] = set()
        rows = []
        for m in record.measurements:
            if m.error is None:
                metrics.update(m.values)
            rows.append((project_id, m.key, m.blob, _json(m.values), _json([list(f) for f in m.findings]), m.error))
        insert_many(tx, "analysis_measurements", ("project_id", "key_id", "blob", "vals", "findings", "error"), rows)
        # A root lane has nothing beneath it: a deletion there just ends the file's state, without a
        # tombstone (which would stay open, and be read by every later query of the lane, forever).
        root_lanes = {int(r["lane"]) for r in tx.fetchall(
            "SELECT lane FROM analysis_lanes WHERE project_id=%s AND fork_lane IS NULL", (project_id,))}
        commits: list[tuple[Any, ...]] = []
        files: list[tuple[Any, ...]] = []
        closes: list[tuple[Any, ...]] = []
        totals: list[tuple[Any, ...]] = []
        for c in record.commits:
            commits.append((project_id, c.hash, c.lane, c.seq, c.ordinal, c.parent, c.timestamp, seq))
            for f in c.files:
                if f.values:  # a content measured before this generation shows its metrics here only
                    metrics.update(f.values)
                if f.blob is not None or c.lane not in root_lanes:
                    files.append((project_id, c.lane, f.path, c.seq, OPEN, f.blob, f.keys,
                                  None if f.values is None else _json(f.values)))
                if f.closes is not None:
                    closes.append((c.seq, project_id, c.lane, f.path, f.closes))
            totals.extend((project_id, metric, c.lane, c.seq, value) for metric, value in c.totals.items())
        insert_many(tx, "analysis_commits", ("project_id", "hash", "lane", "seq", "ordinal", "parent", "ts", "batch"),
                    commits)
        insert_many(tx, "analysis_files",
                    ("project_id", "lane", "path", "seq_from", "seq_to", "blob", "keys", "vals"), files)
        _close_files(tx, closes)
        insert_many(tx, "analysis_totals", ("project_id", "metric", "lane", "seq", "value"), totals)
        known = {str(r["metric"]) for r in tx.fetchall(
            "SELECT metric FROM analysis_metrics WHERE project_id=%s", (project_id,))}
        for metric in sorted(metrics - known):
            tx.write(
                "INSERT INTO analysis_metrics (project_id, metric) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (project_id, metric),
            )

    # --- deleted projects -------------------------------------------------------------------------
    @handles(Project.Deleted)
    def project_deleted(self, tx: Tx, e: Envelope[Project.Deleted]) -> None:
        project_id = tx.scalar("SELECT project_id FROM analysis_projects WHERE project_uuid=%s",
                               (str(e.event.originator_id),))
        if project_id is None:
            return
        for table in (*RESULT_TABLES, "analysis_projects"):
            tx.execute(f"DELETE FROM {table} WHERE project_id=%s", (int(project_id),))


def _close_files(tx: Tx, closes: list[tuple[Any, ...]]) -> None:
    """Set ``seq_to`` of file states that a batch ended: (seq_to, project_id, lane, path, seq_from). On
    PostgreSQL one statement over arrays (an UPDATE per row costs a statement's overhead each: most of
    an analysis's time there); on SQLite one executemany."""
    if not closes:
        return
    if tx.dialect == "postgres":
        columns = list(zip(*closes, strict=True))
        tx.write(
            "UPDATE analysis_files f SET seq_to = v.seq_to FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], "
            "%s::text[], %s::bigint[]) AS v(seq_to, project_id, lane, path, seq_from) "
            "WHERE f.project_id = v.project_id AND f.lane = v.lane AND f.path = v.path AND f.seq_from = v.seq_from",
            tuple(list(c) for c in columns),
        )
        return
    tx.executemany(
        "UPDATE analysis_files SET seq_to=%s WHERE project_id=%s AND lane=%s AND path=%s AND seq_from=%s",
        closes,
    )

