"""Coverage arithmetic and test-result value objects (domain/testing)."""

from __future__ import annotations

import pytest

from domain.testing import (
    BoundedText,
    CoverageFormat,
    CoverageReport,
    FileCoverage,
    LineCounters,
    TestCase,
    TestStatus,
    TestSuite,
    TestSummary,
    percentage,
    run_coverage,
    summarize,
    truncate_text,
)


@pytest.mark.parametrize(
    ("covered", "missed", "expected"),
    [
        (953, 25, 97.44),  # Projektor's JaCoCo fixture
        (231, 3, 98.72),  # Projektor's Cobertura fixture
        (6, 6, 50.00),  # Projektor's Go fixture
        (0, 0, 0.0),  # nothing to cover
        (0, 10, 0.0),
        (10, 0, 100.0),
        (1, 2, 33.33),
        (2, 1, 66.67),
        (1, 7, 12.5),  # 12.5 exactly
        (1, 799, 0.13),  # 0.125 rounds half up, not to even
    ],
)
def test_percent_two_decimals(covered: int, missed: int, expected: float) -> None:
    counters = LineCounters(covered, missed)
    assert counters.percent == expected
    assert isinstance(counters.percent, float)
    assert percentage(covered, covered + missed) == expected


def test_line_counters_add_and_sum() -> None:
    total = LineCounters(3, 1) + LineCounters(7, 2)
    assert total == LineCounters(10, 3)
    assert total.total == 13
    assert LineCounters.sum([LineCounters(1, 1), LineCounters(2, 0), LineCounters()]) == LineCounters(3, 1)
    assert LineCounters.sum([]) == LineCounters(0, 0)
    with pytest.raises(ValueError):
        LineCounters(-1, 0)


def test_report_totals_are_the_sum_of_its_files_and_a_run_sums_its_reports() -> None:
    files = [
        FileCoverage("a.py", 10, 2, branches=LineCounters(3, 1)),
        FileCoverage("b.py", 5, 0),
    ]
    report = CoverageReport.from_files(CoverageFormat.COBERTURA, files)
    assert report.totals == LineCounters(15, 2)
    assert report.branch_totals == LineCounters(3, 1)
    assert report.percent == 88.24
    other = CoverageReport.from_files(CoverageFormat.GO, [FileCoverage("c.go", 1, 3)])
    assert other.branch_totals is None
    assert run_coverage([report, other]) == LineCounters(16, 5)
    assert run_coverage([]).percent == 0.0
    assert files[0].lines == LineCounters(10, 2)
    assert files[0].percent == 83.33


def test_truncate_text_and_bounded_text() -> None:
    assert truncate_text("short", 10) == "short"
    cut = truncate_text("x" * 100, 10)
    assert cut.startswith("x" * 10) and "90 more characters" in cut
    text = BoundedText(5)
    for piece in ("ab", "cd", "efgh", "ijk"):
        text.add(piece)
    assert text.truncated
    assert text.total_chars == 11
    assert text.value().startswith("abcde") and "6 more characters" in text.value()
    untouched = BoundedText(50)
    untouched.add("hello")
    assert untouched.value() == "hello" and not untouched.truncated


def _case(status: TestStatus, duration: float = 1.0) -> TestCase:
    return TestCase(suite="s", classname="C", name="t", file=None, duration_ms=duration, status=status)


def test_summaries() -> None:
    cases = [_case(TestStatus.PASSED), _case(TestStatus.FAILED), _case(TestStatus.ERROR), _case(TestStatus.SKIPPED),
             _case(TestStatus.PASSED, 2.5)]
    summary = TestSummary.of_cases(cases)
    assert summary == TestSummary(tests=5, passed=2, failures=1, errors=1, skipped=1, duration_ms=6.5)
    assert summary.failed
    step = TestSummary()
    for case in cases:
        step = step.with_case(case)
    assert step == summary
    suite = TestSuite(name="s", package=None, hostname=None, timestamp=None, tests=5, failures=1, errors=1,
                      skipped=1, duration_ms=10.0, cases=tuple(cases))
    assert suite.passed == 2
    assert summarize([suite, suite]) == TestSummary(10, 4, 2, 2, 2, 20.0)
    assert not TestSummary(tests=1, passed=1).failed
    assert cases[0].passed and not cases[1].passed
    assert cases[0].full_name == "C.t"
