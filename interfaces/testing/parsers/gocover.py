"""Go coverage profiles (``go test -coverprofile``), modes ``set``, ``count`` and ``atomic``.

``mode: <mode>`` then one line per block: ``<file>:<startLine>.<startCol>,<endLine>.<endCol>
<numStmt> <count>``. Go counts statements: a block with count > 0 covers its ``numStmt`` statements.
The same block may appear several times (profiles of several packages or runs merged into one
file, each with its own ``mode:`` line): it is counted once, covered if any of its counts is > 0.
Missed lines are the lines of uncovered blocks that no covered block touches; partial lines are
those touched by both.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport, FileCoverage
from interfaces.testing.parsers._coverage_common import Chunk, iter_text_lines, join_path
from interfaces.testing.parsers._xml import ReportSource, iter_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "Go coverprofile"
MODES = frozenset({"set", "count", "atomic"})
_BLOCK = re.compile(r"^(.+):(\d+\.\d+,\d+\.\d+) (\d+) (\d+)$")
_MODE = re.compile(r"^mode:\s*(\S+)\s*$")
_MAX_POSITION = (1 << 32) - 1


class _GoFile:
    """The blocks of one file, kept compact: positions (start line, start column, end line, end
    column) four by four in one array, and per block ``statements << 1 | covered``."""

    __slots__ = ("positions", "values")

    def __init__(self) -> None:
        self.positions = array("I")
        self.values = array("I")

    def merge(self, run: dict[str, int]) -> None:
        """Add a run of blocks (position text -> statements << 1 | covered)."""
        blocks: dict[tuple[int, ...], int] = {}
        positions = self.positions
        for index, value in enumerate(self.values):
            blocks[tuple(positions[4 * index : 4 * index + 4])] = value
        for text, value in run.items():
            start, end = text.split(",")
            start_line, start_column = start.split(".")
            end_line, end_column = end.split(".")
            key = (int(start_line), int(start_column), int(end_line), int(end_column))
            if max(key) > _MAX_POSITION or key[2] < key[0]:
                raise ReportError(f"{WHAT}: invalid block position {text!r}")
            old = blocks.get(key)
            blocks[key] = value if old is None else max(old >> 1, value >> 1) << 1 | ((old | value) & 1)
        ordered = sorted(blocks)
        self.positions = array("I", (number for key in ordered for number in key))
        self.values = array("I", (blocks[key] for key in ordered))

    def result(self, path: str) -> FileCoverage:
        covered = missed = 0
        covered_lines: set[int] = set()
        uncovered_lines: set[int] = set()
        positions = self.positions
        for index, value in enumerate(self.values):
            statements, hit = value >> 1, value & 1
            lines = range(positions[4 * index], positions[4 * index + 2] + 1)
            if hit:
                covered += statements
                covered_lines.update(lines)
            else:
                missed += statements
                if statements:
                    uncovered_lines.update(lines)
        return FileCoverage(
            path=path,
            covered=covered,
            missed=missed,
            missed_lines=tuple(sorted(uncovered_lines - covered_lines)),
            partial_lines=tuple(sorted(uncovered_lines & covered_lines)),
            covered_lines=tuple(sorted(covered_lines)),
        )


def parse_go_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    files: dict[str, _GoFile] = {}
    # blocks of the file being read, merged into ``files`` when another file starts
    run_name: str | None = None
    run: dict[str, int] = {}
    mode: str | None = None
    match_block = _BLOCK.match
    for number, line in iter_text_lines(chunks, WHAT):
        block = match_block(line)
        if block is None:
            text = line.strip()
            if not text:
                continue
            if text.startswith("mode:"):
                match = _MODE.match(text)
                if match is None or match.group(1) not in MODES:
                    raise ReportError(f"{WHAT}: line {number}: unknown mode {text[5:].strip()[:40]!r} "
                                      "(expected set, count or atomic)", line=number)
                mode = match.group(1)
                continue
            block = match_block(text)
            if block is None and mode is None:
                raise ReportError(f"{WHAT}: the profile must start with a 'mode:' line", line=number)
            if block is None:
                raise ReportError(f"{WHAT}: line {number} is not a coverage block: {text[:80]!r}", line=number)
        if mode is None:
            raise ReportError(f"{WHAT}: the profile must start with a 'mode:' line", line=number)
        name, position, statements, count = block.groups()
        if name != run_name:
            if run_name is not None:
                files.setdefault(run_name, _GoFile()).merge(run)
            run_name, run = name, {}
        value = int(statements) << 1 | (count != "0" and int(count) > 0)
        old = run.get(position)
        run[position] = value if old is None else max(old >> 1, value >> 1) << 1 | ((old | value) & 1)
    if run_name is not None:
        files.setdefault(run_name, _GoFile()).merge(run)
    if mode is None:
        raise ReportError(f"{WHAT}: empty profile, no 'mode:' line")
    return CoverageReport.from_files(
        CoverageFormat.GO, (file.result(join_path(base_directory, name)) for name, file in files.items())
    )


def parse_go_coverprofile(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """A Go coverage profile; ReportError when it is malformed."""
    return parse_go_chunks(iter_chunks(source), base_directory)
