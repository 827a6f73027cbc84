"""Byte streams for uploads: gzip decompression with a hard limit on what comes out.

A gzip body of a few kilobytes can expand to gigabytes (a "zip bomb"). :class:`GunzipReader` reads
the compressed stream in chunks and never produces more than ``limit`` bytes: one byte more and it
raises :class:`~domain.shared.errors.TooLarge`. It is a file-like object (``read(n)``), so a
streaming parser can pull from it directly; nothing is held beyond one chunk.
"""

from __future__ import annotations

import zlib
from typing import Protocol

from domain.shared.errors import Invalid, TooLarge

CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class LimitedReader:
    """Passes a stream through, refusing (TooLarge) more than ``limit`` bytes."""

    def __init__(self, source: Readable, limit: int, what: str = "request body") -> None:
        self._source = source
        self._limit = limit
        self._what = what
        self.total = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(CHUNK if size is None or size < 0 else size)
        self.total += len(data)
        if self.total > self._limit:
            raise TooLarge(f"{self._what} is larger than the limit of {self._limit} bytes")
        return data


class GunzipReader:
    """The decompressed bytes of a gzip stream (one or more members), at most ``limit`` of them."""

    def __init__(self, source: Readable, limit: int, head: bytes = b"") -> None:
        self._source = source
        self._limit = limit
        self._head = head
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""  # compressed input not yet consumed by the inflater
        self._finished = False
        self._started = False
        self.total = 0  # decompressed bytes handed out

    def _next_input(self) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        return self._source.read(CHUNK)

    def read(self, size: int = -1, /) -> bytes:
        want = CHUNK if size is None or size < 0 else max(1, size)
        while not self._finished:
            if not self._pending:
                self._pending = self._next_input()
                if not self._pending:
                    if not self._started:
                        raise Invalid("empty gzip body")
                    if not self._inflater.eof:
                        raise Invalid("the gzip body is truncated")
                    self._finished = True
                    break
            if self._inflater.eof:
                # another gzip member follows (or trailing zero padding, which gzip tolerates)
                if not self._pending.strip(b"\x00"):
                    self._pending = b""
                    continue
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._started = True
            try:
                out = self._inflater.decompress(self._pending, want)
            except zlib.error as exc:
                raise Invalid(f"the body is not valid gzip data ({exc})") from None
            self._pending = self._inflater.unconsumed_tail or self._inflater.unused_data
            if out:
                self.total += len(out)
                if self.total > self._limit:
                    raise TooLarge(f"the decompressed body is larger than the limit of {self._limit} bytes")
                return out
        return b""


class PeekedReader:
    """A stream with its first bytes already read (to sniff the content) put back in front."""

    def __init__(self, head: bytes, source: Readable) -> None:
        self._head = head
        self._source = source

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size is None or size < 0 or size >= len(self._head):
                data, self._head = self._head, b""
            else:
                data, self._head = self._head[:size], self._head[size:]
            return data
        return self._source.read(CHUNK if size is None or size < 0 else size)


def decoded_body(source: Readable, content_encoding: str | None, limit: int) -> Readable:
    """The body to parse: gunzipped (at most ``limit`` bytes) when the encoding says gzip, or when it
    says nothing and the body starts with gzip's magic bytes; otherwise as sent (also at most
    ``limit`` bytes)."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return GunzipReader(source, limit)
    if encoding not in ("", "identity"):
        raise Invalid(f"unsupported Content-Encoding {content_encoding!r}; send gzip or nothing")
    head = source.read(2)
    if head == GZIP_MAGIC:
        return GunzipReader(source, limit, head=head)
    return LimitedReader(PeekedReader(head, source), limit)
