"""Helpers shared by the coverage parsers: paths, numbers, text lines and per-line merging."""

from __future__ import annotations

import posixpath
import re
from array import array
from collections.abc import Iterable, Iterator

from domain.testing.coverage import FileCoverage, LineCounters
from interfaces.testing.parsers.errors import ReportError

Chunk = bytes | bytearray | memoryview
MAX_TEXT_LINE = 1 << 20  # a longer line in a text report is refused
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def join_path(base_directory: str | None, path: str) -> str:
    """``path`` as the report gives it, under ``base_directory`` when one is given."""
    path = path.strip()
    while path.startswith("./"):
        path = path[2:]
    if not base_directory:
        return path
    if path.startswith("/") or _WINDOWS_ABSOLUTE.match(path):
        return path
    base = base_directory.strip().rstrip("/\\")
    if not base or base == ".":
        return path
    return posixpath.join(base, path)


def to_int(value: str | None, what: str, *, default: int | None = None, allow_negative: bool = False) -> int:
    """An integer attribute or field (non-negative unless allowed); ReportError when it is not one."""
    if value is None or not value.strip():
        if default is not None:
            return default
        raise ReportError(f"{what}: missing number")
    try:
        number = int(value.strip())
    except ValueError:
        raise ReportError(f"{what}: not an integer: {value[:40]!r}") from None
    if number < 0 and not allow_negative:
        raise ReportError(f"{what}: negative number {number}")
    return number


def attribute_ints(
    attrs: dict[str, str], names: tuple[str, ...], what: str, required: tuple[str, ...] = ()
) -> list[int]:
    """The integer attributes ``names`` of an element, 0 when absent (``required`` ones must be
    present); ReportError when one is not a non-negative integer. Fast on good input.
    """
    get = attrs.get
    try:
        values = [int(get(name) or 0) for name in names]
    except ValueError:
        for name in names:
            to_int(get(name), f"{what} attribute {name}", default=0)  # raises with the culprit named
        raise
    for name in required:
        if name not in attrs:
            raise ReportError(f"{what}: missing attribute {name}")
    lowest = min(values)
    if lowest < 0:
        raise ReportError(f"{what}: attribute {names[values.index(lowest)]}: negative number {lowest}")
    return values


def iter_text_lines(chunks: Iterable[Chunk], what: str) -> Iterator[tuple[int, str]]:
    """(line number, text without line end) for each line of a UTF-8 text stream."""
    pending = b""
    number = 0
    for chunk in chunks:
        data = pending + bytes(chunk)
        cut = data.rfind(b"\n") + 1
        pending = data[cut:]
        if len(pending) > MAX_TEXT_LINE:
            long_line = number + data.count(b"\n", 0, cut) + 1
            raise ReportError(f"{what}: line {long_line} is longer than {MAX_TEXT_LINE} bytes", line=long_line)
        if not cut:
            continue
        lines = data[:cut].decode("utf-8", errors="replace").split("\n")
        lines.pop()  # the empty string after the last line end
        for line in lines:
            number += 1
            yield number, line.rstrip("\r")
    if pending:
        number += 1
        yield number, pending.decode("utf-8", errors="replace").rstrip("\r")


