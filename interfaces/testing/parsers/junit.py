"""JUnit XML test results, read as a stream.

Accepts what pytest (``--junitxml``), Jest (jest-junit), Gradle, Maven Surefire, Cypress
(mocha-junit-reporter) and go-junit-report write: a ``<testsuites>`` root or a bare ``<testsuite>``
root, nested test suites, and several documents concatenated (Projektor's ``testSuitesBlob``).

A case passes when it has no ``<failure>``/``<error>``; it is skipped when it has ``<skipped>``
(and no failure or error). Surefire's ``flakyFailure``/``rerunFailure`` elements (failures of a
retried test that finally passed) do not fail a case.

Each ``<testsuite>`` that directly holds test cases, or holds neither cases nor other suites, becomes
one :class:`TestSuite`; a suite that only groups other suites is not reported itself (its children
are), so no case is counted twice. A suite's counts are those of the cases it holds.

Three ways to read, all streaming (the XML is never held as a tree):

* :func:`iter_junit` yields each :class:`TestCase` as soon as it has closed, then its suite with
  ``cases=()``: memory stays bounded whatever the size of a suite;
* :func:`iter_test_suites` yields each suite with its cases;
* :func:`parse_junit` returns all suites.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from domain.testing.results import (
    DEFAULT_LIMITS,
    BoundedText,
    TestCase,
    TestStatus,
    TestSuite,
    TextLimits,
    truncate_text,
)
from interfaces.testing.parsers._xml import ReportSource, SafeXmlParser, iter_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "JUnit XML"
_ROOTS = frozenset({"testsuites", "testsuite"})
_FAILURE_STATUS = {"failure": TestStatus.FAILED, "error": TestStatus.ERROR}


def duration_ms(seconds: str | None) -> float | None:
    """A JUnit ``time`` attribute (seconds) in milliseconds; None when absent or unreadable.

    Accepts a decimal comma ("0,25") and grouping commas ("1,234.5", old Surefire).
    """
    if seconds is None:
        return None
    text = seconds.strip()
    if not text:
        return None
    if "," in text:
        text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return round(value * 1000.0, 3)


def _optional(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return truncate_text(value, limit) if value else None


class _CaseBuilder:
    __slots__ = (
        "classname",
        "duration",
        "failure_message",
        "failure_type",
        "file",
        "name",
        "skipped_message",
        "skipped_text",
        "stack",
        "status",
        "system_err",
        "system_out",
    )

    def __init__(self, name: str, classname: str | None, file: str | None, duration: float) -> None:
        self.name = name
        self.classname = classname
        self.file = file
        self.duration = duration
        self.status = TestStatus.PASSED
        self.failure_message: str | None = None
        self.failure_type: str | None = None
        self.stack: BoundedText | None = None
        self.skipped_message: str | None = None
        self.skipped_text: BoundedText | None = None
        self.system_out: BoundedText | None = None
        self.system_err: BoundedText | None = None


class _SuiteBuilder:
    __slots__ = (
        "cases",
        "duration",
        "errors",
        "failures",
        "file",
        "has_child_suites",
        "hostname",
        "name",
        "package",
        "skipped",
        "strings",
        "system_err",
        "system_out",
        "tests",
        "timestamp",
    )

    def __init__(
        self,
        name: str,
        package: str | None,
        hostname: str | None,
        timestamp: str | None,
        file: str | None,
        duration: float | None,
    ) -> None:
        self.name = name
        self.package = package
        self.hostname = hostname
        self.timestamp = timestamp
        self.file = file
        self.duration = duration
        self.has_child_suites = False
        self.cases: list[TestCase] = []
        self.tests = self.failures = self.errors = self.skipped = 0
        self.system_out: BoundedText | None = None
        self.system_err: BoundedText | None = None
        self.strings: dict[str, str] = {}  # shares repeated class names and file names between cases


class _JUnitHandler:
    """Turns expat events into cases and suites, appended to ``items`` as they complete."""

    def __init__(self, limits: TextLimits, keep_cases: bool) -> None:
        self.limits = limits
        self.keep_cases = keep_cases
        self.items: list[TestCase | TestSuite] = []
        self._path: list[str] = []
        self._suites: list[_SuiteBuilder] = []
        self._case: _CaseBuilder | None = None
        self._capture: BoundedText | None = None
        self._capture_depth = 0  # depth of the element whose text is being captured
        self._root_name = ""
        self._stray: _SuiteBuilder | None = None  # cases found outside any <testsuite>
        self._document_file: str | None = None

    # -- events -------------------------------------------------------------------------------
    def start(self, name: str, attrs: dict[str, str]) -> None:
        path = self._path
        parent = path[-1] if path else None
        path.append(name)
        if parent is None:
            if name not in _ROOTS:
                raise ReportError(f"{WHAT}: the root element must be <testsuites> or <testsuite>, not <{name}>")
            self._root_name = attrs.get("name", "")
            self._document_file = None
        if name == "testcase":
            self._start_case(attrs)
        elif name == "testsuite":
            self._start_suite(attrs)
        elif parent == "testcase" and self._case is not None:
            self._start_case_child(self._case, name, attrs)
        elif parent == "testsuite" and name in ("system-out", "system-err") and self.limits.keep_output:
            suite = self._suites[-1]
            text = BoundedText(self.limits.max_output_chars)
            if name == "system-out":
                suite.system_out = text
            else:
                suite.system_err = text
            self._capture, self._capture_depth = text, len(path)

    def text(self, data: str) -> None:
        if self._capture is not None:
            self._capture.add(data)

    def end(self, name: str) -> None:
        path = self._path
        if self._capture is not None and len(path) == self._capture_depth:
            self._capture = None
        path.pop()
        if name == "testcase":
            if self._case is not None and (not path or path[-1] != "testcase"):
                self._end_case(self._case)
                self._case = None
        elif name == "testsuite":
            self._end_suite()
        if not path and self._stray is not None:  # end of a document
            self._emit_suite(self._stray)
            self._stray = None

    # -- suites -------------------------------------------------------------------------------
    def _start_suite(self, attrs: dict[str, str]) -> None:
        limits = self.limits
        parent = self._suites[-1] if self._suites else None
        if parent is not None:
            parent.has_child_suites = True
        file = _optional(attrs.get("file") or attrs.get("filepath"), limits.max_name_chars)
        if file is not None and self._document_file is None:
            self._document_file = file
        if file is None:
            file = parent.file if parent is not None else self._document_file
        self._suites.append(
            _SuiteBuilder(
                name=truncate_text(attrs.get("name", ""), limits.max_name_chars),
                package=_optional(attrs.get("package"), limits.max_name_chars),
                hostname=_optional(attrs.get("hostname"), limits.max_name_chars),
                timestamp=_optional(attrs.get("timestamp"), limits.max_name_chars),
                file=file,
                duration=duration_ms(attrs.get("time")),
            )
        )

    def _end_suite(self) -> None:
        suite = self._suites.pop()
        if suite.tests or not suite.has_child_suites:
            self._emit_suite(suite)

    def _emit_suite(self, suite: _SuiteBuilder) -> None:
        cases = tuple(suite.cases)
        duration = suite.duration
        if duration is None:
            duration = round(sum(c.duration_ms for c in cases), 3) if cases else 0.0
        self.items.append(
            TestSuite(
                name=suite.name,
                package=suite.package,
                hostname=suite.hostname,
                timestamp=suite.timestamp,
                tests=suite.tests,
                failures=suite.failures,
                errors=suite.errors,
                skipped=suite.skipped,
                duration_ms=duration,
                cases=cases,
                file=suite.file,
                system_out=_text_value(suite.system_out),
                system_err=_text_value(suite.system_err),
            )
        )

    # -- cases --------------------------------------------------------------------------------
    def _current_suite(self) -> _SuiteBuilder:
        if self._suites:
            return self._suites[-1]
        if self._stray is None:
            self._stray = _SuiteBuilder(self._root_name, None, None, None, self._document_file, None)
        return self._stray

    def _start_case(self, attrs: dict[str, str]) -> None:
        if self._case is not None:  # a <testcase> inside a <testcase>: part of the outer one
            return
        limits = self.limits
        suite = self._current_suite()
        strings = suite.strings
        classname = _optional(attrs.get("classname"), limits.max_name_chars)
        if classname is not None:
            classname = strings.setdefault(classname, classname)
        file = _optional(attrs.get("file"), limits.max_name_chars)
        file = strings.setdefault(file, file) if file is not None else suite.file
        self._case = _CaseBuilder(
            name=truncate_text(attrs.get("name", ""), limits.max_name_chars),
            classname=classname,
            file=file,
            duration=duration_ms(attrs.get("time")) or 0.0,
        )

    def _start_case_child(self, case: _CaseBuilder, name: str, attrs: dict[str, str]) -> None:
        limits = self.limits
        status = _FAILURE_STATUS.get(name)
        if status is not None:
            if case.stack is None:
                case.stack = BoundedText(limits.max_stack_trace_chars)
            else:
                case.stack.add("\n\n")
            if case.status in (TestStatus.PASSED, TestStatus.SKIPPED):
                case.status = status
                case.failure_message = _optional(attrs.get("message"), limits.max_message_chars)
                case.failure_type = _optional(attrs.get("type"), limits.max_name_chars)
            self._capture, self._capture_depth = case.stack, len(self._path)
        elif name == "skipped":
            if case.status is TestStatus.PASSED:
                case.status = TestStatus.SKIPPED
            if case.skipped_message is None:
                case.skipped_message = _optional(attrs.get("message"), limits.max_message_chars)
            case.skipped_text = BoundedText(limits.max_message_chars)
            self._capture, self._capture_depth = case.skipped_text, len(self._path)
        elif name in ("system-out", "system-err") and limits.keep_output:
            text = BoundedText(limits.max_output_chars)
            if name == "system-out":
                case.system_out = text
            else:
                case.system_err = text
            self._capture, self._capture_depth = text, len(self._path)

    def _end_case(self, builder: _CaseBuilder) -> None:
        suite = self._current_suite()
        status = builder.status
        stack = _text_value(builder.stack)
        message = builder.failure_message
        if status in (TestStatus.FAILED, TestStatus.ERROR) and message is None and stack:
            message = truncate_text(_first_line(stack), self.limits.max_message_chars)
        skipped_message = builder.skipped_message
        if skipped_message is None and builder.skipped_text is not None:
            skipped_message = _text_value(builder.skipped_text)
        case = TestCase(
            suite=suite.name,
            classname=builder.classname,
            name=builder.name,
            file=builder.file,
            duration_ms=builder.duration,
            status=status,
            failure_message=message,
            failure_type=builder.failure_type,
            stack_trace=stack,
            skipped_message=skipped_message,
            system_out=_text_value(builder.system_out),
            system_err=_text_value(builder.system_err),
        )
        suite.tests += 1
        if status is TestStatus.FAILED:
            suite.failures += 1
        elif status is TestStatus.ERROR:
            suite.errors += 1
        elif status is TestStatus.SKIPPED:
            suite.skipped += 1
        if self.keep_cases:
            suite.cases.append(case)
        else:
            self.items.append(case)


def _text_value(text: BoundedText | None) -> str | None:
    if text is None:
        return None
    value = text.value().strip()
    return value or None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _iter_items(source: ReportSource, limits: TextLimits, keep_cases: bool) -> Iterator[TestCase | TestSuite]:
    handler = _JUnitHandler(limits, keep_cases)
    parser = SafeXmlParser(handler, what=WHAT, allow_doctype=False, multiple_documents=True)
    items = handler.items
    for chunk in iter_chunks(source):
        parser.feed(chunk)
        if items:
            yield from items
            items.clear()
    parser.close()
    yield from items
    items.clear()


def iter_junit(source: ReportSource, *, limits: TextLimits = DEFAULT_LIMITS) -> Iterator[TestCase | TestSuite]:
    """Stream a JUnit report: each case when it has closed, then its suite (with ``cases=()``).

    The suite's counts cover the cases yielded before it. Memory stays bounded by one case and
    one chunk of input. Raises :class:`ReportError` on malformed or unsafe input; items already
    yielded before the error remain yielded, so a caller that must be all-or-nothing should not
    commit anything before the iterator is exhausted.
    """
    return _iter_items(source, limits, keep_cases=False)


def iter_test_suites(source: ReportSource, *, limits: TextLimits = DEFAULT_LIMITS) -> Iterator[TestSuite]:
    """Stream a JUnit report suite by suite, each with its cases."""
    for item in _iter_items(source, limits, keep_cases=True):
        if isinstance(item, TestSuite):
            yield item


def parse_junit(source: ReportSource, *, limits: TextLimits = DEFAULT_LIMITS) -> list[TestSuite]:
    """All suites (with their cases) of a JUnit report of one or more concatenated documents."""
    return list(iter_test_suites(source, limits=limits))
