"""The TestRun aggregate: one run of a CI job's tests, with its results and coverage.

A run is published through Projektor (``/groupedResults``, ``/results``) or Testery
(``/api/test-runs-upload``); it is the same run in both views. Its public ids are fixed by the
events: the numeric id is the position of the ``Created`` event, the 12-character public id is
chosen by the command and carried in that event (the aggregate's id is derived from it, so two runs
can never share one).

Results and coverage are large facts. One upload is recorded as several events saved together:
``CasesRecorded`` batches (:data:`~domain.testing.upload.CASE_BATCH` cases each, as rows of
:data:`~domain.testing.upload.CASE_COLUMNS`), ``SuitesRecorded`` and a closing ``ResultsRecorded``
with the upload's totals; a coverage report is a ``CoverageReportRecorded`` (its totals) and
``CoverageFilesRecorded`` batches with every file's counters. The aggregate itself keeps only totals.

Status (the Testery view): CANCELED once canceled; otherwise FAIL when any case failed or errored,
else PASS. A canceled run takes no more results or coverage and drops out of "current" coverage,
timelines, badges and flaky-test statistics.
"""

from __future__ import annotations

import secrets
import string
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Invalid, InvalidField, TooLarge, Unprocessable
from domain.shared.ids import index_id
from domain.testing.attachments import AttachmentLimits, StoredAttachment
from domain.testing.coverage import CoverageReport
from domain.testing.performance import PerformanceResult
from domain.testing.upload import FILE_BATCH, ResultsUpload, file_batches

PUBLIC_ID_ALPHABET = string.ascii_uppercase + string.digits
PUBLIC_ID_LENGTH = 12
SOURCES = ("projektor", "testery")
MAX_TEXT = 1000


