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
from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport, FileCoverage
from interfaces.testing.parsers._coverage_common import Chunk, iter_text_lines, join_path
from interfaces.testing.parsers._xml import ReportSource, iter_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "Go coverprofile"
MODES = frozenset({"set", "count", "atomic"})
_BLOCK = re.compile(r"^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$")
_MODE = re.compile(r"^mode:\s*(\S+)\s*$")
_FIELD_BITS = 32  # a block's key packs start line/column and end line/column into one int


def _key(start_line: int, start_col: int, end_line: int, end_col: int) -> int:
    return (((start_line << _FIELD_BITS | start_col) << _FIELD_BITS | end_line) << _FIELD_BITS) | end_col


def _unkey(key: int) -> tuple[int, int]:
    """(start line, end line) of a block key."""
    mask = (1 << _FIELD_BITS) - 1
    end_line = (key >> _FIELD_BITS) & mask
    start_line = key >> (3 * _FIELD_BITS)
    return start_line, end_line


def _file_result(path: str, blocks: dict[int, int]) -> FileCoverage:
    covered = missed = 0
    covered_lines: set[int] = set()
    uncovered_lines: set[int] = set()
    for key, value in blocks.items():
        statements, hit = value >> 1, value & 1
        start, end = _unkey(key)
        if hit:
            covered += statements
            covered_lines.update(range(start, end + 1))
        else:
            missed += statements
            if statements:
                uncovered_lines.update(range(start, end + 1))
    return FileCoverage(
        path=path,
        covered=covered,
        missed=missed,
        missed_lines=tuple(sorted(uncovered_lines - covered_lines)),
        partial_lines=tuple(sorted(uncovered_lines & covered_lines)),
    )


def parse_go_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    # file -> block key -> (statements << 1 | covered)
    files: dict[str, dict[int, int]] = {}
    mode: str | None = None
    for number, line in iter_text_lines(chunks, WHAT):
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
        if mode is None:
            raise ReportError(f"{WHAT}: the profile must start with a 'mode:' line", line=number)
        block = _BLOCK.match(text)
        if block is None:
            raise ReportError(f"{WHAT}: line {number} is not a coverage block: {text[:80]!r}", line=number)
        name, sl, sc, el, ec, statements, count = block.groups()
        fields = (int(sl), int(sc), int(el), int(ec))
        if max(fields) >= 1 << _FIELD_BITS or fields[2] < fields[0]:
            raise ReportError(f"{WHAT}: line {number}: invalid block position", line=number)
        key = _key(*fields)
        blocks = files.get(name)
        if blocks is None:
            blocks = files[name] = {}
        value = int(statements) << 1 | (int(count) > 0)
        old = blocks.get(key)
        blocks[key] = value if old is None else max(old >> 1, value >> 1) << 1 | ((old | value) & 1)
    if mode is None:
        raise ReportError(f"{WHAT}: empty profile, no 'mode:' line")
    return CoverageReport.from_files(
        CoverageFormat.GO, (_file_result(join_path(base_directory, name), blocks) for name, blocks in files.items())
    )


def parse_go_coverprofile(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """A Go coverage profile; ReportError when it is malformed."""
    return parse_go_chunks(iter_chunks(source), base_directory)
