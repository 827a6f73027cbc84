"""Read model of test runs: runs with their totals, suites, every test case, and coverage per report
and per file.

Ids come from the events (a run's numeric id is the position of its ``Created`` event, its public
id is carried in that event), so a rebuilt model answers exactly as the live one. Case and file rows
are written with ``tx.write`` (sent as ``executemany`` in groups), as a run can hold 200,000 cases.
"""

from __future__ import annotations

import json

from domain.testing.run import CleanedUpRun, TestRun
from projections.projection import Envelope, Projection, handles
from projections.store import Tx

RUN_COLUMNS = (
    "id", "public_id", "uuid", "owner_id", "owner_uuid", "project_id", "source", "name", "repo", "org",
    "project_name", "branch", "is_main_branch", "commit_sha", "pull_request_number", "ci", "run_group",
    "build_key", "environment", "canceled", "created_at", "updated_at", "results_at", "uploads", "suites", "tests",
    "passed", "failures", "errors", "skipped", "duration_ms", "slowest_ms", "wall_clock_ms", "has_coverage",
    "coverage_reports", "line_covered", "line_missed", "branch_covered", "branch_missed", "coverage_format",
    "coverage_at",
)


class TestRunsProjection(Projection):
    __test__ = False  # not a pytest test class

    name = "testing"
    version = 2
    follows = ("testing",)
    tables = {
        "test_runs": """CREATE TABLE test_runs (
            id BIGINT PRIMARY KEY, public_id TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL UNIQUE,
            owner_id BIGINT NOT NULL, owner_uuid TEXT NOT NULL, project_id BIGINT, source TEXT NOT NULL,
            name TEXT NOT NULL, repo TEXT, org TEXT, project_name TEXT, branch TEXT, is_main_branch BOOLEAN NOT NULL,
            commit_sha TEXT, pull_request_number BIGINT, ci BOOLEAN NOT NULL, run_group TEXT, build_key TEXT,
            environment TEXT, canceled BOOLEAN NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            results_at TEXT, uploads BIGINT NOT NULL, suites BIGINT NOT NULL, tests BIGINT NOT NULL,
            passed BIGINT NOT NULL, failures BIGINT NOT NULL, errors BIGINT NOT NULL, skipped BIGINT NOT NULL,
            duration_ms DOUBLE PRECISION NOT NULL, slowest_ms DOUBLE PRECISION NOT NULL,
            wall_clock_ms DOUBLE PRECISION, has_coverage BOOLEAN NOT NULL, coverage_reports BIGINT NOT NULL,
            line_covered BIGINT NOT NULL, line_missed BIGINT NOT NULL, branch_covered BIGINT NOT NULL,
            branch_missed BIGINT NOT NULL, coverage_format TEXT, coverage_at TEXT)""",
        "test_suites": """CREATE TABLE test_suites (
            run_id BIGINT NOT NULL, idx BIGINT NOT NULL, upload BIGINT NOT NULL, group_name TEXT, group_label TEXT,
            directory TEXT, name TEXT NOT NULL, package TEXT, file TEXT, hostname TEXT, started TEXT,
            tests BIGINT NOT NULL, failures BIGINT NOT NULL, errors BIGINT NOT NULL, skipped BIGINT NOT NULL,
            duration_ms DOUBLE PRECISION NOT NULL, has_system_out BOOLEAN NOT NULL, has_system_err BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, idx))""",
        "test_cases": """CREATE TABLE test_cases (
            run_id BIGINT NOT NULL, suite_idx BIGINT NOT NULL, idx BIGINT NOT NULL, classname TEXT,
            name TEXT NOT NULL, file TEXT, duration_ms DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,
            failure_message TEXT, failure_type TEXT, stack_trace TEXT, skipped_message TEXT,
            has_system_out BOOLEAN NOT NULL, has_system_err BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, suite_idx, idx))""",
        "coverage_reports": """CREATE TABLE coverage_reports (
            run_id BIGINT NOT NULL, report BIGINT NOT NULL, name TEXT NOT NULL, format TEXT NOT NULL,
            covered BIGINT NOT NULL, missed BIGINT NOT NULL, branch_covered BIGINT NOT NULL,
            branch_missed BIGINT NOT NULL, files BIGINT NOT NULL, recorded_at TEXT NOT NULL,
            PRIMARY KEY (run_id, report))""",
        "coverage_files": """CREATE TABLE coverage_files (
            run_id BIGINT NOT NULL, report BIGINT NOT NULL, file_idx BIGINT NOT NULL, path TEXT NOT NULL,
            covered BIGINT NOT NULL, missed BIGINT NOT NULL, branch_covered BIGINT, branch_missed BIGINT,
            missed_lines TEXT NOT NULL, partial_lines TEXT NOT NULL, PRIMARY KEY (run_id, report, file_idx))""",
        "coverage_lines": """CREATE TABLE coverage_lines (
            run_id BIGINT NOT NULL, report BIGINT NOT NULL, file_idx BIGINT NOT NULL, covered_lines TEXT NOT NULL,
            PRIMARY KEY (run_id, report, file_idx))""",
        "coverage_sources": """CREATE TABLE coverage_sources (
            run_id BIGINT NOT NULL, report BIGINT NOT NULL, sources TEXT NOT NULL, PRIMARY KEY (run_id, report))""",
    }
    indexes = [
        "CREATE INDEX test_runs_owner ON test_runs (owner_id, id)",
        "CREATE INDEX test_runs_project ON test_runs (project_id, id)",
        "CREATE INDEX test_runs_repo ON test_runs (repo, id)",
        "CREATE INDEX test_runs_org ON test_runs (org, has_coverage)",
        "CREATE INDEX test_runs_commit ON test_runs (commit_sha)",
        "CREATE INDEX test_runs_build ON test_runs (build_key, id)",
        "CREATE INDEX test_cases_status ON test_cases (run_id, status)",
    ]

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def _run_id(self, tx: Tx, e: Envelope) -> int | None:
        uuid = str(e.event.originator_id)
        run_id = self._ids.get(uuid)
        if run_id is None:
            value = tx.scalar("SELECT id FROM test_runs WHERE uuid=%s", (uuid,))
            if value is None:
                return None
            run_id = int(value)
            if len(self._ids) > 10_000:
                self._ids.clear()
            self._ids[uuid] = run_id
        return run_id

    @handles(TestRun.Created)
    def run_created(self, tx: Tx, e: Envelope[TestRun.Created]) -> None:
        ev = e.event
        repo = ev.repo
        org = repo.split("/", 1)[0] if repo and "/" in repo else None
        tx.write(
            f"INSERT INTO test_runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join(['%s'] * len(RUN_COLUMNS))})",
            (e.position, ev.public_id, str(ev.originator_id), int(ev.owner_id), str(ev.owner), ev.project_id,
             ev.source, ev.name, repo, org, ev.project_name, ev.branch, bool(ev.is_main_branch), ev.commit_sha,
             ev.pull_request_number, bool(ev.ci), ev.group, ev.build_key, ev.environment, False, e.occurred_at,
             e.occurred_at, None, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, None, False, 0, 0, 0, 0, 0, None, None),
        )
        self._ids[str(ev.originator_id)] = e.position

    @handles(TestRun.CasesRecorded)
    def cases_recorded(self, tx: Tx, e: Envelope[TestRun.CasesRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        base = int(e.event.suite_base) + 1
        sql = (
            "INSERT INTO test_cases (run_id, suite_idx, idx, classname, name, file, duration_ms, status, "
            "failure_message, failure_type, stack_trace, skipped_message, has_system_out, has_system_err) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        write = tx.write
        for c in e.event.cases:
            write(sql, (run_id, base + c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10],
                        bool(c[11]), bool(c[12])))

    @handles(TestRun.SuitesRecorded)
    def suites_recorded(self, tx: Tx, e: Envelope[TestRun.SuitesRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        sql = (
            "INSERT INTO test_suites (run_id, idx, upload, group_name, group_label, directory, name, package, file, "
            "hostname, started, tests, failures, errors, skipped, duration_ms, has_system_out, has_system_err) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        idx = int(e.event.suite_base)
        for s in e.event.suites:
            idx += 1
            tx.write(sql, (run_id, idx, int(e.event.upload), s["group_name"], s["group_label"], s["directory"],
                           s["name"], s["package"], s["file"], s["hostname"], s["timestamp"], s["tests"],
                           s["failures"], s["errors"], s["skipped"], s["duration_ms"], bool(s["has_system_out"]),
                           bool(s["has_system_err"])))

    @handles(TestRun.ResultsRecorded)
    def results_recorded(self, tx: Tx, e: Envelope[TestRun.ResultsRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        ev = e.event
        wall = ev.wall_clock_ms
        tx.write(
            "UPDATE test_runs SET uploads=%s, suites=suites+%s, tests=tests+%s, passed=passed+%s, "
            "failures=failures+%s, errors=errors+%s, skipped=skipped+%s, duration_ms=duration_ms+%s, "
            "slowest_ms=CASE WHEN slowest_ms < %s THEN %s ELSE slowest_ms END, updated_at=%s, results_at=%s "
            "WHERE id=%s",
            (int(ev.upload), int(ev.suites), int(ev.tests), int(ev.passed), int(ev.failures), int(ev.errors),
             int(ev.skipped), float(ev.duration_ms), float(ev.slowest_ms), float(ev.slowest_ms), e.occurred_at,
             e.occurred_at, run_id),
        )
        if wall is not None:  # uploads appended to a run add their wall-clock durations
            tx.write("UPDATE test_runs SET wall_clock_ms=COALESCE(wall_clock_ms, 0) + %s WHERE id=%s",
                     (float(wall), run_id))

    @handles(TestRun.CoverageReportRecorded)
    def coverage_report_recorded(self, tx: Tx, e: Envelope[TestRun.CoverageReportRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        ev = e.event
        tx.write(
            "INSERT INTO coverage_reports (run_id, report, name, format, covered, missed, branch_covered, "
            "branch_missed, files, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (run_id, int(ev.report), ev.name, ev.format, int(ev.covered), int(ev.missed), int(ev.branch_covered),
             int(ev.branch_missed), int(ev.files), e.occurred_at),
        )
        tx.write(
            "UPDATE test_runs SET has_coverage=%s, coverage_reports=coverage_reports+1, "
            "line_covered=line_covered+%s, line_missed=line_missed+%s, branch_covered=branch_covered+%s, "
            "branch_missed=branch_missed+%s, coverage_format=COALESCE(coverage_format, %s), coverage_at=%s, "
            "updated_at=%s WHERE id=%s",
            (True, int(ev.covered), int(ev.missed), int(ev.branch_covered), int(ev.branch_missed), ev.format,
             e.occurred_at, e.occurred_at, run_id),
        )

    @handles(TestRun.CoverageFilesRecorded)
    def coverage_files_recorded(self, tx: Tx, e: Envelope[TestRun.CoverageFilesRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        sql = (
            "INSERT INTO coverage_files (run_id, report, file_idx, path, covered, missed, branch_covered, "
            "branch_missed, missed_lines, partial_lines) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        report = int(e.event.report)
        idx = int(e.event.first)
        dumps = json.dumps
        for f in e.event.files:
            idx += 1
            tx.write(sql, (run_id, report, idx, f[0], f[1], f[2], f[3], f[4], dumps(f[5]), dumps(f[6])))

    @handles(TestRun.CoverageLinesRecorded)
    def coverage_lines_recorded(self, tx: Tx, e: Envelope[TestRun.CoverageLinesRecorded]) -> None:
        run_id = self._run_id(tx, e)
        if run_id is None:
            return
        ev = e.event
        report = int(ev.report)
        if int(ev.first) == 0 and ev.sources:
            tx.write("INSERT INTO coverage_sources (run_id, report, sources) VALUES (%s, %s, %s)",
                     (run_id, report, json.dumps(list(ev.sources))))
        idx = int(ev.first)
        dumps = json.dumps
        for lines in ev.lines:
            idx += 1
            if lines:
                tx.write("INSERT INTO coverage_lines (run_id, report, file_idx, covered_lines) VALUES (%s, %s, %s, %s)",
                         (run_id, report, idx, dumps(lines)))

    @handles(TestRun.Canceled)
    def canceled(self, tx: Tx, e: Envelope[TestRun.Canceled]) -> None:
        tx.write("UPDATE test_runs SET canceled=%s, updated_at=%s WHERE uuid=%s",
                 (True, e.occurred_at, str(e.event.originator_id)))


    @handles(CleanedUpRun.RunCleanedUp)
    def cleaned_up(self, tx: Tx, e: Envelope[CleanedUpRun.RunCleanedUp]) -> None:
        """A run removed by the retention cleanup: every row of it goes."""
        run_id = int(e.event.run_id)
        for table in self.tables:  # every table but test_runs holds rows of a run by its run_id
            if table != "test_runs":
                tx.write(f"DELETE FROM {table} WHERE run_id=%s", (run_id,))
        tx.write("DELETE FROM test_runs WHERE id=%s", (run_id,))
        self._ids.pop(str(e.event.run_uuid), None)
