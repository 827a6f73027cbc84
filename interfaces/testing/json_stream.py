"""A pull reader for large JSON documents whose big parts are strings.

Projektor's ``/groupedResults`` body is a JSON object whose test results (``testSuitesBlob``) and
coverage reports (``reportContents``) are strings that may hold 100 MB of XML. :class:`JsonReader`
walks the document from a byte stream in bounded memory: the caller asks for the next key or array
item, reads small values whole, skips what it does not need, and reads a big string as a stream of
its decoded UTF-8 bytes (:meth:`JsonReader.string_stream`), which goes straight into a streaming XML
parser.

The work happens in C where it matters: a regular expression finds the end of a string run and
``json``'s own string scanner decodes escapes, one buffer (64 KiB) at a time. Values the caller
skips are checked only for well-formed strings and balanced brackets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from domain.shared.errors import Invalid
from interfaces.testing.streams import CHUNK, Readable

MAX_DEPTH = 64
SMALL_VALUE_LIMIT = 1 << 20
_WHITESPACE = re.compile(rb"[ \t\r\n]*")
# a run of string content: plain bytes and complete escapes (an incomplete one stops the run)
_STRING_RUN = re.compile(rb'[^"\\]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\]*+)*+')
_HIGH_SURROGATE_TAIL = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\Z")
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
_STRUCTURAL = re.compile(rb'["{}\[\]]')
_QUOTE, _BACKSLASH = 0x22, 0x5C


def _utf8_cut(data: bytes, end: int) -> int:
    """``end`` moved back before a UTF-8 sequence that ``data[:end]`` leaves incomplete."""
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:
            return end
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end - back if back < needed else end
    return end


def _starts_escape(data: bytes, start: int, at: int) -> bool:
    """Whether the backslash at ``at`` starts an escape (an even number of backslashes precede it
    since ``start``, which is known to lie between escapes)."""
    run = 0
    i = at - 1
    while i >= start and data[i] == _BACKSLASH:
        run += 1
        i -= 1
    return run % 2 == 0


class JsonReader:
    """Reads one JSON document from a binary stream, part by part, as the caller asks."""

    def __init__(self, source: Readable, what: str = "JSON body") -> None:
        self._source = source
        self._what = what
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._consumed = 0  # bytes before the buffer (for error positions)

    # -- buffer ---------------------------------------------------------------------------------
    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._source.read(CHUNK)
        if not chunk:
            self._eof = True
            return False
        rest = self._buf[self._pos:]
        self._consumed += self._pos
        self._buf = rest + bytes(chunk) if rest else bytes(chunk)
        self._pos = 0
        return True

    def error(self, message: str) -> Invalid:
        return Invalid(f"{self._what}: {message} (at byte {self._consumed + self._pos})")

    def _peek(self) -> int | None:
        while True:
            match = _WHITESPACE.match(self._buf, self._pos)
            assert match is not None
            self._pos = match.end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return None

    def peek(self) -> str | None:
        """The next character that is not white space (None at the end)."""
        byte = self._peek()
        return None if byte is None else chr(byte)

    def _expect(self, char: str) -> None:
        byte = self._peek()
        if byte is None:
            raise self.error(f"unexpected end, expected {char!r}")
        if byte != ord(char):
            raise self.error(f"expected {char!r}, found {chr(byte)!r}")
        self._pos += 1

    def end(self) -> None:
        """Check that nothing but white space follows the document."""
        if self._peek() is not None:
            raise self.error("unexpected data after the JSON document")

    # -- structure ------------------------------------------------------------------------------
    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads or skips each value."""
        self._expect("{")
        if self._peek() == ord("}"):
            self._pos += 1
            return
        while True:
            if self._peek() != _QUOTE:
                raise self.error("expected a key")
            key = self.read_string(10_000)
            self._expect(":")
            yield key
            byte = self._peek()
            if byte == ord(","):
                self._pos += 1
                continue
            if byte == ord("}"):
                self._pos += 1
                return
            raise self.error("expected ',' or '}' after a value")

    def items(self) -> Iterator[int]:
        """The positions of the items of the array that starts here; the caller reads each item."""
        self._expect("[")
        if self._peek() == ord("]"):
            self._pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            byte = self._peek()
            if byte == ord(","):
                self._pos += 1
                continue
            if byte == ord("]"):
                self._pos += 1
                return
            raise self.error("expected ',' or ']' after an array item")

    # -- strings --------------------------------------------------------------------------------
    def _string_piece(self) -> tuple[bytes, bool]:
        """The next piece of the current string's raw content (escapes still encoded) and whether
        the string has ended. A piece never ends inside an escape or a UTF-8 sequence."""
        while True:
            buf, pos = self._buf, self._pos
            match = _STRING_RUN.match(buf, pos)
            assert match is not None
            end = match.end()
            if end < len(buf):
                byte = buf[end]
                if byte == _QUOTE:
                    self._pos = end + 1
                    return buf[pos:end], True
                # a backslash that does not start a complete escape: incomplete, or invalid
                if end + 1 < len(buf) and buf[end + 1] not in b'u"\\/bfnrt':
                    raise self.error(f"invalid escape {buf[end:end + 2]!r} in a string")
                if len(buf) - end >= 6 or self._eof:
                    if self._eof and len(buf) - end < 6:
                        raise self.error("unterminated string")
                    raise self.error(f"invalid escape {buf[end:end + 6]!r} in a string")
            cut = _utf8_cut(buf, end)
            if cut > pos and _HIGH_SURROGATE_TAIL.search(buf, pos, cut) and _starts_escape(buf, pos, cut - 6):
                cut -= 6  # keep a surrogate pair together
            if cut > pos:
                self._pos = cut
                return buf[pos:cut], False
            if not self._more():
                raise self.error("unterminated string")

    def _open_string(self) -> None:
        if self._peek() != _QUOTE:
            raise self.error("expected a string")
        self._pos += 1

    def read_string(self, limit: int) -> str:
        """The string that starts here (at most ``limit`` bytes of raw content)."""
        self._open_string()
        parts: list[bytes] = []
        size = 0
        while True:
            piece, done = self._string_piece()
            size += len(piece)
            if size > limit:
                raise self.error(f"a string is longer than {limit} bytes")
            parts.append(piece)
            if done:
                return _decode(b"".join(parts), self)

    def string_stream(self) -> StringStream:
        """The string that starts here, as a stream of its decoded UTF-8 bytes. Read it to the end
        (or call :meth:`StringStream.drain`) before asking the reader for anything else."""
        self._open_string()
        return StringStream(self)

    # -- values ---------------------------------------------------------------------------------
    def read_value(self, limit: int = SMALL_VALUE_LIMIT) -> Any:
        """The (small) value that starts here, decoded."""
        sink = bytearray()
        self._scan_value(sink, limit)
        try:
            return json.loads(bytes(sink))
        except RecursionError:
            raise self.error("value nested too deeply") from None
        except ValueError as exc:
            raise self.error(f"malformed value ({exc})") from None

    def skip_value(self) -> None:
        """Skip the value that starts here, whatever its size."""
        self._scan_value(None, 0)

    def _scan_value(self, sink: bytearray | None, limit: int) -> None:
        byte = self._peek()
        if byte is None:
            raise self.error("unexpected end, expected a value")
        if byte == _QUOTE:
            self._scan_string(sink, limit)
        elif byte in (ord("{"), ord("[")):
            self._scan_container(sink, limit)
        else:
            self._scan_scalar(sink, limit)

    def _append(self, sink: bytearray | None, data: bytes, limit: int) -> None:
        if sink is not None:
            sink += data
            if len(sink) > limit:
                raise self.error(f"a value is larger than {limit} bytes")

    def _scan_string(self, sink: bytearray | None, limit: int) -> None:
        self._open_string()
        self._append(sink, b'"', limit)
        while True:
            piece, done = self._string_piece()
            self._append(sink, piece, limit)
            if done:
                self._append(sink, b'"', limit)
                return

    def _scan_scalar(self, sink: bytearray | None, limit: int) -> None:
        while len(self._buf) - self._pos < 64 and self._more():
            pass
        match = _SCALAR.match(self._buf, self._pos)
        if match is None or (match.end() < len(self._buf) and self._buf[match.end()] not in b" \t\r\n,:]}"):
            raise self.error("malformed value")
        self._append(sink, self._buf[self._pos:match.end()], limit)
        self._pos = match.end()

    def _scan_container(self, sink: bytearray | None, limit: int) -> None:
        """Brackets must balance and strings must be well-formed; other content is taken as it is
        (a captured value is checked by ``json`` afterwards)."""
        stack: list[int] = []
        while True:
            match = _STRUCTURAL.search(self._buf, self._pos)
            if match is None:
                self._append(sink, self._buf[self._pos:], limit)
                self._pos = len(self._buf)
                if not self._more():
                    raise self.error("unexpected end inside an array or object")
                continue
            start = match.start()
            self._append(sink, self._buf[self._pos:start], limit)
            self._pos = start
            byte = self._buf[start]
            if byte == _QUOTE:
                self._scan_string(sink, limit)
                continue
            self._pos += 1
            self._append(sink, bytes((byte,)), limit)
            if byte in (ord("{"), ord("[")):
                stack.append(ord("}") if byte == ord("{") else ord("]"))
                if len(stack) > MAX_DEPTH:
                    raise self.error("value nested too deeply")
            else:
                if not stack or stack.pop() != byte:
                    raise self.error(f"unbalanced {chr(byte)!r}")
                if not stack:
                    return


def _decode(raw: bytes, reader: JsonReader) -> str:
    """A string's raw content (between its quotes) decoded."""
    if b"\\" not in raw:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise reader.error("a string is not valid UTF-8") from None
    try:
        text, _ = scanstring(raw.decode("utf-8") + '"', 0, False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise reader.error(f"malformed string ({exc})") from None
    value: str = text
    return value


class StringStream:
    """A JSON string's decoded content as UTF-8 bytes, read piece by piece (``read(n)``)."""

    def __init__(self, reader: JsonReader) -> None:
        self._reader = reader
        self._done = False
        self._ready = b""
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        while not self._ready and not self._done:
            raw, self._done = self._reader._string_piece()
            if b"\\" in raw:
                self._ready = _decode(raw, self._reader).encode("utf-8", "replace")
            else:
                self._ready = raw
        data = self._ready
        if 0 <= size < len(data):
            data, self._ready = data[:size], data[size:]
        else:
            self._ready = b""
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Skip what is left of the string."""
        self._ready = b""
        while not self._done:
            _, self._done = self._reader._string_piece()
