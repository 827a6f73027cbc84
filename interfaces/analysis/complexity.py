"""Cyclomatic complexity, measured by the ``lizard`` library, for every language lizard reads.

Metrics of an accepted file (all four always present, zeros included):

* ``codeannals:complexity:cyclomatic``: the sum of the cyclomatic complexity of the file's functions;
* ``codeannals:complexity:maxFunction``: the highest complexity of one function (0 without functions);
* ``codeannals:complexity:functions``: the number of functions;
* ``codeannals:complexity:complexFunctions``: the number of functions whose complexity is above the
  ``threshold`` parameter (default 10), each also reported as a finding on the function's lines with
  the message ``function foo has cyclomatic complexity 14 (threshold 10)``.

A file is accepted when lizard has a reader for its extension. Content is read as UTF-8 (invalid bytes
replaced). The cache key holds the threshold, the lizard version and the reader, since those decide
the result together with the content.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache

import lizard
import lizard_languages

from domain.analysis.analyzer import FileResult, Finding, MetricDescriptor, extension_of
from domain.analysis.analyzer_catalog import AnalyzerCatalog, AnalyzerParameter, AnalyzerSpec, default_catalog

COMPLEXITY_ANALYZER_NAME = "org.codeannals.analyzer.complexity.ComplexityAnalyzerPlugin"
COMPLEXITY_RULES_VERSION = "1"
DEFAULT_THRESHOLD = 10

CYCLOMATIC = "codeannals:complexity:cyclomatic"
MAX_FUNCTION = "codeannals:complexity:maxFunction"
FUNCTIONS = "codeannals:complexity:functions"
COMPLEX_FUNCTIONS = "codeannals:complexity:complexFunctions"

_LIZARD_VERSION = str(getattr(lizard, "version", "unknown"))
_log = logging.getLogger(__name__)


@cache
def _reader_for_extension(ext: str) -> type | None:
    """lizard's reader class for files with extension ``ext`` (lizard matches on the extension only)."""
    if not ext:
        return None
    reader: type | None = lizard_languages.get_reader_for(f"file.{ext}")
    return reader


def language_of(path: str) -> str | None:
    """The lizard language for ``path`` (``python``, ``java``, ``cpp``...), ``None`` if lizard has none."""
    reader = _reader_for_extension(extension_of(path))
    if reader is None:
        return None
    names = getattr(reader, "language_names", None) or [reader.__name__]
    return str(names[0])


class ComplexityAnalyzer:
    """See the module doc."""

    name = COMPLEXITY_ANALYZER_NAME

    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        if threshold < 0:
            raise ValueError("threshold must not be negative")
        self.threshold = threshold

    def metrics(self) -> list[MetricDescriptor]:
        return [
            MetricDescriptor(
                CYCLOMATIC, "Cyclomatic complexity", "Sum of the cyclomatic complexity of all functions."
            ),
            MetricDescriptor(
                MAX_FUNCTION, "Highest function complexity", "Cyclomatic complexity of the most complex function."
            ),
            MetricDescriptor(FUNCTIONS, "Functions", "Number of functions and methods."),
            MetricDescriptor(
                COMPLEX_FUNCTIONS,
                "Complex functions",
                f"Number of functions whose cyclomatic complexity is above the threshold (default "
                f"{DEFAULT_THRESHOLD}).",
            ),
        ]

    def accepts(self, path: str) -> bool:
        return language_of(path) is not None

    def analyze(self, path: str, content: bytes) -> FileResult:
        if not self.accepts(path):
            return FileResult()
        text = content.decode("utf-8", errors="replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            info = lizard.analyze_file.analyze_source_code(path, text)
        except Exception:  # lizard's parsers are heuristics; one odd file must not stop an analysis
            _log.warning("lizard could not read %s", path, exc_info=True)
            return FileResult()
        functions = info.function_list
        findings = [
            Finding(
                metric=COMPLEX_FUNCTIONS,
                line_start=int(f.start_line),
                line_end=int(f.end_line),
                message=(
                    f"function {f.name} has cyclomatic complexity {f.cyclomatic_complexity} "
                    f"(threshold {self.threshold})"
                ),
            )
            for f in functions
            if f.cyclomatic_complexity > self.threshold
        ]
        complexities = [int(f.cyclomatic_complexity) for f in functions]
        return FileResult(
            metrics={
                CYCLOMATIC: sum(complexities),
                MAX_FUNCTION: max(complexities, default=0),
                FUNCTIONS: len(complexities),
                COMPLEX_FUNCTIONS: len(findings),
            },
            findings=findings,
        )

    def cache_key(self, path: str) -> str:
        return (
            f"{self.name}@{COMPLEXITY_RULES_VERSION}/lizard-{_LIZARD_VERSION}/threshold={self.threshold}"
            f":{language_of(path) or '-'}"
        )


def _create(parameters: Mapping[str, int]) -> ComplexityAnalyzer:
    return ComplexityAnalyzer(threshold=parameters.get("threshold", DEFAULT_THRESHOLD))


COMPLEXITY_SPEC = AnalyzerSpec(
    name=COMPLEXITY_ANALYZER_NAME,
    description="Cyclomatic complexity per file and per function (lizard); functions above a threshold "
    "are findings.",
    factory=_create,
    parameters=(
        AnalyzerParameter(
            name="threshold",
            description="A function whose cyclomatic complexity is above this is reported.",
            default=DEFAULT_THRESHOLD,
            minimum=1,
            maximum=1000,
        ),
    ),
)


def full_catalog() -> AnalyzerCatalog:
    """Every analyzer the server offers: the domain's own plus the complexity analyzer."""
    catalog = default_catalog()
    catalog.register(COMPLEXITY_SPEC)
    return catalog
