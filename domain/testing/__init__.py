"""The ``testing`` bounded context: test results and coverage value objects."""

from domain.testing.coverage import (
    CoverageFormat,
    CoverageReport,
    FileCoverage,
    LineCounters,
    percentage,
    run_coverage,
)
from domain.testing.results import (
    DEFAULT_LIMITS,
    BoundedText,
    TestCase,
    TestStatus,
    TestSuite,
    TestSummary,
    TextLimits,
    summarize,
    truncate_text,
)

__all__ = [
    "DEFAULT_LIMITS",
    "BoundedText",
    "CoverageFormat",
    "CoverageReport",
    "FileCoverage",
    "LineCounters",
    "TestCase",
    "TestStatus",
    "TestSuite",
    "TestSummary",
    "TextLimits",
    "percentage",
    "run_coverage",
    "summarize",
    "truncate_text",
]
