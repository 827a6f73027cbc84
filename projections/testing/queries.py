"""Queries the API asks of the test-run read model.

Every query that lists runs takes a :class:`Viewer`: a run is visible to the user who published it,
to members of the coderadar project it names, and to platform admins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projections.store import ReadStore, Row

RUN_FIELDS = (
    "r.id, r.public_id, r.uuid, r.owner_id, r.project_id, r.source, r.name, r.repo, r.org, r.project_name, "
    "r.branch, r.is_main_branch, r.commit_sha, r.pull_request_number, r.ci, r.run_group, r.build_key, "
    "r.environment, r.canceled, r.created_at, r.updated_at, r.results_at, r.uploads, r.suites, r.tests, r.passed, "
    "r.failures, r.errors, r.skipped, r.duration_ms, r.slowest_ms, r.wall_clock_ms, r.has_coverage, "
    "r.coverage_reports, r.line_covered, r.line_missed, r.branch_covered, r.branch_missed, r.coverage_format, "
    "r.coverage_at"
)
BOOLEAN_FIELDS = ("is_main_branch", "ci", "canceled", "has_coverage")
CASE_FIELDS = (
    "c.run_id, c.suite_idx, c.idx, c.classname, c.name, c.file, c.duration_ms, c.status, c.failure_message, "
    "c.failure_type, c.stack_trace, c.skipped_message, c.has_system_out, c.has_system_err"
)


@dataclass(frozen=True)
class Viewer:
    """Who is asking: their user id, whether they are a platform admin, and the projects they have a
    role in.

    A run is visible to its publisher, to platform admins, to the members of the project it was
    published for, and to the members of a project whose imported history holds its commit (such a
    run is listed under that commit: its views open for them too)."""

    user_id: int
    admin: bool = False
    projects: tuple[int, ...] = ()

    @classmethod
    def everyone(cls) -> Viewer:
        """Whoever asks, when test results are public: sees every run."""
        return cls(0, admin=True)

    def clause(self, alias: str = "r") -> tuple[str, list[Any]]:
        if self.admin:
            return "1=1", []
        parts = [f"{alias}.owner_id = %s"]
        params: list[Any] = [self.user_id]
        if self.projects:
            marks = ", ".join(["%s"] * len(self.projects))
            parts.append(f"{alias}.project_id IN ({marks})")
            parts.append(f"EXISTS (SELECT 1 FROM history_commits hc WHERE hc.project_id IN ({marks}) "
                         f"AND hc.hash = {alias}.commit_sha AND hc.reachable)")
            params += [*self.projects, *self.projects]
        return "(" + " OR ".join(parts) + ")", params

    def sees(self, run: Row, store: ReadStore) -> bool:
        if self.admin or int(run["owner_id"]) == self.user_id:
            return True
        if run["project_id"] is not None and int(run["project_id"]) in self.projects:
            return True
        if not self.projects or not run["commit_sha"]:
            return False
        marks = ", ".join(["%s"] * len(self.projects))
        return store.fetchone(
            f"SELECT 1 AS found FROM history_commits WHERE project_id IN ({marks}) AND hash = %s AND reachable",
            (*self.projects, run["commit_sha"]),
        ) is not None


def _run(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for name in BOOLEAN_FIELDS:
        out[name] = bool(out[name])
    return out


def _runs(rows: list[Row]) -> list[dict[str, Any]]:
    return [r for r in (_run(row) for row in rows) if r is not None]


def _case(row: Row) -> dict[str, Any]:
    return {**row, "has_system_out": bool(row["has_system_out"]), "has_system_err": bool(row["has_system_err"])}


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# --- single runs ----------------------------------------------------------------------------------
def run_by_public_id(store: ReadStore, public_id: str) -> dict[str, Any] | None:
    return _run(store.fetchone(f"SELECT {RUN_FIELDS} FROM test_runs r WHERE r.public_id=%s", (public_id,)))


def run_by_id(store: ReadStore, run_id: int) -> dict[str, Any] | None:
    return _run(store.fetchone(f"SELECT {RUN_FIELDS} FROM test_runs r WHERE r.id=%s", (run_id,)))


def list_runs(store: ReadStore, viewer: Viewer, limit: int, offset: int = 0,
              build_key: str | None = None) -> list[dict[str, Any]]:
    """Visible runs, newest first."""
    where, params = viewer.clause()
    if build_key is not None:
        where += " AND r.build_key = %s"
        params.append(build_key)
    return _runs(store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE {where} ORDER BY r.id DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ))


def runs_of_commit(store: ReadStore, commit_sha: str, viewer: Viewer | None = None) -> list[dict[str, Any]]:
    """The runs of a commit (by full sha, or a prefix of at least 7 characters), oldest first: those
    ``viewer`` sees, or every run of it without a viewer (a project's members see every run of one of
    their project's commits, whoever published it)."""
    sha = commit_sha.strip().lower()
    params: list[Any]
    if viewer is None:
        where, params = "1=1", []
    else:
        where, params = viewer.clause()
    if len(sha) >= 40:
        condition, value = "r.commit_sha = %s", sha
    else:
        condition, value = "r.commit_sha LIKE %s", sha.replace("%", "").replace("_", "") + "%"
    return _runs(store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE {condition} AND {where} ORDER BY r.id", (value, *params)
    ))