def new_public_id() -> str:
    """12 random upper-case letters and digits (Projektor's public id)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def is_public_id(value: str) -> bool:
    return len(value) == PUBLIC_ID_LENGTH and all(c in PUBLIC_ID_ALPHABET for c in value)


def check_text(field: str, value: object, limit: int = MAX_TEXT) -> str | None:
    """Optional short text: stripped, None when empty; no control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidField(field, f"must be at most {limit} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidField(field, "must not contain control characters")
    return value


def check_sha(value: object) -> str | None:
    sha = check_text("commit", value, 64)
    if sha is None:
        return None
    if not all(c in "0123456789abcdefABCDEF" for c in sha) or len(sha) < 4:
        raise Invalid("a commit must be a hexadecimal git object id")
    return sha.lower()


class TestRun(Aggregate):
    """A run of tests: who published it, where it comes from, and totals of what it holds."""

    __test__ = False  # not a pytest test class

    class Created(Aggregate.Created):
        public_id: str
        owner: UUID
        owner_id: int
        source: str
        name: str
        repo: str | None
        project_name: str | None
        branch: str | None
        is_main_branch: bool
        commit_sha: str | None
        pull_request_number: int | None
        ci: bool
        group: str | None
        build_key: str | None
        environment: str | None
        project_id: int | None
        actor: str

    class CasesRecorded(Aggregate.Event):
        upload: int
        suite_base: int
        cases: list[list[Any]]
        actor: str

    class SuitesRecorded(Aggregate.Event):
        upload: int
        suite_base: int
        suites: list[dict[str, Any]]
        actor: str

    class ResultsRecorded(Aggregate.Event):
        upload: int
        suites: int
        tests: int
        passed: int
        failures: int
        errors: int
        skipped: int
        duration_ms: float
        slowest_ms: float
        wall_clock_ms: float | None
        actor: str

    class CoverageReportRecorded(Aggregate.Event):
        report: int
        format: str
        name: str
        covered: int
        missed: int
        branch_covered: int
        branch_missed: int
        files: int
        actor: str

    class CoverageFilesRecorded(Aggregate.Event):
        report: int
        first: int
        files: list[list[Any]]
        actor: str

    class CoverageLinesRecorded(Aggregate.Event):
        """The executed line numbers of the files of a ``CoverageFilesRecorded`` batch (same report and
        first index, one list per file), and the directories the report's paths are relative to."""

        report: int
        first: int
        sources: list[str]
        lines: list[list[int]]
        actor: str

    class Canceled(Aggregate.Event):
        actor: str

    class AttachmentAdded(Aggregate.Event):
        """An attachment's facts; its bytes are in the blob store under ``blob``."""

        name: str
        blob: str
        size: int
        sha256: str
        content_type: str
        replaced_blob: str | None
        actor: str

    class PerformanceRecorded(Aggregate.Event):
        results: list[dict[str, Any]]
        actor: str

    class CodeQualityRecorded(Aggregate.Event):
        first: int  # 1-based index of the first report
        reports: list[dict[str, Any]]  # {file_name, group_name, contents}
        actor: str

    class Noted(Aggregate.Event):
        """Things worth telling whoever reads the run (parts of an upload that were left out)."""

        messages: list[str]
        actor: str

    class Pinned(Aggregate.Event):
        actor: str

    class Unpinned(Aggregate.Event):
        actor: str

    @staticmethod
    def create_id(public_id: str) -> UUID:
        return index_id("test-run", public_id)

    @event(Created)
    def __init__(
        self,
        public_id: str,
        owner: UUID,
        owner_id: int,
        source: str,
        name: str,
        repo: str | None,
        project_name: str | None,
        branch: str | None,
        is_main_branch: bool,
        commit_sha: str | None,
        pull_request_number: int | None,
        ci: bool,
        group: str | None,
        build_key: str | None,
        environment: str | None,
        project_id: int | None,
        actor: str,
    ) -> None:
        self.public_id = public_id
        self.owner = owner
        self.owner_id = owner_id
        self.source = source
        self.name = name
        self.repo = repo
        self.project_name = project_name
        self.branch = branch
        self.is_main_branch = is_main_branch
        self.commit_sha = commit_sha
        self.group = group
        self.build_key = build_key
        self.project_id = project_id
        self.canceled = False
        self.uploads = 0
        self.suites = 0
        self.tests = 0
        self.failed = 0
        self.reports: list[str] = []  # coverage group names, in order

    @classmethod
    def start(cls, *, public_id: str, owner: UUID, owner_id: int, source: str, name: str | None,
              repo: str | None = None, project_name: str | None = None, branch: str | None = None,
              is_main_branch: bool = False, commit_sha: str | None = None, pull_request_number: int | None = None,
              ci: bool = False, group: str | None = None, build_key: str | None = None,
              environment: str | None = None, project_id: int | None = None, actor: str) -> TestRun:
        """A new run, its facts checked."""
        if not is_public_id(public_id):
            raise Invalid("a test run's public id is 12 upper-case letters or digits")
        if source not in SOURCES:
            raise Invalid(f"unknown test run source {source!r}")
        if pull_request_number is not None and (isinstance(pull_request_number, bool) or pull_request_number < 0):
            raise InvalidField("pull_request_number", "must be a positive whole number")
        repo = check_text("repo", repo, 255)
        return cls(
            public_id=public_id, owner=owner, owner_id=owner_id, source=source,
            name=check_text("name", name) or repo or "Tests",
            repo=repo, project_name=check_text("project_name", project_name, 255),
            branch=check_text("branch", branch, 255), is_main_branch=bool(is_main_branch),
            commit_sha=check_sha(commit_sha), pull_request_number=pull_request_number, ci=bool(ci),
            group=check_text("group", group, 255), build_key=check_text("build_key", build_key, 255),
            environment=check_text("environment", environment, 255), project_id=project_id, actor=actor,
        )

    def _open(self) -> None:
        if self.canceled:
            raise Unprocessable(f"test run {self.public_id} was canceled; it takes no more results")

    # --- results ---------------------------------------------------------------------------------
    def record_results(self, upload: ResultsUpload, wall_clock_ms: float | None, actor: str) -> None:
        """Record one upload of results: its case batches, its suites and its totals."""
        self._open()
        counted = upload.passed + upload.failures + upload.errors + upload.skipped
        if counted != upload.tests or upload.cases != upload.tests:
            raise Invalid("the upload's totals do not add up")
        if wall_clock_ms is not None and (wall_clock_ms != wall_clock_ms or wall_clock_ms < 0):
            raise InvalidField("wall_clock_duration", "must not be negative")
        number = self.uploads + 1
        base = self.suites
        for batch in upload.case_batches:
            self._cases_recorded(upload=number, suite_base=base, cases=batch, actor=actor)
        for start in range(0, len(upload.suites), 1000):
            self._suites_recorded(upload=number, suite_base=base + start, suites=upload.suites[start:start + 1000],
                                  actor=actor)
        self._results_recorded(
            upload=number, suites=len(upload.suites), tests=upload.tests, passed=upload.passed,
            failures=upload.failures, errors=upload.errors, skipped=upload.skipped,
            duration_ms=upload.duration_ms, slowest_ms=upload.slowest_ms, wall_clock_ms=wall_clock_ms, actor=actor,
        )

    @event(CasesRecorded)
    def _cases_recorded(self, upload: int, suite_base: int, cases: list[list[Any]], actor: str) -> None:
        pass

    @event(SuitesRecorded)
    def _suites_recorded(self, upload: int, suite_base: int, suites: list[dict[str, Any]], actor: str) -> None:
        pass

    @event(ResultsRecorded)
    def _results_recorded(self, upload: int, suites: int, tests: int, passed: int, failures: int, errors: int,
                          skipped: int, duration_ms: float, slowest_ms: float, wall_clock_ms: float | None,
                          actor: str) -> None:
        self.uploads = upload
        self.suites += suites
        self.tests += tests
        self.failed += failures + errors

    # --- coverage --------------------------------------------------------------------------------
    def record_coverage(self, report: CoverageReport, actor: str, batch_size: int = FILE_BATCH) -> str:
        """Record one coverage report with every file's counters; answers its group name."""
        self._open()
        base = report.name or report.format.value
        name = base
        n = 1
        while name in self.reports:
            n += 1
            name = f"{base} ({n})"
        branches = report.branch_totals
        number = len(self.reports) + 1
        self._coverage_report_recorded(
            report=number, format=report.format.value, name=name, covered=report.totals.covered,
            missed=report.totals.missed, branch_covered=0 if branches is None else branches.covered,
            branch_missed=0 if branches is None else branches.missed, files=len(report.files), actor=actor,
        )
        first = 0
        sources = list(report.sources)
        for batch in file_batches(report, batch_size):
            self._coverage_files_recorded(report=number, first=first, files=batch, actor=actor)
            lines = [list(f.covered_lines) for f in report.files[first:first + len(batch)]]
            if sources or any(lines):
                self._coverage_lines_recorded(report=number, first=first, sources=sources, lines=lines, actor=actor)
            first += len(batch)
        return name

    @event(CoverageReportRecorded)
    def _coverage_report_recorded(self, report: int, format: str, name: str, covered: int, missed: int,
                                  branch_covered: int, branch_missed: int, files: int, actor: str) -> None:
        self.reports.append(name)

    @event(CoverageFilesRecorded)
    def _coverage_files_recorded(self, report: int, first: int, files: list[list[Any]], actor: str) -> None:
        pass

    @event(CoverageLinesRecorded)
    def _coverage_lines_recorded(self, report: int, first: int, sources: list[str], lines: list[list[int]],
                                 actor: str) -> None:
        pass

    # --- cancel ----------------------------------------------------------------------------------
    def cancel(self, actor: str) -> None:
        """Cancel the run (nothing happens when it is canceled already)."""
        if not self.canceled:
            self._canceled(actor=actor)

    @event(Canceled)
    def _canceled(self, actor: str) -> None:
        self.canceled = True

    # --- attachments ---------------------------------------------------------------------------
    # (runs snapshotted before attachments existed have none of these attributes: read with defaults)
    @property
    def attachments(self) -> dict[str, list[Any]]:
        """name -> [blob key, size]."""
        found: dict[str, list[Any]] | None = getattr(self, "_attachments", None)
        if found is None:
            found = {}
            self._attachments = found
        return found

    @property
    def attachment_bytes(self) -> int:
        return sum(int(size) for _, size in self.attachments.values())

    def add_attachment(self, attachment: StoredAttachment, limits: AttachmentLimits, actor: str) -> str | None:
        """Record an attachment (replacing one of the same name); answers the replaced blob's key."""
        self._open()
        previous = self.attachments.get(attachment.name)
        used = self.attachment_bytes - (int(previous[1]) if previous else 0)
        if attachment.size > limits.max_file_bytes:
            raise TooLarge(f"attachment {attachment.name} is larger than the limit of {limits.max_file_bytes} bytes",
                           error="ATTACHMENT_TOO_LARGE")
        if used + attachment.size > limits.max_run_bytes:
            raise TooLarge(f"the run's attachments would exceed the limit of {limits.max_run_bytes} bytes per run",
                           error="ATTACHMENT_TOO_LARGE")
        replaced = str(previous[0]) if previous else None
        self._attachment_added(name=attachment.name, blob=attachment.blob, size=attachment.size,
                               sha256=attachment.sha256, content_type=attachment.content_type,
                               replaced_blob=replaced, actor=actor)
        return replaced

    @event(AttachmentAdded)
    def _attachment_added(self, name: str, blob: str, size: int, sha256: str, content_type: str,
                          replaced_blob: str | None, actor: str) -> None:
        self.attachments[name] = [blob, size]

    # --- performance, code quality, messages -------------------------------------------------------
    def record_performance(self, results: list[PerformanceResult], actor: str) -> None:
        self._open()
        if results:
            self._performance_recorded(results=[{
                "name": r.name, "request_count": r.request_count, "requests_per_second": r.requests_per_second,
                "average": r.average, "maximum": r.maximum, "p95": r.p95} for r in results], actor=actor)

    @event(PerformanceRecorded)
    def _performance_recorded(self, results: list[dict[str, Any]], actor: str) -> None:
        pass

    def record_code_quality(self, reports: list[dict[str, Any]], actor: str) -> None:
        self._open()
        if reports:
            first = getattr(self, "quality_reports", 0) + 1
            self._code_quality_recorded(first=first, reports=reports, actor=actor)

    @event(CodeQualityRecorded)
    def _code_quality_recorded(self, first: int, reports: list[dict[str, Any]], actor: str) -> None:
        self.quality_reports = first - 1 + len(reports)

    def note(self, messages: list[str], actor: str) -> None:
        if messages:
            self._noted(messages=[m[:MAX_TEXT].replace("\x00", "\ufffd") for m in messages], actor=actor)

    @event(Noted)
    def _noted(self, messages: list[str], actor: str) -> None:
        pass

    # --- pinning (pinned runs are kept by the retention cleanup) -----------------------------------
    @property
    def pinned(self) -> bool:
        return bool(getattr(self, "_pinned", False))

    def pin(self, actor: str) -> None:
        if not self.pinned:
            self._pinned_event(actor=actor)

    def unpin(self, actor: str) -> None:
        if self.pinned:
            self._unpinned_event(actor=actor)

    @event(Pinned)
    def _pinned_event(self, actor: str) -> None:
        self._pinned = True

    @event(Unpinned)
    def _unpinned_event(self, actor: str) -> None:
        self._pinned = False

    @property
    def status(self) -> str:
        if self.canceled:
            return "CANCELED"
        return "FAIL" if self.failed else "PASS"


class RunGroup(Aggregate):
    """Reserves a (publisher, repository, group) for one run: later uploads with the same group are
    appended to it. Created in the same save as its run, so two first uploads of a group race on it
    in the event store and the loser appends."""

    class Created(Aggregate.Created):
        owner: UUID
        repo: str
        group: str
        run_id: UUID
        actor: str

    @staticmethod
    def create_id(owner: UUID, repo: str, group: str) -> UUID:
        return index_id("test-run-group", f"{owner}\x00{repo}\x00{group}")

    @event(Created)
    def __init__(self, owner: UUID, repo: str, group: str, run_id: UUID, actor: str) -> None:
        self.owner = owner
        self.repo = repo
        self.group = group
        self.run_id = run_id


class CleanedUpRun(Aggregate):
    """The fact that a run was removed by the retention cleanup: who, when, and what was erased.

    The run's own events (and its group's) are deleted from the event store by the cleanup; this
    aggregate, with its own id, keeps the fact. ``erased`` names the aggregates whose streams were
    deleted, so read models drop what they hold of them (a rebuild never sees them)."""

    class RunCleanedUp(Aggregate.Created):
        public_id: str
        run_id: int
        run_uuid: str
        erased: list[str]
        created_at: str
        retention_days: int | None
        bytes_freed: int
        actor: str

    @staticmethod
    def create_id(public_id: str) -> UUID:
        return index_id("test-run-cleaned-up", public_id)

    @event(RunCleanedUp)
    def __init__(self, public_id: str, run_id: int, run_uuid: str, erased: list[str], created_at: str,
                 retention_days: int | None, bytes_freed: int, actor: str) -> None:
        self.public_id = public_id
        self.bytes_freed = bytes_freed


class ProcessingFailure(Aggregate):
    """An upload that could not be processed (Projektor's results processing failure): its error, the
    start of its body and what kind of body it was. Nothing else of it is recorded."""

    class Failed(Aggregate.Created):
        public_id: str
        body_type: str  # TEST_RESULTS or COVERAGE
        body: str
        failure_message: str
        actor: str

    @staticmethod
    def create_id(public_id: str) -> UUID:
        return index_id("test-run-processing-failure", public_id)

    @event(Failed)
    def __init__(self, public_id: str, body_type: str, body: str, failure_message: str, actor: str) -> None:
        self.public_id = public_id
