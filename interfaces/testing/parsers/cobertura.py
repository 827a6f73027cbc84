"""Cobertura XML coverage (Cobertura itself, coverage.py ``coverage xml``, gcovr, Istanbul...).

``coverage > packages > package > classes > class[filename] > lines > line[number, hits]``. Lines
are merged per file (several classes may share a file); a line is covered when any class executed it
(``hits > 0``). The ``line`` elements repeated under ``methods/method/lines`` are not counted again.
Branches come from ``condition-coverage="50% (1/2)"``. A ``<!DOCTYPE coverage SYSTEM "...dtd">`` line
is accepted and never fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.testing.coverage import CoverageFormat, CoverageReport
from interfaces.testing.parsers._coverage_common import Chunk, LineFiles, to_int
from interfaces.testing.parsers._xml import ReportSource, iter_chunks, parse_xml_chunks
from interfaces.testing.parsers.errors import ReportError

WHAT = "Cobertura XML"
_CONDITIONS = re.compile(r"\(\s*(\d+)\s*/\s*(\d+)\s*\)")


class _CoberturaHandler:
    def __init__(self, base_directory: str | None) -> None:
        self.files = LineFiles(base_directory)
        self._path: list[str] = []
        self._class_file: str | None = None
        self._hits: dict[int, int] = {}
        self._branches: dict[int, tuple[int, int]] = {}
        self.sources: list[str] = []
        self._text: list[str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        path = self._path
        if not path and name != "coverage":
            raise ReportError(f"{WHAT}: the root element must be <coverage>, not <{name}>")
        path.append(name)
        if name == "line":
            if self._class_file is not None and len(path) >= 3 and path[-2] == "lines" and path[-3] == "class":
                self._line(attrs)
        elif name == "source" and len(path) == 3 and path[1] == "sources":
            self._text = []
        elif name == "class":
            filename = attrs.get("filename") or attrs.get("name")
            if not filename:
                raise ReportError(f"{WHAT}: <class> without a filename")
            self._class_file = filename
            self._hits = {}
            self._branches = {}

    def _line(self, attrs: dict[str, str]) -> None:
        try:
            number = int(attrs["number"])
            hits = int(attrs.get("hits") or 0)
        except (KeyError, ValueError):
            number = to_int(attrs.get("number"), f"{WHAT}: <line> attribute number")
            hits = to_int(attrs.get("hits"), f"{WHAT}: <line> attribute hits", default=0, allow_negative=True)
        old = self._hits.get(number)
        if old is None or hits > old:
            self._hits[number] = hits
        branch = attrs.get("branch")
        if branch is not None and branch.strip().lower() == "true":
            match = _CONDITIONS.search(attrs.get("condition-coverage", ""))
            if match:
                covered, total = int(match.group(1)), int(match.group(2))
                old_covered, old_total = self._branches.get(number, (0, 0))
                self._branches[number] = (max(covered, old_covered), max(total, old_total))

    def text(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def end(self, name: str) -> None:
        self._path.pop()
        if name == "source" and self._text is not None:
            source = "".join(self._text).strip()
            if source and len(self.sources) < 100:
                self.sources.append(source)
            self._text = None
        if name == "class" and self._class_file is not None:
            self.files.get(self._class_file).merge(self._hits, self._branches)
            self._class_file = None
            self._hits = {}
            self._branches = {}


def parse_cobertura_chunks(chunks: Iterable[Chunk], base_directory: str | None = None) -> CoverageReport:
    handler = _CoberturaHandler(base_directory)
    parse_xml_chunks(chunks, handler, what=WHAT, allow_doctype=True)
    return CoverageReport.from_files(CoverageFormat.COBERTURA, handler.files.results(), sources=handler.sources)


def parse_cobertura(source: ReportSource, base_directory: str | None = None) -> CoverageReport:
    """A Cobertura XML report; ReportError when it is malformed or unsafe."""
    return parse_cobertura_chunks(iter_chunks(source), base_directory)