# --- suites and cases -----------------------------------------------------------------------------
def suites_of(store: ReadStore, run_id: int) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT idx, upload, group_name, group_label, directory, name, package, file, hostname, started, tests, "
        "failures, errors, skipped, duration_ms, has_system_out, has_system_err FROM test_suites WHERE run_id=%s "
        "ORDER BY idx", (run_id,),
    )
    return [{**r, "has_system_out": bool(r["has_system_out"]), "has_system_err": bool(r["has_system_err"])}
            for r in rows]


def cases_of(store: ReadStore, run_id: int, statuses: Sequence[str] | None = None, limit: int | None = None,
             offset: int = 0) -> list[dict[str, Any]]:
    """A run's cases in order (suite, then position), optionally only some statuses, with their
    suite's name and package."""
    sql = (f"SELECT {CASE_FIELDS}, s.name AS suite_name, s.package AS suite_package, "
           "s.has_system_out AS suite_out, s.has_system_err AS suite_err FROM test_cases c "
           "LEFT JOIN test_suites s ON s.run_id = c.run_id AND s.idx = c.suite_idx WHERE c.run_id=%s")
    params: list[Any] = [run_id]
    if statuses:
        sql += f" AND c.status IN ({_in(statuses)})"
        params += list(statuses)
    sql += " ORDER BY c.suite_idx, c.idx"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return [_case_with_suite(r) for r in store.fetchall(sql, params)]


def slowest_cases(store: ReadStore, run_id: int, limit: int = 10) -> list[dict[str, Any]]:
    rows = store.fetchall(
        f"SELECT {CASE_FIELDS}, s.name AS suite_name, s.package AS suite_package, "
        "s.has_system_out AS suite_out, s.has_system_err AS suite_err FROM test_cases c "
        "LEFT JOIN test_suites s ON s.run_id = c.run_id AND s.idx = c.suite_idx WHERE c.run_id=%s "
        "ORDER BY c.duration_ms DESC, c.suite_idx, c.idx LIMIT %s", (run_id, limit),
    )
    return [_case_with_suite(r) for r in rows]


def _case_with_suite(row: Row) -> dict[str, Any]:
    out = _case(row)
    out["suite_out"] = bool(row["suite_out"])
    out["suite_err"] = bool(row["suite_err"])
    return out


# --- coverage -------------------------------------------------------------------------------------
def coverage_reports_of(store: ReadStore, run_id: int) -> list[Row]:
    return store.fetchall(
        "SELECT report, name, format, covered, missed, branch_covered, branch_missed, files, recorded_at "
        "FROM coverage_reports WHERE run_id=%s ORDER BY report", (run_id,),
    )


def coverage_files_of(store: ReadStore, run_id: int, report: int) -> list[Row]:
    return store.fetchall(
        "SELECT file_idx, path, covered, missed, branch_covered, branch_missed, missed_lines, partial_lines "
        "FROM coverage_files WHERE run_id=%s AND report=%s ORDER BY file_idx", (run_id, report),
    )


def _repo_filters(repo: str, project: str | None, branch: str | None, mainline: bool) -> tuple[str, list[Any]]:
    clauses = ["r.repo = %s", "NOT r.canceled"]
    params: list[Any] = [repo]
    if project is None:
        clauses.append("r.project_name IS NULL")
    else:
        clauses.append("r.project_name = %s")
        params.append(project)
    if branch is not None:
        clauses.append("r.branch = %s")
        params.append(branch)
    elif mainline:
        clauses.append("r.is_main_branch = %s")
        params.append(True)
    return " AND ".join(clauses), params


