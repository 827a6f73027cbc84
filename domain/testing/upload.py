"""What one upload of test results or coverage becomes before it is recorded: compact batches.

A results upload can hold hundreds of thousands of test cases, so cases are kept as short lists
(columns in :data:`CASE_COLUMNS`), never as objects, and are cut into batches of
:data:`CASE_BATCH` cases: each batch becomes one event. :class:`ResultsCollector` is fed the cases
and suites a streaming JUnit parser hands out, one at a time, and refuses an upload that is too big
(:class:`~domain.shared.errors.TooLarge`) before it is held in memory.

The parser hands out the cases of a suite before the suite itself, so a case belongs to the next
suite handed out. (A suite that directly holds cases *and* nested suites would have its cases
attributed to the nested suite that closes first; no reporter we know writes such files.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.shared.errors import Invalid, TooLarge
from domain.testing.coverage import CoverageReport, FileCoverage
from domain.testing.results import TestCase, TestStatus, TestSuite, TextLimits, truncate_text

CASE_BATCH = 2000
FILE_BATCH = 5000

# the columns of a recorded test case, in order
CASE_COLUMNS = (
    "suite",  # 0-based ordinal of its suite within the upload (the event adds the run's offset)
    "idx",  # 1-based position within its suite
    "classname",
    "name",
    "file",
    "duration_ms",
    "status",  # PASSED, FAILED, ERROR, SKIPPED
    "failure_message",
    "failure_type",
    "stack_trace",
    "skipped_message",
    "has_system_out",
    "has_system_err",
)
CASE = {name: i for i, name in enumerate(CASE_COLUMNS)}

# the columns of a recorded coverage file, in order
FILE_COLUMNS = ("path", "covered", "missed", "branch_covered", "branch_missed", "missed_lines", "partial_lines")
FILE = {name: i for i, name in enumerate(FILE_COLUMNS)}

# What the JUnit parser should keep of each case: output only to know whether there was any.
PARSE_LIMITS = TextLimits(max_name_chars=2_000, max_message_chars=4_000, max_stack_trace_chars=16_000,
                          max_output_chars=64)
SHORT_STACK_TRACE = 1_000  # once an upload's text budget is spent, further stack traces keep this much


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload may hold: test cases, and characters of failure text in total."""

    max_cases: int = 500_000
    max_text_chars: int = 64_000_000
    max_coverage_files: int = 200_000

    def __post_init__(self) -> None:
        if self.max_cases < 1 or self.max_text_chars < 0 or self.max_coverage_files < 1:
            raise ValueError("upload limits must be positive")


@dataclass(frozen=True)
class ResultsUpload:
    """One upload of test results: suites (dicts), cases in batches of rows, and their totals."""

    suites: list[dict[str, Any]]
    case_batches: list[list[list[Any]]]
    tests: int
    passed: int
    failures: int
    errors: int
    skipped: int
    duration_ms: float
    slowest_ms: float

    @property
    def cases(self) -> int:
        return sum(len(batch) for batch in self.case_batches)


@dataclass
class _Group:
    name: str | None = None
    label: str | None = None
    directory: str | None = None


@dataclass
class ResultsCollector:
    """Builds a :class:`ResultsUpload` from the items a streaming JUnit parser hands out."""

    limits: UploadLimits = field(default_factory=UploadLimits)
    batch_size: int = CASE_BATCH

    def __post_init__(self) -> None:
        self._suites: list[dict[str, Any]] = []
        self._batches: list[list[list[Any]]] = []
        self._batch: list[list[Any]] = []
        self._in_suite = 0
        self._cases = 0
        self._text = 0
        self._counts = dict.fromkeys(TestStatus, 0)
        self._duration = 0.0
        self._slowest = 0.0
        self._groups: list[_Group] = []
        self._strings: dict[str, str] = {}

    # -- groups (Projektor's groupedTestSuites) ------------------------------------------------
    def begin_group(self) -> int:
        """Start a group of suites; its name may be given later (JSON keys come in any order)."""
        self._groups.append(_Group())
        return len(self._groups) - 1

    def name_group(self, index: int, name: str | None, label: str | None, directory: str | None) -> None:
        self._groups[index] = _Group(name, label, directory)

    # -- items --------------------------------------------------------------------------------
    def add(self, item: TestCase | TestSuite) -> None:
        if isinstance(item, TestCase):
            self.add_case(item)
        else:
            self.add_suite(item)

    def add_all(self, items: Iterable[TestCase | TestSuite]) -> None:
        for item in items:
            self.add(item)

    def _share(self, text: str | None) -> str | None:
        if text is None:
            return None
        return self._strings.setdefault(text, text) if len(self._strings) < 100_000 else text

    def add_case(self, case: TestCase) -> None:
        self._cases += 1
        if self._cases > self.limits.max_cases:
            raise TooLarge(f"too many test cases in one upload (more than {self.limits.max_cases})")
        self._in_suite += 1
        stack = case.stack_trace
        if stack is not None:
            if self._text >= self.limits.max_text_chars:
                stack = truncate_text(stack, SHORT_STACK_TRACE)
            self._text += len(stack) + len(case.failure_message or "")
        status = case.status
        self._counts[status] += 1
        duration = case.duration_ms
        self._duration += duration
        if duration > self._slowest:
            self._slowest = duration
        self._batch.append([
            len(self._suites), self._in_suite, self._share(case.classname), case.name, self._share(case.file),
            duration, status.value, case.failure_message, case.failure_type, stack, case.skipped_message,
            case.system_out is not None, case.system_err is not None,
        ])
        if len(self._batch) >= self.batch_size:
            self._batches.append(self._batch)
            self._batch = []

    def add_suite(self, suite: TestSuite) -> None:
        group = len(self._groups) - 1
        self._suites.append({
            "group": group,
            "name": suite.name,
            "package": suite.package,
            "file": suite.file,
            "hostname": suite.hostname,
            "timestamp": suite.timestamp,
            "tests": suite.tests,
            "failures": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
            "duration_ms": suite.duration_ms,
            "has_system_out": suite.system_out is not None,
            "has_system_err": suite.system_err is not None,
        })
        self._in_suite = 0

    def finish(self) -> ResultsUpload:
        if self._batch:
            self._batches.append(self._batch)
            self._batch = []
        if self._in_suite:
            raise Invalid("test cases outside of any test suite")
        suites = []
        for suite in self._suites:
            index = suite.pop("group")
            group = self._groups[index] if index >= 0 else _Group()
            suites.append({**suite, "group_name": group.name, "group_label": group.label,
                           "directory": group.directory})
        counts = self._counts
        return ResultsUpload(
            suites=suites,
            case_batches=self._batches,
            tests=self._cases,
            passed=counts[TestStatus.PASSED],
            failures=counts[TestStatus.FAILED],
            errors=counts[TestStatus.ERROR],
            skipped=counts[TestStatus.SKIPPED],
            duration_ms=round(self._duration, 3),
            slowest_ms=self._slowest,
        )


def file_row(file: FileCoverage) -> list[Any]:
    branches = file.branches
    return [
        file.path, file.covered, file.missed,
        None if branches is None else branches.covered, None if branches is None else branches.missed,
        list(file.missed_lines), list(file.partial_lines),
    ]


def file_batches(report: CoverageReport, batch_size: int = FILE_BATCH) -> list[list[list[Any]]]:
    rows = [file_row(f) for f in report.files]
    return [rows[i:i + batch_size] for i in range(0, len(rows), batch_size)]
