"""JaCoCo XML coverage (``jacoco.xml``), read as a stream.

``report > (group >)* package > sourcefile > line/counter``: each ``sourcefile`` gives one file,
``<package name>/<sourcefile name>``, with the sourcefile's LINE counter (covered = lines with at
least one covered instruction) and BRANCH counter. Class and method counters are not needed. The
``<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">`` line is accepted and
never fetched.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport, LineCounters
from interfaces.testing.parsers._coverage_common import Chunk, CountedFiles, attribute_ints
from interfaces.testing.parsers._xml import ReportSource, iter_chunks, parse_xml_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "JaCoCo XML"
_LINE_ATTRIBUTES = ("nr", "mi", "ci", "mb", "cb")
_LINE_WHAT = f"{WHAT}: <line>"


class _SourceFile:
    __slots__ = ("branch_counter", "covered_lines", "hit_lines", "line_counter", "missed", "missed_lines", "name",
                 "partial_lines")

    def __init__(self, name: str) -> None:
        self.name = name
        self.line_counter: LineCounters | None = None
        self.branch_counter: LineCounters | None = None
        self.covered_lines = 0
        self.missed = 0
        self.missed_lines: list[int] = []
        self.partial_lines: list[int] = []
        self.hit_lines: list[int] = []


class _JacocoHandler:
    def __init__(self, base_directory: str | None) -> None:
        self.files = CountedFiles(base_directory)
        self.name: str | None = None
        self._depth = 0
        self._packages: list[str] = []
        self._source: _SourceFile | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth == 1:
            if name != "report":
                raise ReportError(f"{WHAT}: the root element must be <report>, not <{name}>")
            self.name = attrs.get("name") or None
            return
        source = self._source
        if source is not None:
            if name == "line":
                self._line(source, attrs)
            elif name == "counter":
                self._counter(source, attrs)
        elif name == "package":
            self._packages.append(attrs.get("name", "").strip().strip("/"))
        elif name == "sourcefile":
            self._source = _SourceFile(attrs.get("name", "").strip())

    def _line(self, source: _SourceFile, attrs: dict[str, str]) -> None:
        nr, mi, ci, mb, cb = attribute_ints(attrs, _LINE_ATTRIBUTES, _LINE_WHAT, required=("nr",))
        if ci or cb:
            source.covered_lines += 1
            source.hit_lines.append(nr)
            if mi or mb:
                source.partial_lines.append(nr)
        elif mi or mb:
            source.missed += 1
            source.missed_lines.append(nr)

    def _counter(self, source: _SourceFile, attrs: dict[str, str]) -> None:
        kind = attrs.get("type")
        if kind not in ("LINE", "BRANCH"):
            return
        covered, missed = attribute_ints(attrs, ("covered", "missed"), f"{WHAT}: <counter>")
        counter = LineCounters(covered=covered, missed=missed)
        if kind == "LINE":
            source.line_counter = counter
        else:
            source.branch_counter = counter

    def text(self, data: str) -> None:
        pass

    def end(self, name: str) -> None:
        self._depth -= 1
        if name == "sourcefile" and self._source is not None:
            self._end_source(self._source)
            self._source = None
        elif name == "package" and self._source is None and self._packages:
            self._packages.pop()

    def _end_source(self, source: _SourceFile) -> None:
        package = self._packages[-1] if self._packages else ""
        path = f"{package}/{source.name}" if package else source.name
        lines = source.line_counter or LineCounters(source.covered_lines, source.missed)
        self.files.add(path, lines.covered, lines.missed, source.branch_counter, source.missed_lines,
                       source.partial_lines, source.hit_lines)


def parse_jacoco_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    handler = _JacocoHandler(base_directory)
    parse_xml_chunks(chunks, handler, what=WHAT, allow_doctype=True)
    return CoverageReport.from_files(CoverageFormat.JACOCO, handler.files.results(), name=handler.name)


def parse_jacoco(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """A JaCoCo XML report; ReportError when it is malformed or unsafe."""
    return parse_jacoco_chunks(iter_chunks(source), base_directory)