def latest_run(store: ReadStore, viewer: Viewer, repo: str, project: str | None = None, branch: str | None = None,
               mainline: bool = True, with_coverage: bool = False, before: int | None = None) -> dict[str, Any] | None:
    """The newest visible run of a repository (and project: None means runs without one) on its main
    branch (or on ``branch``), optionally only runs with coverage or older than run ``before``."""
    where, params = _repo_filters(repo, project, branch, mainline)
    if with_coverage:
        where += " AND r.has_coverage = %s"
        params.append(True)
    if before is not None:
        where += " AND r.id < %s"
        params.append(before)
    seen, seen_params = viewer.clause()
    return _run(store.fetchone(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE {where} AND {seen} ORDER BY r.id DESC LIMIT 1",
        (*params, *seen_params),
    ))


def organization_coverage(store: ReadStore, viewer: Viewer, org: str) -> list[dict[str, Any]]:
    """For each (repository, project) of the organization: its newest visible main-branch run with
    coverage. Ordered by repository, then project (none first)."""
    seen, params = viewer.clause()
    rows = store.fetchall(
        f"SELECT * FROM (SELECT {RUN_FIELDS}, ROW_NUMBER() OVER (PARTITION BY r.repo, COALESCE(r.project_name, '') "
        "ORDER BY r.id DESC) AS newest FROM test_runs r WHERE r.org = %s AND r.has_coverage = %s "
        f"AND r.is_main_branch = %s AND NOT r.canceled AND {seen}) x WHERE x.newest = 1 "
        "ORDER BY x.repo, COALESCE(x.project_name, '')",
        (org, True, True, *params),
    )
    for row in rows:
        row.pop("newest", None)
    return _runs(rows)


def coverage_timeline(store: ReadStore, viewer: Viewer, repo: str, project: str | None,
                      mainline: bool) -> list[dict[str, Any]]:
    where, params = _repo_filters(repo, project, None, mainline)
    seen, seen_params = viewer.clause()
    return _runs(store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE {where} AND r.has_coverage = %s AND {seen} ORDER BY r.id",
        (*params, True, *seen_params),
    ))


# --- flaky tests ----------------------------------------------------------------------------------
def recent_runs(store: ReadStore, viewer: Viewer, repo: str, project: str | None, mainline: bool,
                limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` visible runs with test results of a repository, newest first."""
    where, params = _repo_filters(repo, project, None, mainline)
    seen, seen_params = viewer.clause()
    return _runs(store.fetchall(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE {where} AND r.uploads > 0 AND {seen} "
        "ORDER BY r.id DESC LIMIT %s",
        (*params, *seen_params, limit),
    ))


def failed_cases_in(store: ReadStore, run_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Failed and errored cases of the given runs, newest run first."""
    if not run_ids:
        return []
    rows = store.fetchall(
        f"SELECT {CASE_FIELDS}, s.name AS suite_name, s.package AS suite_package, s.has_system_out AS suite_out, "
        "s.has_system_err AS suite_err FROM test_cases c LEFT JOIN test_suites s "
        "ON s.run_id = c.run_id AND s.idx = c.suite_idx "
        f"WHERE c.run_id IN ({_in(run_ids)}) AND c.status IN (%s, %s) ORDER BY c.run_id DESC, c.suite_idx, c.idx",
        (*run_ids, "FAILED", "ERROR"),
    )
    return [_case_with_suite(r) for r in rows]


# --- patch coverage -------------------------------------------------------------------------------
def newest_coverage_run(store: ReadStore, commit_sha: str) -> dict[str, Any] | None:
    """The newest run with coverage (not canceled) whose commit is ``commit_sha`` (full hash)."""
    return _run(store.fetchone(
        f"SELECT {RUN_FIELDS} FROM test_runs r WHERE r.commit_sha = %s AND r.has_coverage AND NOT r.canceled "
        "ORDER BY r.id DESC LIMIT 1", (commit_sha.lower(),),
    ))


def coverage_line_files(store: ReadStore, run_id: int) -> list[Row]:
    """Every file of every coverage report of a run with its executed and missed line numbers (JSON
    text) and its report's sources (JSON text or None)."""
    return store.fetchall(
        "SELECT f.report, f.file_idx, f.path, f.covered, f.missed, f.missed_lines, l.covered_lines, s.sources "
        "FROM coverage_files f LEFT JOIN coverage_lines l ON l.run_id = f.run_id AND l.report = f.report "
        "AND l.file_idx = f.file_idx LEFT JOIN coverage_sources s ON s.run_id = f.run_id AND s.report = f.report "
        "WHERE f.run_id = %s ORDER BY f.report, f.file_idx", (run_id,),
    )
