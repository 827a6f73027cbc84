"""A lean, read-only object reader over a repository's pack files (index version 2).

Reading history is mostly reading objects: dulwich's general object store spends most of its
time per object in bookkeeping (multi-pack-index and pack-directory checks, index lookups that
call back into Python, chunked inflating). This reader maps the ``.idx`` and ``.pack`` files,
finds objects by binary search, inflates them in one call and resolves delta chains with
dulwich's compiled ``apply_delta``, keeping recently resolved objects for reuse as delta bases.
Anything it cannot read (loose objects, new packs, other index versions) is left to the caller,
which falls back to dulwich's object store.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib

try:  # compiled in dulwich's wheels
    from dulwich._pack import apply_delta as _apply_delta
except ImportError:  # pragma: no cover
    from dulwich.pack import apply_delta as _apply_delta

__all__ = ["PackReader"]

_OFS_DELTA = 6
_REF_DELTA = 7
_IDX_MAGIC = b"\xfftOc"
_BASE_CACHE_BYTES = 32 * 1024 * 1024


class _Pack:
    def __init__(self, idx_path: str, pack_path: str) -> None:
        with open(idx_path, "rb") as f:
            self.idx = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        with open(pack_path, "rb") as f:
            self.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self.idx[:4] != _IDX_MAGIC or struct.unpack(">I", self.idx[4:8])[0] != 2:
            self.close()
            raise ValueError("unsupported pack index")
        self.fanout = struct.unpack(">256I", self.idx[8 : 8 + 1024])
        self.count = self.fanout[255]
        self.names = 8 + 1024
        self.offsets32 = self.names + 20 * self.count + 4 * self.count
        self.offsets64 = self.offsets32 + 4 * self.count
        self.view = memoryview(self.data)

    def close(self) -> None:
        if hasattr(self, "view"):
            self.view.release()
        self.idx.close()
        if hasattr(self, "data"):
            self.data.close()

    def offset(self, sha: bytes) -> int:
        """Offset of a binary sha in the pack, or -1."""
        first = sha[0]
        lo = self.fanout[first - 1] if first else 0
        hi = self.fanout[first]
        idx = self.idx
        names = self.names
        while lo < hi:
            mid = (lo + hi) >> 1
            start = names + 20 * mid
            probe = idx[start : start + 20]
            if probe < sha:
                lo = mid + 1
            elif probe > sha:
                hi = mid
            else:
                pos = self.offsets32 + 4 * mid
                value = int.from_bytes(idx[pos : pos + 4], "big")
                if value & 0x80000000:
                    pos = self.offsets64 + 8 * (value & 0x7FFFFFFF)
                    value = int.from_bytes(idx[pos : pos + 8], "big")
                return value
        return -1


def _object_dirs(objects: str, depth: int = 0) -> list[str]:
    """An objects directory and those it borrows from (``info/alternates``, as git reads them)."""
    found = [objects]
    if depth >= 5:
        return found
    try:
        with open(os.path.join(objects, "info", "alternates"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        path = line if os.path.isabs(line) else os.path.normpath(os.path.join(objects, line))
        found.extend(_object_dirs(path, depth + 1))
    return found


class PackReader:
    """Objects by hex id from the packs of a git directory (and of its alternates)."""

    def __init__(self, git_dir: str) -> None:
        self._packs: list[_Pack] = []
        for objects in _object_dirs(os.path.join(git_dir, "objects")):
            pack_dir = os.path.join(objects, "pack")
            try:
                names = sorted(os.listdir(pack_dir))
            except OSError:
                continue
            for name in names:
                if not name.endswith(".idx"):
                    continue
                base = os.path.join(pack_dir, name[: -len(".idx")])
                if not os.path.exists(base + ".pack"):
                    continue
                try:
                    self._packs.append(_Pack(base + ".idx", base + ".pack"))
                except (OSError, ValueError):
                    continue
        self._cache: dict[tuple[int, int], tuple[int, bytes]] = {}
        self._cache_old: dict[tuple[int, int], tuple[int, bytes]] = {}
        self._cache_bytes = 0

    def close(self) -> None:
        for pack in self._packs:
            pack.close()
        self._packs = []
        self._cache.clear()
        self._cache_old.clear()

    def get(self, hex_sha: bytes) -> tuple[int, bytes] | None:
        """(type number, content) or None when no pack has it."""
        sha = bytes.fromhex(hex_sha.decode("ascii"))
        for number, pack in enumerate(self._packs):
            offset = pack.offset(sha)
            if offset >= 0:
                return self._read(number, pack, offset)
        return None

    def _lookup_base(self, sha: bytes) -> tuple[int, bytes] | None:
        for number, pack in enumerate(self._packs):
            offset = pack.offset(sha)
            if offset >= 0:
                return self._read(number, pack, offset)
        return None

    def _cached(self, key: tuple[int, int]) -> tuple[int, bytes] | None:
        found = self._cache.get(key)
        if found is None:
            found = self._cache_old.get(key)
            if found is not None:
                self._remember(key, found)
        return found

    def _remember(self, key: tuple[int, int], value: tuple[int, bytes]) -> None:
        size = len(value[1])
        if self._cache_bytes + size > _BASE_CACHE_BYTES // 2:
            self._cache_old = self._cache
            self._cache = {}
            self._cache_bytes = 0
        self._cache[key] = value
        self._cache_bytes += size

    def _read(self, number: int, pack: _Pack, offset: int) -> tuple[int, bytes]:
        found = self._cached((number, offset))
        if found is not None:
            return found
        # walk down the delta chain until a cached object or a full object
        chain: list[tuple[int, bytes]] = []  # (offset, delta)
        base: tuple[int, bytes] | None = None
        current = offset
        while True:
            type_num, data, base_ref = self._unpack(pack, current)
            if type_num == _OFS_DELTA:
                chain.append((current, data))
                assert isinstance(base_ref, int)
                current = base_ref
                base = self._cached((number, current))
                if base is not None:
                    break
                continue
            if type_num == _REF_DELTA:
                chain.append((current, data))
                assert isinstance(base_ref, bytes)
                base = self._lookup_base(base_ref)
                if base is None:
                    raise KeyError(base_ref.hex())
                break
            base = (type_num, data)
            if chain:  # a delta base: worth keeping
                self._remember((number, current), base)
            break
        type_num, data = base
        for position in range(len(chain) - 1, -1, -1):
            at, delta = chain[position]
            data = b"".join(_apply_delta(data, delta))
            if position:
                self._remember((number, at), (type_num, data))
        return type_num, data

    @staticmethod
    def _unpack(pack: _Pack, offset: int) -> tuple[int, bytes, int | bytes | None]:
        data = pack.data
        byte = data[offset]
        type_num = (byte >> 4) & 7
        size = byte & 15
        shift = 4
        pos = offset + 1
        while byte & 0x80:
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
        base: int | bytes | None = None
        if type_num == _OFS_DELTA:
            byte = data[pos]
            pos += 1
            delta_offset = byte & 0x7F
            while byte & 0x80:
                byte = data[pos]
                pos += 1
                delta_offset = ((delta_offset + 1) << 7) | (byte & 0x7F)
            base = offset - delta_offset
        elif type_num == _REF_DELTA:
            base = bytes(data[pos : pos + 20])
            pos += 20
        inflater = zlib.decompressobj()
        window = size + (size >> 6) + 128
        out = inflater.decompress(pack.view[pos : pos + window], size)
        while len(out) < size and not inflater.eof:
            more_at = pos + window
            window *= 2
            out += inflater.decompress(
                inflater.unconsumed_tail + pack.view[more_at : pos + window], size - len(out)
            )
        if len(out) != size:
            raise zlib.error("object size mismatch in pack")
        return type_num, out, base
