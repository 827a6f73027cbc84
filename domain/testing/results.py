"""Test-result value objects: cases, suites and summary counts.

Large text fields (failure messages, stack traces, captured output) are bounded by
:class:`TextLimits`, so one huge upload cannot blow memory: :class:`BoundedText` keeps at most
``limit`` characters of what it is fed and only counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

TRUNCATION_MARKER = "\n... [truncated: {omitted} more characters]"


@dataclass(frozen=True, slots=True)
class TextLimits:
    """Maximum characters kept per text field (the rest is dropped and a marker appended)."""

    max_name_chars: int = 2_000
    max_message_chars: int = 4_000
    max_stack_trace_chars: int = 32_000
    max_output_chars: int = 32_000
    keep_output: bool = True

    def __post_init__(self) -> None:
        for field_name in ("max_name_chars", "max_message_chars", "max_stack_trace_chars", "max_output_chars"):
            if getattr(self, field_name) < 0:
                raise ValueError(f"{field_name} cannot be negative")


DEFAULT_LIMITS = TextLimits()


def truncate_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how much was dropped."""
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_MARKER.format(omitted=len(text) - limit)


class BoundedText:
    """Accumulates text pieces, keeping at most ``limit`` characters."""

    __slots__ = ("_length", "_limit", "_parts", "_total")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[str] = []
        self._length = 0
        self._total = 0

    def add(self, piece: str) -> None:
        self._total += len(piece)
        room = self._limit - self._length
        if room <= 0:
            return
        if len(piece) > room:
            piece = piece[:room]
        self._parts.append(piece)
        self._length += len(piece)

    @property
    def total_chars(self) -> int:
        return self._total

    @property
    def truncated(self) -> bool:
        return self._total > self._length

    def value(self) -> str:
        text = "".join(self._parts)
        if self.truncated:
            text += TRUNCATION_MARKER.format(omitted=self._total - self._length)
        return text


class TestStatus(StrEnum):
    __test__ = False  # not a pytest test class

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class TestCase:
    """One test case. ``failure_*`` and ``stack_trace`` describe the first failure or error."""

    __test__ = False  # not a pytest test class

    suite: str
    classname: str | None
    name: str
    file: str | None
    duration_ms: float
    status: TestStatus
    failure_message: str | None = None
    failure_type: str | None = None
    stack_trace: str | None = None
    skipped_message: str | None = None
    system_out: str | None = None
    system_err: str | None = None

    @property
    def passed(self) -> bool:
        return self.status is TestStatus.PASSED

    @property
    def full_name(self) -> str:
        return f"{self.classname}.{self.name}" if self.classname else self.name


@dataclass(frozen=True, slots=True)
class TestSummary:
    """Counts of a set of test cases. ``failures`` and ``errors`` are separate, as JUnit has them."""

    __test__ = False  # not a pytest test class

    tests: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    duration_ms: float = 0.0

    @property
    def failed(self) -> bool:
        """True when any case failed or errored."""
        return self.failures + self.errors > 0

    def __add__(self, other: TestSummary) -> TestSummary:
        if not isinstance(other, TestSummary):
            return NotImplemented
        return TestSummary(
            tests=self.tests + other.tests,
            passed=self.passed + other.passed,
            failures=self.failures + other.failures,
            errors=self.errors + other.errors,
            skipped=self.skipped + other.skipped,
            duration_ms=self.duration_ms + other.duration_ms,
        )

    def with_case(self, case: TestCase) -> TestSummary:
        """This summary plus one case (duration included)."""
        status = case.status
        return TestSummary(
            tests=self.tests + 1,
            passed=self.passed + (status is TestStatus.PASSED),
            failures=self.failures + (status is TestStatus.FAILED),
            errors=self.errors + (status is TestStatus.ERROR),
            skipped=self.skipped + (status is TestStatus.SKIPPED),
            duration_ms=self.duration_ms + case.duration_ms,
        )

    @classmethod
    def of_cases(cls, cases: Iterable[TestCase]) -> TestSummary:
        counts = dict.fromkeys(TestStatus, 0)
        duration = 0.0
        for case in cases:
            counts[case.status] += 1
            duration += case.duration_ms
        return cls(
            tests=sum(counts.values()),
            passed=counts[TestStatus.PASSED],
            failures=counts[TestStatus.FAILED],
            errors=counts[TestStatus.ERROR],
            skipped=counts[TestStatus.SKIPPED],
            duration_ms=duration,
        )


@dataclass(frozen=True, slots=True)
class TestSuite:
    """One test suite.

    The counts are those of the cases the report actually contains (a case passes when it has no
    failure or error), not the attributes the reporter wrote. ``cases`` may be empty when the suite
    came from a streaming parse that handed the cases out one by one.
    """

    __test__ = False  # not a pytest test class

    name: str
    package: str | None
    hostname: str | None
    timestamp: str | None
    tests: int
    failures: int
    errors: int
    skipped: int
    duration_ms: float
    cases: tuple[TestCase, ...] = ()
    file: str | None = None
    system_out: str | None = None
    system_err: str | None = None

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def summary(self) -> TestSummary:
        return TestSummary(
            tests=self.tests,
            passed=self.passed,
            failures=self.failures,
            errors=self.errors,
            skipped=self.skipped,
            duration_ms=self.duration_ms,
        )


def summarize(suites: Iterable[TestSuite]) -> TestSummary:
    """Totals over suites (suite durations are summed)."""
    total = TestSummary()
    for suite in suites:
        total = total + suite.summary
    return total
