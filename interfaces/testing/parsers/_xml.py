"""A safe, streaming XML front end on top of expat, shared by the XML report parsers.

* Streaming: input is fed in chunks and turned into start/end/text callbacks; nothing builds a tree,
  so memory is bounded by what the format handler keeps.
* Safe: entity declarations, internal DTD subsets, external entities and undefined entity
  references are refused with a :class:`ReportError`; a DTD is never fetched. A DOCTYPE line
  without an internal subset (JaCoCo's ``<!DOCTYPE report PUBLIC ... "report.dtd">``) is accepted
  only when the caller allows it.
* Several concatenated documents (Projektor's test-suite blob) are read one after the other when
  ``multiple_documents`` is true: when a document's root element has closed and expat meets
  anything but white space, comments or processing instructions, a new parser starts at that byte.
"""

from __future__ import annotations

import pyexpat
from collections.abc import Iterable, Iterator
from typing import Protocol

from interfaces.testing.parsers.errors import ReportError

CHUNK_SIZE = 1 << 16
TEXT_BUFFER_SIZE = 1 << 16


class ReadableBinary(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


ReportSource = bytes | bytearray | memoryview | ReadableBinary


def iter_chunks(source: ReportSource, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes | memoryview]:
    """The source's bytes in chunks of at most ``chunk_size``."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        for start in range(0, len(view), chunk_size):
            yield view[start : start + chunk_size]
        return
    while True:
        chunk = source.read(chunk_size)
        if not chunk:
            return
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(f"report stream must be binary, read() returned {type(chunk).__name__}")
        yield chunk


class XmlHandler(Protocol):
    """What a format parser implements to receive the events of a document."""

    def start(self, name: str, attrs: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


class SafeXmlParser:
    """Feeds bytes to expat with unsafe constructs refused; calls ``handler`` for each event."""

    def __init__(
        self,
        handler: XmlHandler,
        *,
        what: str,
        allow_doctype: bool = False,
        multiple_documents: bool = False,
    ) -> None:
        self._handler = handler
        self._what = what
        self._allow_doctype = allow_doctype
        self._multiple = multiple_documents
        self.documents = 0  # documents whose root element has closed
        # position of the current parser's first byte in the whole input (for error messages)
        self._line_base = 1
        self._column_base = 0
        self._new_parser()

    # -- parser setup -------------------------------------------------------------------------
    def _new_parser(self) -> None:
        parser = pyexpat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = TEXT_BUFFER_SIZE
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        if self._multiple:
            # track the depth to know when a document ends and the next may start
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
        else:
            # the handler's own methods, without a wrapper: after the first element, expat calls
            # them directly (the fast path for large coverage reports)
            parser.StartElementHandler = self._first_start
            parser.EndElementHandler = self._handler.end
        parser.CharacterDataHandler = self._handler.text
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity_decl
        parser.UnparsedEntityDeclHandler = self._unparsed_entity_decl
        parser.ExternalEntityRefHandler = self._external_entity_ref
        parser.SkippedEntityHandler = self._skipped_entity
        parser.NotationDeclHandler = self._notation_decl
        self._parser = parser
        self._depth = 0
        self._seen_root = False
        self._root_closed = False
        self._fed = 0  # bytes fed to this parser
        self._trailer = bytearray()  # bytes fed since the chunk in which the root closed
        self._trailer_start = 0

    # -- expat callbacks ----------------------------------------------------------------------
    def _first_start(self, name: str, attrs: dict[str, str]) -> None:
        self._seen_root = True
        self._parser.StartElementHandler = self._handler.start
        self._handler.start(name, attrs)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        self._seen_root = True
        try:
            self._handler.start(name, attrs)
        except ReportError as exc:
            raise self._with_position(exc) from None

    def _end(self, name: str) -> None:
        try:
            self._handler.end(name)
        except ReportError as exc:
            raise self._with_position(exc) from None
        self._depth -= 1
        if self._depth == 0:
            self._root_closed = True
            self.documents += 1

    def _doctype(self, name: str, system_id: str | None, public_id: str | None, has_internal: int) -> None:
        if not self._allow_doctype:
            raise self._refused(f"DOCTYPE declarations are not allowed (<!DOCTYPE {name} ...>)")
        if has_internal:
            raise self._refused(
                "a DOCTYPE with an internal subset is not allowed (entity and other declarations are refused)"
            )

    def _entity_decl(self, name: str, *_: object) -> None:
        raise self._refused(f"entity declarations are not allowed (<!ENTITY {name} ...>)")

    def _unparsed_entity_decl(self, name: str, *_: object) -> None:
        raise self._refused(f"entity declarations are not allowed (<!ENTITY {name} ...>)")

    def _notation_decl(self, name: str, *_: object) -> None:
        raise self._refused(f"notation declarations are not allowed (<!NOTATION {name} ...>)")

    def _external_entity_ref(self, context: str | None, base: str | None, system_id: str | None,
                             public_id: str | None) -> int:
        raise self._refused(f"external entities are not allowed ({system_id or public_id})")

    def _skipped_entity(self, name: str, is_parameter_entity: int) -> None:
        raise self._refused(f"undefined entity reference &{name};")

    # -- feeding ------------------------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> None:
        while True:
            chunk_start = self._fed
            self._fed += len(data)
            was_closed = self._root_closed
            if was_closed:
                self._trailer += data
            try:
                self._parser.Parse(data, False)
            except ReportError as exc:  # from a handler called directly by expat
                raise self._with_position(exc) from None
            except pyexpat.ExpatError as exc:
                if not (self._multiple and self._root_closed):
                    raise self._expat_error(exc) from None
                if not was_closed:
                    self._trailer = bytearray(data)
                    self._trailer_start = chunk_start
                # The root closed and something other than white space, a comment or a processing
                # instruction follows: the next document starts here.
                restart = self._parser.ErrorByteIndex - self._trailer_start
                data = bytes(self._trailer[restart:])
                self._line_base, self._column_base = self._global_position(exc.lineno, exc.offset)
                self._new_parser()
                continue
            if self._root_closed and not was_closed:
                self._trailer = bytearray(data)
                self._trailer_start = chunk_start
            return

    def close(self) -> None:
        """Finish the input; raises ReportError when it ended early or held no document."""
        try:
            self._parser.Parse(b"", True)
        except pyexpat.ExpatError as exc:
            no_elements = exc.code == pyexpat.errors.codes[pyexpat.errors.XML_ERROR_NO_ELEMENTS]
            if no_elements and self.documents == 0 and not self._seen_root:
                raise ReportError(f"{self._what}: empty input, no XML document found") from None
            raise self._expat_error(exc) from None
        except ReportError as exc:
            raise self._with_position(exc) from None

    # -- error positions ----------------------------------------------------------------------
    def _global_position(self, line: int, column: int) -> tuple[int, int]:
        if line <= 1:
            return self._line_base, self._column_base + column
        return self._line_base + line - 1, column

    def _refused(self, reason: str) -> ReportError:
        """An unsafe construct at the parser's current position."""
        return self._with_position(ReportError(f"{self._what}: {reason}"))

    def _with_position(self, exc: ReportError) -> ReportError:
        """``exc`` with the parser's current position added, unless it has one already."""
        if exc.line is not None:
            return exc
        line, column = self._global_position(self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber)
        return ReportError(f"{exc.message} (line {line}, column {column})", line=line, column=column)

    def _expat_error(self, exc: pyexpat.ExpatError) -> ReportError:
        line, column = self._global_position(exc.lineno, exc.offset)
        reason = pyexpat.errors.messages[exc.code] if exc.code else str(exc)
        if exc.code == pyexpat.errors.codes[pyexpat.errors.XML_ERROR_NO_ELEMENTS]:
            reason = "unexpected end of input" if self._seen_root else "no XML element found"
        return ReportError(
            f"{self._what}: malformed XML: {reason} (line {line}, column {column})", line=line, column=column
        )


def parse_xml_chunks(
    chunks: Iterable[bytes | bytearray | memoryview],
    handler: XmlHandler,
    *,
    what: str,
    allow_doctype: bool = False,
    multiple_documents: bool = False,
) -> int:
    """Parse a whole input, given in chunks, into ``handler``; returns the number of documents read."""
    parser = SafeXmlParser(handler, what=what, allow_doctype=allow_doctype, multiple_documents=multiple_documents)
    for chunk in chunks:
        parser.feed(chunk)
    parser.close()
    return parser.documents
