"""Coverage reports of any supported format, recognised from their content."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport
from interfaces.testing.parsers._coverage_common import Chunk
from interfaces.testing.parsers._xml import ReportSource, iter_chunks
from interfaces.testing.parsers.clover import parse_clover_chunks
from interfaces.testing.parsers.cobertura import parse_cobertura_chunks
from interfaces.testing.parsers.detect import sniff_coverage_format
from interfaces.testing.parsers.gocover import parse_go_chunks
from interfaces.testing.parsers.jacoco import parse_jacoco_chunks
from interfaces.testing.parsers.lcov import parse_lcov_chunks

_PARSERS: dict[CoverageFormat, Callable[[Iterable[Chunk], str | None], CoverageReport]] = {
    CoverageFormat.JACOCO: parse_jacoco_chunks,
    CoverageFormat.COBERTURA: parse_cobertura_chunks,
    CoverageFormat.CLOVER: parse_clover_chunks,
    CoverageFormat.LCOV: parse_lcov_chunks,
    CoverageFormat.GO: parse_go_chunks,
}


def parse_coverage(data: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """Parse a JaCoCo, Cobertura or Clover XML report, an LCOV tracefile or a Go coverprofile.

    ``data`` is the report's bytes or a binary stream (read in chunks, never whole). Each file's
    path is the one the report gives, joined with ``base_directory`` when given (absolute paths are
    kept). Raises ReportError("unrecognised coverage format ...") for other content, and
    ReportError for empty, malformed or unsafe input.
    """
    chunks = iter_chunks(data)
    format, head = sniff_coverage_format(chunks)
    return _PARSERS[format](itertools.chain(head, chunks), base_directory)
