"""LCOV tracefiles (``lcov``, ``genhtml`` input, coverage.py ``coverage lcov``, c8/nyc, grcov...).

Records run from ``SF:<path>`` to ``end_of_record``. ``DA:<line>,<hits>[,<checksum>]`` lines give the
executable lines (a line is covered when its hits are > 0), merged per file across records (several
test names, ``TN:``, may list the same file). A record without ``DA`` lines falls back to its
``LF``/``LH`` totals. ``BRDA:<line>,<block>,<branch>,<taken|->`` lines give branches (``BRF``/``BRH``
when there are none). Other keys (``TN``, ``FN``, ``FNDA``, ``VER``...) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport, LineCounters
from interfaces.testing.parsers._coverage_common import Chunk, LineFiles, iter_text_lines, to_int
from interfaces.testing.parsers._xml import ReportSource, iter_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "LCOV"


class _Record:
    __slots__ = ("branch_found", "branch_hit", "branches", "found", "hit", "hits", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.hits: dict[int, int] = {}
        self.branches: dict[int, tuple[int, int]] = {}
        self.found: int | None = None
        self.hit: int | None = None
        self.branch_found: int | None = None
        self.branch_hit: int | None = None


def _finish(files: LineFiles, record: _Record) -> None:
    file = files.get(record.path)
    file.merge(record.hits, record.branches)
    if not record.hits and record.found:
        hit = min(record.hit or 0, record.found)
        file.add_counts(LineCounters(hit, record.found - hit))
    if not record.branches and record.branch_found:
        hit = min(record.branch_hit or 0, record.branch_found)
        file.add_branch_counts(LineCounters(hit, record.branch_found - hit))


def parse_lcov_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    files = LineFiles(base_directory)
    record: _Record | None = None
    seen_record = False
    for number, line in iter_text_lines(chunks, WHAT):
        if line.startswith("DA:") and record is not None:  # the fast path: most lines
            fields = line[3:].split(",")
            try:
                line_number = int(fields[0])
                hits = int(fields[1])
            except (ValueError, IndexError):
                pass  # handled, with a message, below
            else:
                hits_now = record.hits
                old = hits_now.get(line_number)
                if old is None or hits > old:
                    hits_now[line_number] = hits
                continue
        text = line.strip()
        if not text:
            continue
        if text == "end_of_record":
            if record is None:
                raise ReportError(f"{WHAT}: end_of_record without SF (line {number})", line=number)
            _finish(files, record)
            record = None
            continue
        key, sep, value = text.partition(":")
        if not sep:
            raise ReportError(f"{WHAT}: unexpected line {number}: {text[:80]!r}", line=number)
        where = f"{WHAT}: line {number} ({key})"  # only reached for lines other than well-formed DA
        if key == "SF":
            if record is not None:  # a record without end_of_record
                _finish(files, record)
            record = _Record(value.strip())
            seen_record = True
            continue
        if key in ("TN", "VER") or key.startswith("FN"):
            continue
        if record is None:
            raise ReportError(f"{WHAT}: {key} outside a record, before any SF (line {number})", line=number)
        if key == "DA":
            fields = value.split(",")
            if len(fields) < 2:
                raise ReportError(f"{where}: expected DA:<line>,<hits>", line=number)
            line_number = to_int(fields[0], where)
            hits = _hits(fields[1], where, number)
            record.hits[line_number] = max(hits, record.hits.get(line_number, 0))
        elif key == "BRDA":
            fields = value.split(",")
            if len(fields) < 4:  # the branch name may itself contain commas
                raise ReportError(f"{where}: expected BRDA:<line>,<block>,<branch>,<taken>", line=number)
            line_number = to_int(fields[0], where)
            taken = fields[-1].strip()
            covered, total = record.branches.get(line_number, (0, 0))
            taken_count = 0 if taken == "-" else _hits(taken, where, number)
            record.branches[line_number] = (covered + (taken_count > 0), total + 1)
        elif key == "LF":
            record.found = to_int(value, where)
        elif key == "LH":
            record.hit = to_int(value, where)
        elif key == "BRF":
            record.branch_found = to_int(value, where)
        elif key == "BRH":
            record.branch_hit = to_int(value, where)
        # other keys: ignored
    if record is not None:
        _finish(files, record)
    if not seen_record:
        raise ReportError(f"{WHAT}: no SF record found")
    return CoverageReport.from_files(CoverageFormat.LCOV, files.results())


def _hits(value: str, where: str, number: int) -> int:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))  # some tools write "1.0" or "1e3"
        except (ValueError, OverflowError):
            raise ReportError(f"{where}: not a number: {text[:40]!r}", line=number) from None


def parse_lcov(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """An LCOV tracefile; ReportError when it is malformed."""
    return parse_lcov_chunks(iter_chunks(source), base_directory)