class LineFile:
    """Per-line facts of one source file, merged across every record that mentions it.

    A record's lines come in as a dict (line -> hits, line -> (covered branches, branches)); they are
    folded into compact sorted arrays so that many files cost little memory. A line is covered when
    any record executed it.
    """

    __slots__ = ("branch_covered", "branch_lines", "branch_total", "covered", "extra", "extra_branches", "missed",
                 "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.covered = array("q")
        self.missed = array("q")
        self.branch_lines = array("q")
        self.branch_covered = array("q")
        self.branch_total = array("q")
        self.extra: LineCounters | None = None  # counts a record gave without line detail (LCOV LF/LH)
        self.extra_branches: LineCounters | None = None  # same for branches (LCOV BRF/BRH)

    def merge(self, hits: dict[int, int], branches: dict[int, tuple[int, int]]) -> None:
        if self.covered or self.missed:
            state = dict.fromkeys(self.covered, True)
            state.update(dict.fromkeys(self.missed, False))
            for line, count in hits.items():
                state[line] = state.get(line, False) or count > 0
        else:
            state = {line: count > 0 for line, count in hits.items()}
        self.covered = array("q", sorted(line for line, hit in state.items() if hit))
        self.missed = array("q", sorted(line for line, hit in state.items() if not hit))
        if branches:
            merged = dict(zip(self.branch_lines, zip(self.branch_covered, self.branch_total, strict=True),
                              strict=True))
            for line, (covered, total) in branches.items():
                old_covered, old_total = merged.get(line, (0, 0))
                merged[line] = (max(covered, old_covered), max(total, old_total))
            ordered = sorted(merged)
            self.branch_lines = array("q", ordered)
            self.branch_covered = array("q", (merged[line][0] for line in ordered))
            self.branch_total = array("q", (merged[line][1] for line in ordered))

    def add_counts(self, counters: LineCounters) -> None:
        self.extra = counters if self.extra is None else self.extra + counters

    def add_branch_counts(self, counters: LineCounters) -> None:
        self.extra_branches = counters if self.extra_branches is None else self.extra_branches + counters

    def result(self) -> FileCoverage:
        covered = len(self.covered)
        missed = len(self.missed)
        if self.extra is not None:
            covered += self.extra.covered
            missed += self.extra.missed
        branches = None
        partial: list[int] = []
        if self.branch_lines:
            branch_covered = sum(self.branch_covered)
            branch_total = sum(self.branch_total)
            branches = LineCounters(branch_covered, max(branch_total - branch_covered, 0))
            covered_lines = set(self.covered)
            partial = [
                line
                for line, done, total in zip(self.branch_lines, self.branch_covered, self.branch_total, strict=True)
                if done < total and line in covered_lines
            ]
        if self.extra_branches is not None:
            branches = self.extra_branches if branches is None else branches + self.extra_branches
        return FileCoverage(
            path=self.path,
            covered=covered,
            missed=missed,
            branches=branches,
            missed_lines=tuple(self.missed),
            partial_lines=tuple(partial),
            covered_lines=tuple(self.covered),
        )


class LineFiles:
    """The files of a line-based report, in the order they first appear."""

    def __init__(self, base_directory: str | None) -> None:
        self.base_directory = base_directory
        self.files: dict[str, LineFile] = {}

    def get(self, report_path: str) -> LineFile:
        path = join_path(self.base_directory, report_path)
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = LineFile(path)
        return file

    def results(self) -> list[FileCoverage]:
        return [file.result() for file in self.files.values()]


def merge_file_coverage(a: FileCoverage, b: FileCoverage) -> FileCoverage:
    """Two counts-based entries for the same path (e.g. the same file in two JaCoCo groups)."""
    if a.branches is None:
        branches = b.branches
    elif b.branches is None:
        branches = a.branches
    else:
        branches = a.branches + b.branches
    return FileCoverage(
        path=a.path,
        covered=a.covered + b.covered,
        missed=a.missed + b.missed,
        branches=branches,
        missed_lines=tuple(sorted(set(a.missed_lines) | set(b.missed_lines))),
        partial_lines=tuple(sorted(set(a.partial_lines) | set(b.partial_lines))),
        covered_lines=tuple(sorted(set(a.covered_lines) | set(b.covered_lines))),
    )


class CountedFiles:
    """Files whose counts the report states (JaCoCo, Clover), merged by path."""

    def __init__(self, base_directory: str | None) -> None:
        self.base_directory = base_directory
        self.files: dict[str, FileCoverage] = {}

    def add(self, report_path: str, covered: int, missed: int, branches: LineCounters | None,
            missed_lines: Iterable[int], partial_lines: Iterable[int], covered_lines: Iterable[int] = ()) -> None:
        path = join_path(self.base_directory, report_path)
        entry = FileCoverage(
            path=path,
            covered=covered,
            missed=missed,
            branches=branches,
            missed_lines=tuple(sorted(set(missed_lines))),
            partial_lines=tuple(sorted(set(partial_lines))),
            covered_lines=tuple(sorted(set(covered_lines))),
        )
        old = self.files.get(path)
        self.files[path] = entry if old is None else merge_file_coverage(old, entry)

    def results(self) -> list[FileCoverage]:
        return list(self.files.values())
