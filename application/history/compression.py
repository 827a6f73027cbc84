"""A faster zlib for the history log: batch events are large (megabytes of commit records), and zlib's
default level spends three to four times the CPU of level 1 for a few percent of size. The stream
format is zlib's, so events written with either compressor read back with either."""

from __future__ import annotations

import zlib

from eventsourcing.persistence import Compressor

LEVEL = 1
TOPIC = "application.history.compression:FastZlibCompressor"
DEFAULT_ZLIB = "eventsourcing.compressor:ZlibCompressor"


class FastZlibCompressor(Compressor):
    def compress(self, data: bytes) -> bytes:
        return zlib.compress(data, LEVEL)

    def decompress(self, data: bytes) -> bytes:
        return zlib.decompress(data)
