"""Recognise a coverage report's format from its content (never from a file name).

* XML whose root is ``<report>``: JaCoCo.
* XML whose root is ``<coverage>``: Cobertura when it has Cobertura's attributes (``line-rate``,
  ``lines-valid``...) or its first child is ``<sources>``/``<packages>``; Clover when it has Clover's
  (``clover``, ``generated``) or its first child is ``<project>``/``<testproject>``.
* Text whose first non-blank line is ``mode: ...``: Go coverprofile.
* Text whose first non-blank line is an LCOV record line (``TN:``, ``SF:``, ``VER:``...): LCOV.

The XML is read through the same safe parser as the reports themselves, so a hostile document is
refused here already.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.testing.coverage import CoverageFormat
from interfaces.testing.parsers._coverage_common import Chunk
from interfaces.testing.parsers._xml import SafeXmlParser
from interfaces.testing.parsers.errors import ReportError

WHAT = "coverage report"
DETECT_LIMIT = 1 << 20  # bytes read at most to recognise the format
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_LCOV_FIRST_LINE = re.compile(r"^(?:TN|SF|VER|FN|FNL|FNA|FNDA|FNF|FNH|DA|LF|LH|BRDA|BRF|BRH):")
_COBERTURA_ATTRIBUTES = frozenset({"line-rate", "branch-rate", "lines-valid", "lines-covered"})
_CLOVER_ATTRIBUTES = frozenset({"clover", "generated"})


class _Found(Exception):
    def __init__(self, format: CoverageFormat | None) -> None:
        super().__init__(format)
        self.format = format


class _DetectHandler:
    def __init__(self) -> None:
        self._depth = 0
        self.root: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth == 1:
            self.root = name
            if name == "report":
                raise _Found(CoverageFormat.JACOCO)
            if name != "coverage":
                raise _Found(None)
            if _COBERTURA_ATTRIBUTES & attrs.keys():
                raise _Found(CoverageFormat.COBERTURA)
            if _CLOVER_ATTRIBUTES & attrs.keys():
                raise _Found(CoverageFormat.CLOVER)
        elif self._depth == 2:
            if name in ("sources", "packages"):
                raise _Found(CoverageFormat.COBERTURA)
            if name in ("project", "testproject"):
                raise _Found(CoverageFormat.CLOVER)
            raise _Found(None)

    def end(self, name: str) -> None:
        self._depth -= 1

    def text(self, data: str) -> None:
        pass


def _detect_xml(chunks: list[Chunk], rest: Iterator[Chunk], seen: int) -> tuple[CoverageFormat | None, str]:
    handler = _DetectHandler()
    parser = SafeXmlParser(handler, what="coverage XML", allow_doctype=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        while seen < DETECT_LIMIT:
            more = next(rest, None)
            if more is None:
                parser.close()
                break
            chunks.append(more)
            seen += len(more)
            parser.feed(more)
    except _Found as found:
        return found.format, f"XML with root <{handler.root}>"
    return None, f"XML with root <{handler.root}>" if handler.root else "XML without elements"


def _first_line(data: bytes) -> str:
    for raw in data.split(b"\n"):
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            return line
    return ""


def _detect_text(first_line: str) -> CoverageFormat | None:
    if first_line.startswith("mode:"):
        return CoverageFormat.GO
    if _LCOV_FIRST_LINE.match(first_line) or first_line == "end_of_record":
        return CoverageFormat.LCOV
    return None


def sniff_coverage_format(chunks: Iterator[Chunk]) -> tuple[CoverageFormat, list[Chunk]]:
    """Read the start of a report; its format and the bytes read so far (to be parsed again).

    Raises ReportError when the input is empty, unsafe or malformed XML, or of no known format.
    """
    # skip a byte-order mark and blank lines (before an XML declaration they would make the
    # document malformed); the first other byte tells XML from text
    stripped = b""
    pending = b""
    at_start = True
    for chunk in chunks:
        data = pending + bytes(chunk)
        pending = b""
        if at_start:
            if len(data) < len(_BOM) and _BOM.startswith(data):
                pending = data  # maybe the start of a byte-order mark
                continue
            data = data.removeprefix(_BOM)
            at_start = False
        stripped = data.lstrip(_WHITESPACE)
        if stripped:
            break
    if not stripped:
        raise ReportError(f"{WHAT}: empty input")
    read: list[Chunk] = [stripped]
    seen = len(stripped)
    if stripped.startswith(b"<"):
        format, described = _detect_xml(read, chunks, seen)
    else:
        # read until the first non-blank line is complete
        while b"\n" not in stripped and seen < DETECT_LIMIT:
            more = next(chunks, None)
            if more is None:
                break
            read.append(more)
            seen += len(more)
            stripped += bytes(more)
        first = _first_line(stripped)
        format = _detect_text(first)
        described = f"text starting with {first[:60]!r}"
    if format is None:
        raise ReportError(
            f"unrecognised coverage format ({described}); expected JaCoCo XML, Cobertura XML, "
            "Clover XML, LCOV or a Go coverprofile"
        )
    return format, read


def detect_coverage_format(data: bytes) -> CoverageFormat | None:
    """The format of a report; None when it is not one we read.

    Raises ReportError for empty input and for unsafe or malformed XML.
    """
    try:
        format, _ = sniff_coverage_format(iter([data]))
    except ReportError as exc:
        if exc.message.startswith("unrecognised coverage format"):
            return None
        raise
    return format
