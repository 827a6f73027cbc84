"""Report-format parsers: JUnit XML test results; JaCoCo, Cobertura, Clover, LCOV and Go coverage.

All of them read their input as a stream in bounded memory, refuse unsafe XML (DTD entity
declarations, external entities) and raise :class:`ReportError` for anything they cannot read.
"""

from interfaces.testing.parsers.clover import parse_clover
from interfaces.testing.parsers.cobertura import parse_cobertura
from interfaces.testing.parsers.coverage import parse_coverage
from interfaces.testing.parsers.detect import detect_coverage_format
from interfaces.testing.parsers.errors import ReportError
from interfaces.testing.parsers.gocover import parse_go_coverprofile
from interfaces.testing.parsers.jacoco import parse_jacoco
from interfaces.testing.parsers.junit import iter_junit, iter_test_suites, parse_junit
from interfaces.testing.parsers.lcov import parse_lcov

__all__ = [
    "ReportError",
    "detect_coverage_format",
    "iter_junit",
    "iter_test_suites",
    "parse_clover",
    "parse_cobertura",
    "parse_coverage",
    "parse_go_coverprofile",
    "parse_jacoco",
    "parse_junit",
    "parse_lcov",
]
