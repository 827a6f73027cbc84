"""Clover XML coverage (OpenClover, Istanbul/nyc/Jest ``clover.xml``, PHPUnit ``--coverage-clover``).

``coverage > project > (package >) file[name, path] > metrics + line*``. A file's counts are its
statements (``metrics statements/coveredstatements``, falling back to the ``type="stmt"`` lines),
which is what Clover measures; branches are the conditionals. ``stmt`` and ``cond`` lines never
executed are missed lines; ``cond`` lines with one outcome never taken are partial.
Files under ``<testproject>`` (test sources, OpenClover) are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport, LineCounters
from interfaces.testing.parsers._coverage_common import Chunk, CountedFiles, attribute_ints, to_int
from interfaces.testing.parsers._xml import ReportSource, iter_chunks, parse_xml_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "Clover XML"


class _File:
    __slots__ = ("hit_lines", "metrics", "missed_lines", "partial_lines", "path", "stmt_covered", "stmt_missed")

    def __init__(self, path: str) -> None:
        self.path = path
        self.metrics: dict[str, str] | None = None
        self.stmt_covered = 0
        self.stmt_missed = 0
        self.missed_lines: list[int] = []
        self.partial_lines: list[int] = []
        self.hit_lines: list[int] = []


class _CloverHandler:
    def __init__(self, base_directory: str | None) -> None:
        self.files = CountedFiles(base_directory)
        self.name: str | None = None
        self._depth = 0
        self._in_project = False
        self._file: _File | None = None
        self._file_depth = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth == 1:
            if name != "coverage":
                raise ReportError(f"{WHAT}: the root element must be <coverage>, not <{name}>")
            return
        file = self._file
        if file is not None:
            if self._depth == self._file_depth + 1:
                if name == "metrics":
                    file.metrics = attrs
                elif name == "line":
                    self._line(file, attrs)
            return
        if self._depth == 2:
            self._in_project = name == "project"
            if self._in_project:
                self.name = attrs.get("name") or None
        elif name == "file" and self._in_project:
            path = attrs.get("path") or attrs.get("name")
            if not path:
                raise ReportError(f"{WHAT}: <file> without a name or path")
            self._file = _File(path)
            self._file_depth = self._depth

    def _line(self, file: _File, attrs: dict[str, str]) -> None:
        kind = attrs.get("type", "stmt")
        if kind not in ("stmt", "cond"):
            return  # "method" lines: a method's entry, not a statement
        try:
            number = int(attrs["num"])
            count = int(attrs.get("count") or 0)
        except (KeyError, ValueError):
            number = to_int(attrs.get("num"), f"{WHAT}: <line> attribute num")
            count = to_int(attrs.get("count"), f"{WHAT}: <line> attribute count", default=0, allow_negative=True)
        if kind == "cond":
            true_count, false_count = attribute_ints(attrs, ("truecount", "falsecount"), f"{WHAT}: <line>")
            executed = count > 0 or true_count + false_count > 0
            if executed and (true_count == 0 or false_count == 0):
                file.partial_lines.append(number)
        else:
            executed = count > 0
        if executed:
            file.stmt_covered += 1
            file.hit_lines.append(number)
        else:
            file.stmt_missed += 1
            file.missed_lines.append(number)

    def text(self, data: str) -> None:
        pass

    def end(self, name: str) -> None:
        if self._file is not None and self._depth == self._file_depth:
            self._end_file(self._file)
            self._file = None
        elif self._depth == 2:
            self._in_project = False
        self._depth -= 1

    def _end_file(self, file: _File) -> None:
        metrics = file.metrics
        branches = None
        if metrics is not None and "statements" in metrics:
            statements = to_int(metrics.get("statements"), f"{WHAT}: <metrics statements>", default=0)
            covered = to_int(metrics.get("coveredstatements"), f"{WHAT}: <metrics coveredstatements>",
                             default=0)
            covered = min(covered, statements)
            missed = statements - covered
        else:
            covered, missed = file.stmt_covered, file.stmt_missed
        if metrics is not None and "conditionals" in metrics:
            conditionals = to_int(metrics.get("conditionals"), f"{WHAT}: <metrics conditionals>", default=0)
            covered_conditionals = min(
                to_int(metrics.get("coveredconditionals"), f"{WHAT}: <metrics coveredconditionals>", default=0),
                conditionals,
            )
            branches = LineCounters(covered_conditionals, conditionals - covered_conditionals)
        self.files.add(file.path, covered, missed, branches, file.missed_lines, file.partial_lines, file.hit_lines)


def parse_clover_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    handler = _CloverHandler(base_directory)
    parse_xml_chunks(chunks, handler, what=WHAT, allow_doctype=True)
    return CoverageReport.from_files(CoverageFormat.CLOVER, handler.files.results(), name=handler.name)


def parse_clover(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """A Clover XML report; ReportError when it is malformed or unsafe."""
    return parse_clover_chunks(iter_chunks(source), base_directory)
