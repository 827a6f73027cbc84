"""Coverage value objects and arithmetic.

Pure Python: a report parser (see ``interfaces.testing.parsers``) turns an uploaded file into a
:class:`CoverageReport`; a test run's coverage is the sum of its reports' line counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

_HUNDREDTH = Decimal("0.01")


def percentage(covered: int, total: int) -> float:
    """``covered / total * 100`` rounded half-up to two decimals; 0.0 when ``total`` is 0."""
    if total <= 0:
        return 0.0
    value = (Decimal(covered) * 100 / Decimal(total)).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    return float(value)


@dataclass(frozen=True, slots=True)
class LineCounters:
    """Covered and missed items (lines, statements or branches)."""

    covered: int = 0
    missed: int = 0

    def __post_init__(self) -> None:
        if self.covered < 0 or self.missed < 0:
            raise ValueError(f"coverage counters cannot be negative: {self.covered}/{self.missed}")

    @property
    def total(self) -> int:
        return self.covered + self.missed

    @property
    def percent(self) -> float:
        """Covered / (covered + missed) * 100, two decimals (half-up); 0.0 when nothing to cover."""
        return percentage(self.covered, self.total)

    def __add__(self, other: LineCounters) -> LineCounters:
        if not isinstance(other, LineCounters):
            return NotImplemented
        return LineCounters(self.covered + other.covered, self.missed + other.missed)

    @classmethod
    def sum(cls, counters: Iterable[LineCounters]) -> LineCounters:
        covered = missed = 0
        for counter in counters:
            covered += counter.covered
            missed += counter.missed
        return cls(covered, missed)


ZERO = LineCounters(0, 0)


class CoverageFormat(StrEnum):
    JACOCO = "JACOCO"
    COBERTURA = "COBERTURA"
    CLOVER = "CLOVER"
    LCOV = "LCOV"
    GO = "GO"


@dataclass(frozen=True, slots=True)
class FileCoverage:
    """Coverage of one source file.

    ``covered``/``missed`` count lines (statements for Go and Clover, which is what those tools
    count). ``missed_lines`` are line numbers not executed at all; ``partial_lines`` were executed
    but some of their branches (or, for JaCoCo, instructions) were not.
    """

    path: str
    covered: int
    missed: int
    branches: LineCounters | None = None
    missed_lines: tuple[int, ...] = ()
    partial_lines: tuple[int, ...] = ()
    covered_lines: tuple[int, ...] = ()  # lines executed (hit count above 0), partial ones included

    def __post_init__(self) -> None:
        if self.covered < 0 or self.missed < 0:
            raise ValueError(f"coverage counters cannot be negative for {self.path!r}")

    @property
    def lines(self) -> LineCounters:
        return LineCounters(self.covered, self.missed)

    @property
    def percent(self) -> float:
        return percentage(self.covered, self.covered + self.missed)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """One uploaded coverage report. ``totals`` is the sum of the files' line counters."""

    format: CoverageFormat
    files: tuple[FileCoverage, ...]
    totals: LineCounters
    branch_totals: LineCounters | None = None
    name: str | None = None
    sources: tuple[str, ...] = ()  # directories the report's file paths are relative to (Cobertura)

    @classmethod
    def from_files(
        cls, format: CoverageFormat, files: Iterable[FileCoverage], name: str | None = None,
        sources: Iterable[str] = (),
    ) -> CoverageReport:
        file_tuple = tuple(files)
        totals = LineCounters.sum(f.lines for f in file_tuple)
        branch_counters = [f.branches for f in file_tuple if f.branches is not None]
        branch_totals = LineCounters.sum(branch_counters) if branch_counters else None
        return cls(format=format, files=file_tuple, totals=totals, branch_totals=branch_totals, name=name,
                   sources=tuple(sources))

    @property
    def percent(self) -> float:
        return self.totals.percent


def run_coverage(reports: Iterable[CoverageReport]) -> LineCounters:
    """A run's coverage: the sum of its reports' line counters."""
    return LineCounters.sum(report.totals for report in reports)
