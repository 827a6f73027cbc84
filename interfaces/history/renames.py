"""Rename detection that gives the same answer as git's ``diffcore-rename`` (``-M``, no copies).

Why not dulwich's ``RenameDetector``: it treats modified files as copy sources (git ``-M`` does
not), accepts a pair only when its score is strictly above the threshold (git: at or above),
scores with Python's ``hash`` of each line (git uses its own span hash, whose collisions count),
gives up on inexact renames above 200x200 candidates (git: 1000x1000) and has no basename pass.
Each of those changes which pairs come out as renames, so this module follows git 2.39's
``diffcore-rename.c`` step by step instead:

1. exact renames: for every added path (in path order) the first unused deleted path with the
   same blob, preferring one with the same file name; symlinks only pair with symlinks;
2. basename pass: a deleted file whose name is unique among the remaining deleted files and
   also among the remaining added files is paired with that added file when they are at least
   ``minimum + (100% - minimum) / 2`` similar (80% for the 60% threshold);
3. if the remaining ``adds x deletes`` exceeds ``rename_limit ** 2``, stop (git's
   ``diff.renameLimit``, default 1000);
4. the matrix: for each remaining added file the 4 best deleted files by similarity (then same
   file name) as git's ``record_if_better`` keeps them, all candidates sorted by score (stable),
   pairs taken greedily when the score is at least ``minimum`` and neither side is taken yet.

Similarity is git's ``estimate_similarity``: both sides must be regular files; the size ratio must
allow the threshold; the content is cut in spans ending at a newline or after 64 bytes (in text
files ``\\r\\n`` counts as ``\\n``; a last piece without newline shorter than 64 bytes is not
counted), each span hashed with git's hash modulo 107927; the bytes of the spans the two blobs
share (per hash, the smaller count) over the larger blob size, scaled to 60000. Git prints
``score * 100 // 60000`` as the similarity percentage.

Comparing every deleted file with every added one is what makes this slow in git for large
diffs (a merge against its second parent can have thousands of each). Here the matrix only
scores pairs that can reach the threshold, found with prefix filtering over the span hashes, and
remembers rows, scores and candidates across calls: the merges of a long-lived branch present
nearly the same files again and again.
"""

from __future__ import annotations

import operator
import stat
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import compress, filterfalse

__all__ = [
    "DEFAULT_RENAME_LIMIT",
    "DEFAULT_RENAME_THRESHOLD",
    "MAX_SCORE",
    "Entry",
    "Rename",
    "RenameResult",
    "SimilarityIndex",
    "detect_renames",
    "prepare_span_hashes",
    "score_for_percent",
    "span_hash_counts",
    "span_hashes",
]

MAX_SCORE = 60000
DEFAULT_RENAME_THRESHOLD = 60  # percent; JGit's (coderadar's) default, git's own is 50
DEFAULT_RENAME_LIMIT = 1000  # git's diff.renameLimit default
_HASHBASE = 107927
_MASK = 0xFFFFFFFF
_FIRST_FEW_BYTES = 8000
_NUM_CANDIDATE_PER_DST = 4
_MAX_EXACT_ALTERNATIVES = 100
_INCREMENTAL_LIMIT = 48  # changed sources up to which earlier rows and candidates are reused
_SNAPSHOTS = 6  # matrix calls remembered

# (path, mode, hex sha) as bytes, the way dulwich stores tree entries.
Entry = tuple[bytes, int, bytes]
# A row of the matrix: (score, same file name 0/1, position of the source), best first.
_Row = tuple[tuple[int, int, int], ...]


def score_for_percent(percent: int) -> int:
    """git's ``-M<percent>%`` as an internal score (``parse_rename_score``)."""
    if percent >= 100:
        return MAX_SCORE
    return MAX_SCORE * percent // 100


@dataclass(frozen=True, slots=True)
class Rename:
    old: Entry
    new: Entry
    score: int  # 0..MAX_SCORE

    @property
    def similarity(self) -> int:
        """The percentage git prints after ``R``."""
        return self.score * 100 // MAX_SCORE


@dataclass(frozen=True, slots=True)
class RenameResult:
    renames: list[Rename]
    adds: list[Entry]  # added entries not part of a rename
    deletes: list[Entry]  # deleted entries not part of a rename


# --------------------------------------------------------------------------------------------
# git's span hash (diffcore-delta.c)

# line (without its newline) -> when the line with its newline is one span, its hash * 128 + its
# length (an int), else the (hash, length) of each of its spans; spans repeat a lot across blobs
_LineSpans = int | tuple[tuple[int, int], ...]
_line_cache: dict[bytes, _LineSpans] = {}
_line_cache_old: dict[bytes, _LineSpans] = {}
_LINE_CACHE_SIZE = 200_000


def _span_hash(span: bytes) -> int:
    """``hash_chars``' accumulator over one span.

    git shifts each 32-bit half left by 7 and XORs in the 7 bits shifted out of the other
    half; those land in bits that are zero, so adding them is the same and a bit faster.
    """
    a1 = a2 = 0
    for c in span:
        a1, a2 = ((a1 << 7) + (a2 >> 25) + c) & _MASK, ((a2 << 7) + (a1 >> 25)) & _MASK
    return ((a1 + a2 * 0x61) & _MASK) % _HASHBASE


_LANES = 128  # spans hashed together in one big int


def span_hashes(spans: Sequence[bytes]) -> list[int]:
    """``_span_hash`` of each span (each at most 64 bytes), many at once.

    Each span gets a 64-bit lane of one big int, so every step of git's hash is a few big-int
    operations for all of them. Leading zero bytes leave the hash's state at 0, so spans of
    different lengths are right-aligned with zeros to the longest.
    """
    out: list[int] = []
    if not spans:
        return out
    order = sorted(range(len(spans)), key=lambda k: len(spans[k]))
    values = [0] * len(spans)
    for start in range(0, len(order), _LANES):
        batch = order[start : start + _LANES]
        n = len(batch)
        width = len(spans[batch[-1]])
        buf = b"".join([spans[k].rjust(width, b"\0") for k in batch])
        m32 = int.from_bytes(b"\xff\xff\xff\xff\0\0\0\0" * n, "little")
        m7 = int.from_bytes(b"\x7f\0\0\0\0\0\0\0" * n, "little")
        column = bytearray(8 * n)
        a1 = a2 = 0
        for j in range(width):
            column[0::8] = buf[j::width]
            carry = (a1 >> 25) & m7
            a1 = (((a1 << 7) & m32) + ((a2 >> 25) & m7) + int.from_bytes(column, "little")) & m32
            a2 = ((a2 << 7) & m32) + carry
        lanes = ((a1 + a2 * 0x61) & m32).to_bytes(8 * n, "little")
        for i, k in enumerate(batch):
            values[k] = int.from_bytes(lanes[8 * i : 8 * i + 4], "little") % _HASHBASE
    return values


def _remember_lines(raws: list[bytes]) -> dict[bytes, _LineSpans]:
    """The spans of lines (without their newline) not in the line cache, hashed together and
    remembered."""
    global _line_cache, _line_cache_old
    found: dict[bytes, _LineSpans] = {}
    todo: list[bytes] = []
    for raw in dict.fromkeys(raws):
        value = _line_cache.get(raw)
        if value is None:
            value = _line_cache_old.get(raw)
        if value is None:
            todo.append(raw)
        else:
            found[raw] = value
    pieces: list[bytes] = []
    for raw in todo:
        line = raw + b"\n"
        if len(line) <= 64:
            pieces.append(line)
        else:
            pieces.extend(line[i : i + 64] for i in range(0, len(line), 64))
    hashes = dict(zip(pieces, span_hashes(pieces), strict=True))
    for raw in todo:
        line = raw + b"\n"
        if len(line) <= 64:
            found[raw] = hashes[line] << 7 | len(line)
        else:
            found[raw] = tuple((hashes[line[i : i + 64]], len(line[i : i + 64])) for i in range(0, len(line), 64))
    for raw, value in found.items():
        if len(_line_cache) >= _LINE_CACHE_SIZE:
            _line_cache_old = _line_cache
            _line_cache = {}
        _line_cache[raw] = value
    return found


def _lines(data: bytes) -> tuple[list[bytes], bytes]:
    """The lines of a blob as git's ``hash_chars`` sees them, and the piece after the last
    newline."""
    if b"\0" not in data[:_FIRST_FEW_BYTES]:  # text: ignore the CR of CRLF
        data = data.replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    last = lines.pop()
    return lines, last


def prepare_span_hashes(blobs: Sequence[bytes]) -> None:
    """Hash the new lines of several blobs together, ahead of ``span_hash_counts``."""
    missing: list[bytes] = []
    for data in blobs:
        lines, _ = _lines(data)
        get = _line_cache.get
        missing.extend(raw for raw, value in zip(lines, map(get, lines), strict=True) if value is None)
    if missing:
        _remember_lines(missing)


def span_hash_counts(data: bytes) -> dict[int, int]:
    """hash value -> number of bytes in spans with that hash, as git's ``hash_chars``."""
    counts: dict[int, int] = {}
    get = counts.get
    lines, last = _lines(data)
    values = list(map(_line_cache.get, lines))
    if None in values:
        found = _remember_lines([raw for raw, value in zip(lines, values, strict=True) if value is None])
        values = [found[raw] if value is None else value for raw, value in zip(lines, values, strict=True)]
    for spans, n in Counter(values).items():
        if spans.__class__ is int:
            h = spans >> 7
            counts[h] = get(h, 0) + n * (spans & 127)
        else:
            for h, size in spans:  # type: ignore[union-attr]
                counts[h] = get(h, 0) + n * size
    # git counts a span when it ends with a newline or reaches 64 bytes: a last line without a
    # newline only adds its full 64-byte pieces, the rest is not counted at all.
    for i in range(0, len(last) - 63, 64):
        h = _span_hash(last[i : i + 64])
        counts[h] = get(h, 0) + 64
    return counts


def _common_bytes(a: dict[int, int], b: dict[int, int]) -> int:
    if len(a) > len(b):
        a, b = b, a
    total = 0
    for h in a.keys() & b.keys():
        x = a[h]
        y = b[h]
        total += x if x < y else y
    return total


# --------------------------------------------------------------------------------------------
# what is remembered across calls


class _DstState:
    """What is known about one added entry: the rename sources it was last checked against
    (``base``, the same object for all entries checked in one call), those of them that reach
    the minimum, and, for rows that need a replay, every source's (score, same name) key."""

    __slots__ = ("base", "good", "keys")

    def __init__(self, base: frozenset[Entry], good: dict[Entry, int]) -> None:
        self.base = base
        self.good = good
        self.keys: dict[Entry, int] | None = None  # source -> score * 2 + same name


class SimilarityIndex:
    """Loads blobs and keeps, across calls and bounded, what rename detection needs: sizes,
    span hash counts, pair scores, candidate indexes and matrix rows."""

    def __init__(self, load: Callable[[bytes], bytes], max_cached: int = 5_000) -> None:
        self._load = load
        self._max = max_cached
        self._sizes: dict[bytes, int] = {}
        self._data: dict[bytes, bytes] = {}
        self._counts: dict[bytes, dict[int, int]] = {}
        self._counts_old: dict[bytes, dict[int, int]] = {}
        self._scores: dict[tuple[bytes, bytes], int] = {}
        self._similarities: dict[tuple[bytes, bytes, int], int] = {}  # similarity(), by blobs and minimum
        # how many counted blobs contain each span hash; a frozen copy ranks hashes by rarity
        self._df: Counter[int] = Counter()
        self._df_blobs = 0
        self._rank: list[int] = list(range(_HASHBASE))  # hash -> its place by (frozen count, hash)
        self._order_blobs = 0
        self._order_version = 0
        self._prefixes: dict[bytes, tuple[int, int, tuple[int, ...]]] = {}
        # rename sources (0) and added files (1) by prefix hash, for one (minimum, order version)
        self._postings: tuple[dict[int, list[Entry]], dict[int, list[Entry]]] = ({}, {})
        self._indexed: tuple[set[Entry], set[Entry]] = (set(), set())
        self._postings_key = (-1, -1)
        # matrix rows of recent calls, and what is known per added entry
        self._snapshots: list[_Snapshot] = []
        self._states: dict[tuple[Entry, int], _DstState] = {}

    # ---------------------------------------------------------------- blobs

    def size(self, sha: bytes) -> int:
        size = self._sizes.get(sha)
        if size is None:
            data = self._load(sha)
            size = len(data)
            if len(self._sizes) >= self._max * 10:
                self._sizes.clear()
            self._sizes[sha] = size
            # keep the content until its spans are counted or the diff is over
            self._data[sha] = data
        return size

    def counts(self, sha: bytes) -> dict[int, int]:
        counts = self._counts.get(sha)
        if counts is None:
            counts = self._counts_old.get(sha)
            if counts is None:
                data = self._data.pop(sha, None)
                if data is None:
                    data = self._load(sha)
                counts = span_hash_counts(data)
                self._df.update(counts.keys())
                self._df_blobs += 1
            if len(self._counts) >= self._max:
                self._counts_old = self._counts
                self._counts = {}
            self._counts[sha] = counts
        return counts

    def release(self) -> None:
        """Forget loaded contents (sizes and span counts stay cached)."""
        self._data.clear()

    def similarity(self, src: Entry, dst: Entry, minimum_score: int) -> int:
        """git's ``estimate_similarity``: 0..MAX_SCORE, 0 when the sizes already rule it out."""
        if not (stat.S_ISREG(src[1]) and stat.S_ISREG(dst[1])):
            return 0
        key = (src[2], dst[2], minimum_score)
        score = self._similarities.get(key)
        if score is None:
            score = self.score(src[2], dst[2], self.size(src[2]), self.size(dst[2]), minimum_score)
            if len(self._similarities) >= self._max * 20:
                self._similarities.clear()
            self._similarities[key] = score
        return score

    def score(self, src: bytes, dst: bytes, src_size: int, dst_size: int, minimum_score: int) -> int:
        """``similarity`` of two regular files whose sizes are known."""
        if src_size > dst_size:
            max_size, base_size = src_size, dst_size
        else:
            max_size, base_size = dst_size, src_size
        if max_size * (MAX_SCORE - minimum_score) < (max_size - base_size) * MAX_SCORE:
            return 0
        if not dst_size:
            return 0
        key = (src, dst)
        score = self._scores.get(key)
        if score is None:
            copied = _common_bytes(self.counts(src), self.counts(dst))
            score = copied * MAX_SCORE // max_size
            if len(self._scores) >= self._max * 20:
                self._scores.clear()
            self._scores[key] = score
        return score

    # ---------------------------------------------------------------- candidates

    def _prefix(self, sha: bytes, minimum_score: int) -> tuple[int, ...]:
        """The rarest span hashes of a blob that leave fewer than ``need`` of its span bytes.

        Two blobs that score at least ``minimum_score`` share at least ``need`` span bytes
        (``need`` from either blob's size), so, with one order of hashes for all blobs, the
        first hash they share is in both prefixes (prefix filtering).
        """
        cached = self._prefixes.get(sha)
        if cached is not None and cached[0] == self._order_version and cached[1] == minimum_score:
            return cached[2]
        counts = self.counts(sha)
        need = -(-minimum_score * self.size(sha) // MAX_SCORE)
        total = sum(counts.values())
        result: list[int] = []
        if need > 0 and total >= need:
            covered = 0
            for h in sorted(counts, key=self._rank.__getitem__):
                if total - covered < need:
                    break
                result.append(h)
                covered += counts[h]
        prefix = tuple(result)
        if len(self._prefixes) >= self._max * 3:
            self._prefixes.clear()
        self._prefixes[sha] = (self._order_version, minimum_score, prefix)
        return prefix

    def _prepare(self, entries: AbstractSet[Entry], minimum_score: int) -> None:
        """Hash the new lines of the blobs whose prefixes ``index`` is about to work out together."""
        blobs: list[bytes] = []
        for _, mode, sha in entries:
            if not stat.S_ISREG(mode) or sha in self._counts or sha in self._counts_old:
                continue
            cached = self._prefixes.get(sha)
            if cached is not None and cached[0] == self._order_version and cached[1] == minimum_score:
                continue
            if not self.size(sha):
                continue
            data = self._data.get(sha)
            if data is None:
                data = self._data[sha] = self._load(sha)
            blobs.append(data)
        if len(blobs) > 1:
            prepare_span_hashes(blobs)

    def index(self, sources: frozenset[Entry], dsts: frozenset[Entry], minimum_score: int) -> None:
        """Make ``probe`` know these rename sources (side 0) and added files (side 1)."""
        if self._df_blobs >= max(2 * self._order_blobs, 200):
            # rank hashes by rarity again once twice as many blobs have been seen
            order = dict(self._df)
            rank = self._rank
            for place, h in enumerate(sorted(range(_HASHBASE), key=lambda h: (order.get(h, 0), h))):
                rank[h] = place
            self._order_blobs = self._df_blobs
            self._order_version += 1
        key = (minimum_score, self._order_version)
        if self._postings_key != key or len(self._indexed[0]) + len(self._indexed[1]) > self._max * 10:
            self._postings = ({}, {})
            self._indexed = (set(), set())
            self._postings_key = key
        for side, entries in ((0, sources), (1, dsts)):
            indexed = self._indexed[side]
            new = entries - indexed
            if not new:
                continue
            self._prepare(new, minimum_score)
            postings = self._postings[side]
            for entry in new:
                _, mode, sha = entry
                if stat.S_ISREG(mode) and self.size(sha):
                    for h in self._prefix(sha, minimum_score):
                        found = postings.get(h)
                        if found is None:
                            postings[h] = [entry]
                        else:
                            found.append(entry)
            indexed |= new

    def probe(self, entry: Entry, side: int, within: AbstractSet[Entry], minimum_score: int) -> set[Entry]:
        """Entries of ``side`` (indexed before, and in ``within``) that may score at least the
        minimum with ``entry``: every one that does is among them."""
        found: set[Entry] = set()
        if not stat.S_ISREG(entry[1]) or not self.size(entry[2]):
            return found
        postings = self._postings[side]
        for h in self._prefix(entry[2], minimum_score):
            entries = postings.get(h)
            if entries:
                found.update(entries)
        found &= within
        return found

    def good_pairs(self, dst: Entry, sources: AbstractSet[Entry], minimum_score: int) -> dict[Entry, int]:
        """Of ``sources``, those scoring at least the minimum against ``dst``, with their score."""
        dst_sha = dst[2]
        dst_size = self.size(dst_sha)
        good: dict[Entry, int] = {}
        keep = MAX_SCORE - minimum_score
        for src in sources:
            if not stat.S_ISREG(src[1]):
                continue
            src_size = self.size(src[2])
            big, small = (src_size, dst_size) if src_size > dst_size else (dst_size, src_size)
            if big * keep < (big - small) * MAX_SCORE:
                continue
            score = self.score(src[2], dst_sha, src_size, dst_size, minimum_score)
            if score >= minimum_score:
                good[src] = score
        return good

    # ---------------------------------------------------------------- matrix memory

    def closest_snapshot(self, sources: frozenset[Entry], minimum_score: int) -> _Snapshot | None:
        """The remembered matrix call whose sources differ least from these."""
        best: _Snapshot | None = None
        best_distance = -1
        for snapshot in self._snapshots:
            if snapshot.minimum != minimum_score:
                continue
            if abs(len(snapshot.sources) - len(sources)) > _INCREMENTAL_LIMIT:
                continue
            distance = len(sources ^ snapshot.sources)
            if best is None or distance < best_distance:
                best, best_distance = snapshot, distance
                if not distance:
                    break
        return best

    def remember_snapshot(self, snapshot: _Snapshot) -> None:
        if len(snapshot.rows) < 16:  # small diffs are cheap to work out again
            return
        self._snapshots.insert(0, snapshot)
        del self._snapshots[_SNAPSHOTS:]

    def state(self, key: tuple[Entry, int]) -> _DstState | None:
        return self._states.get(key)

    def remember_state(self, key: tuple[Entry, int], state: _DstState) -> None:
        if len(self._states) >= self._max * 2:
            self._states.clear()
        self._states[key] = state


# --------------------------------------------------------------------------------------------
# the algorithm


_basenames: dict[bytes, bytes] = {}


def _basename(path: bytes) -> bytes:
    found = _basenames.get(path)
    if found is None:
        if len(_basenames) > 50_000:
            _basenames.clear()
        found = _basenames[path] = path[path.rfind(b"/") + 1 :]
    return found


_sha_of = operator.itemgetter(2)
_path_of = operator.itemgetter(0)
_known_basenames: dict[bytes, bytes] = {}


def _basenames_of(entries: Sequence[Entry], left: list[int], taken: set[int]) -> list[bytes]:
    """The file names of ``entries[i]`` for ``i`` in ``left`` (all of them when none is taken)."""
    global _known_basenames
    paths = list(map(_path_of, entries if not taken else map(entries.__getitem__, left)))
    names = list(map(_known_basenames.get, paths))
    if None in names:
        if len(_known_basenames) > 200_000:
            _known_basenames = {}
        for k, name in enumerate(names):
            if name is None:
                path = paths[k]
                names[k] = _known_basenames[path] = path.rpartition(b"/")[2]
    return names  # type: ignore[return-value]


def detect_renames(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    index: SimilarityIndex,
    minimum_score: int = MAX_SCORE * DEFAULT_RENAME_THRESHOLD // 100,
    rename_limit: int = DEFAULT_RENAME_LIMIT,
) -> RenameResult:
    """Pair deleted and added entries the way ``git diff -M`` does (see the module docstring).

    ``adds`` and ``deletes`` must be sorted by path (git's diff queue order).
    """
    if not adds or not deletes:
        return RenameResult([], list(adds), list(deletes))
    try:
        return _detect(adds, deletes, index, minimum_score, rename_limit)
    finally:
        index.release()


def _detect(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    index: SimilarityIndex,
    minimum_score: int,
    rename_limit: int,
) -> RenameResult:
    renames: list[Rename] = []
    used_src: set[int] = set()
    dst_done: set[int] = set()

    # 1. exact renames (only blobs on both sides matter)
    common = set(map(_sha_of, adds)).intersection(map(_sha_of, deletes))
    if common:
        by_sha: dict[bytes, list[int]] = {}
        for i in compress(range(len(deletes)), map(common.__contains__, map(_sha_of, deletes))):
            by_sha.setdefault(deletes[i][2], []).append(i)
        for di in compress(range(len(adds)), map(common.__contains__, map(_sha_of, adds))):
            dst = adds[di]
            best = -1
            best_score = -1
            left = _MAX_EXACT_ALTERNATIVES
            dst_base = dst[0].rpartition(b"/")[2]
            dst_regular = stat.S_ISREG(dst[1])
            for si in by_sha[dst[2]]:
                if si in used_src:
                    continue
                src = deletes[si]
                if not (src[1] == dst[1] or (dst_regular and stat.S_ISREG(src[1]))):
                    continue
                score = 1 + (src[0].rpartition(b"/")[2] == dst_base)
                if score > best_score:
                    best, best_score = si, score
                    if score == 2:
                        break
                left -= 1
                if not left:
                    break
            if best >= 0:
                used_src.add(best)
                dst_done.add(di)
                renames.append(Rename(deletes[best], dst, MAX_SCORE))

    if minimum_score >= MAX_SCORE:
        return _result(adds, deletes, renames, used_src, dst_done)

    # 2. basename pass: names unique among the remaining sources and among the remaining adds
    src_left = list(filterfalse(used_src.__contains__, range(len(deletes))))
    dst_left = list(filterfalse(dst_done.__contains__, range(len(adds))))
    basename_min = minimum_score + (MAX_SCORE - minimum_score) // 2
    src_bases = _basenames_of(deletes, src_left, used_src)
    dst_bases = _basenames_of(adds, dst_left, dst_done)
    shared = set(src_bases).intersection(dst_bases)
    if shared:
        src_count = Counter(src_bases)
        dst_count = Counter(dst_bases)
        dst_of = dict(zip(dst_bases, dst_left, strict=True))  # only read for names found once
        found_any = False
        for base, si in zip(src_bases, src_left, strict=True):
            if base not in shared or src_count[base] != 1 or dst_count[base] != 1:
                continue
            di = dst_of[base]
            score = index.similarity(deletes[si], adds[di], basename_min)
            if score < basename_min:
                continue
            used_src.add(si)
            dst_done.add(di)
            renames.append(Rename(deletes[si], adds[di], score))
            found_any = True
        if found_any:
            src_left = list(filterfalse(used_src.__contains__, src_left))
            dst_left = list(filterfalse(dst_done.__contains__, dst_left))

    # 3. limit
    if not src_left or not dst_left or len(src_left) * len(dst_left) > rename_limit * rename_limit:
        return _result(adds, deletes, renames, used_src, dst_done)

    # 4. the matrix
    for score, _, di, si in _matrix(adds, deletes, src_left, dst_left, index, minimum_score):
        if di in dst_done or si in used_src:
            continue
        used_src.add(si)
        dst_done.add(di)
        renames.append(Rename(deletes[si], adds[di], score))
    return _result(adds, deletes, renames, used_src, dst_done)


def _result(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    renames: list[Rename],
    used_src: set[int],
    dst_done: set[int],
) -> RenameResult:
    return RenameResult(renames, _without(adds, dst_done), _without(deletes, used_src))


def _without(entries: Sequence[Entry], taken: set[int]) -> list[Entry]:
    if not taken:
        return list(entries)
    return list(compress(entries, map(operator.not_, map(taken.__contains__, range(len(entries))))))


def _matrix(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    src_left: list[int],
    dst_left: list[int],
    index: SimilarityIndex,
    minimum_score: int,
) -> list[tuple[int, int, int, int]]:
    """git's candidate matrix as (score, same name, dst, src), sorted as git sorts it; only
    candidates at or above the minimum, the only ones the greedy pass can take.

    The merges of a long-lived branch present nearly the same sources and added files again and
    again, so the rows of earlier calls are kept (``_Snapshot``) and a call only works out the
    rows that its differences from the closest earlier call can change.
    """
    sources = tuple(deletes[si] for si in src_left)
    dsts = [adds[di] for di in dst_left]
    rows = _Rows(sources, dsts, index, minimum_score)
    source_set = rows.source_set()
    snapshot = index.closest_snapshot(source_set, minimum_score)
    reusable: Callable[[Entry, tuple[tuple[int, int, Entry], ...]], bool] | None = None
    if snapshot is not None:
        reusable = _reuse_test(snapshot, sources, rows, index, minimum_score)
    position = rows.positions()
    mx: list[tuple[int, int, int, int]] = []
    kept: dict[Entry, tuple[tuple[int, int, Entry], ...]] = {}
    replayed: set[Entry] = set()
    for di, dst in zip(dst_left, dsts, strict=True):
        row: tuple[tuple[int, int, Entry], ...] | None = None
        if snapshot is not None and reusable is not None:
            previous = snapshot.rows.get(dst)
            if previous is not None and reusable(dst, previous):
                row = previous
                if dst in snapshot.replayed:
                    replayed.add(dst)
        if row is None:
            computed, was_replayed = rows.row(dst)
            row = tuple((score, name_score, sources[k]) for score, name_score, k in computed)
            if was_replayed:
                replayed.add(dst)
        kept[dst] = row
        for score, name_score, src in row:
            mx.append((score, name_score, di, src_left[position[src]]))
    index.remember_snapshot(_Snapshot(minimum_score, source_set, sources[:_NUM_CANDIDATE_PER_DST], kept, replayed))
    mx.sort(key=lambda m: (-m[0], -m[1]))
    return mx


class _Snapshot:
    """The matrix rows of one call, by added entry, in terms of source entries."""

    __slots__ = ("first", "minimum", "replayed", "rows", "sources")

    def __init__(
        self,
        minimum: int,
        sources: frozenset[Entry],
        first: tuple[Entry, ...],
        rows: dict[Entry, tuple[tuple[int, int, Entry], ...]],
        replayed: set[Entry],
    ) -> None:
        self.minimum = minimum
        self.sources = sources
        self.first = first  # the first sources: they fill git's candidate slots whatever they score
        self.rows = rows
        self.replayed = replayed  # rows that needed the slot replay


def _reuse_test(
    snapshot: _Snapshot,
    sources: tuple[Entry, ...],
    rows: _Rows,
    index: SimilarityIndex,
    minimum: int,
) -> Callable[[Entry, tuple[tuple[int, int, Entry], ...]], bool] | None:
    """A test of whether an earlier row still holds for the current sources, or None when the
    sources changed too much to bother."""
    source_set = rows.source_set()
    added = source_set - snapshot.sources
    removed = snapshot.sources - source_set
    if len(added) + len(removed) > _INCREMENTAL_LIMIT:
        return None
    changed = added | removed
    same_first = sources[:_NUM_CANDIDATE_PER_DST] == snapshot.first
    # added sources can only enter rows of added files they share a prefix hash with
    touched: set[Entry] = set()
    if added:
        dst_set = rows.ensure_indexed()
        for src in added:
            touched |= index.probe(src, 1, dst_set, minimum)

    def reusable(dst: Entry, previous: tuple[tuple[int, int, Entry], ...]) -> bool:
        if dst in touched:
            return False
        if dst not in snapshot.replayed:
            # the best candidates at or above the minimum: unchanged unless one of them left
            return not any(src in removed for _, _, src in previous)
        # a replayed row depends on every source's score, but one that scores 0 and has another
        # name (nearly all of them) never takes a slot after the first four are filled
        if not same_first or any(src in removed for _, _, src in previous):
            return False
        return all(_slot_key(src, dst, index, minimum) == 0 for src in changed)

    return reusable


def _slot_key(src: Entry, dst: Entry, index: SimilarityIndex, minimum: int) -> int:
    """git's ordering key of a candidate pair: score * 2 + same file name."""
    if stat.S_ISREG(src[1]) and stat.S_ISREG(dst[1]):
        score = index.score(src[2], dst[2], index.size(src[2]), index.size(dst[2]), minimum)
    else:
        score = 0
    return score * 2 + (1 if _basename(src[0]) == _basename(dst[0]) else 0)


class _Rows:
    """Rows of git's candidate matrix for one list of rename sources and one of added files."""

    def __init__(
        self,
        sources: tuple[Entry, ...],
        dsts: Sequence[Entry],
        index: SimilarityIndex,
        minimum_score: int,
    ) -> None:
        self._sources = sources
        self._dsts = dsts
        self._index = index
        self._minimum = minimum_score
        self._source_set: frozenset[Entry] | None = None
        self._dst_set: frozenset[Entry] | None = None
        self._position: dict[Entry, int] | None = None
        # per base set of sources: (base, the sources not in it, added file -> those it may match)
        self._unknown_by_base: dict[int, tuple[frozenset[Entry], frozenset[Entry], dict[Entry, set[Entry]]]] = {}

    def source_set(self) -> frozenset[Entry]:
        if self._source_set is None:
            self._source_set = frozenset(self._sources)
        return self._source_set

    def positions(self) -> dict[Entry, int]:
        if self._position is None:
            self._position = {src: k for k, src in enumerate(self._sources)}
        return self._position

    def ensure_indexed(self) -> frozenset[Entry]:
        """Index the sources and added files of this call for ``probe``; the added files."""
        if self._dst_set is None:
            self._dst_set = frozenset(self._dsts)
            self._index.index(self.source_set(), self._dst_set, self._minimum)
        return self._dst_set

    def _unknown(self, base: frozenset[Entry]) -> tuple[frozenset[Entry], dict[Entry, set[Entry]]]:
        """The sources not in ``base`` and, per added file, those of them it may match. The rows
        checked in one call share their base, so this is worked out once per base."""
        found = self._unknown_by_base.get(id(base))
        if found is None or found[0] is not base:
            unknown = self.source_set() - base
            matches: dict[Entry, set[Entry]] = {}
            if unknown and len(unknown) <= _INCREMENTAL_LIMIT:
                dsts = self.ensure_indexed()
                for src in unknown:
                    for dst in self._index.probe(src, 1, dsts, self._minimum):
                        matches.setdefault(dst, set()).add(src)
            found = (base, unknown, matches)
            self._unknown_by_base[id(base)] = found
        return found[1], found[2]

    def row(self, dst: Entry) -> tuple[_Row, bool]:
        """The candidates git keeps for ``dst`` that reach the minimum, in slot order, and
        whether the row needed git's slot replay."""
        path, mode, dst_sha = dst
        index = self._index
        minimum = self._minimum
        if not stat.S_ISREG(mode) or not index.size(dst_sha):
            return (), False
        sources = self.source_set()
        state = index.state((dst, minimum))
        keys: dict[Entry, int] | None = None
        if state is not None and state.base is not sources:
            unknown, matches = self._unknown(state.base)
            if len(unknown) > _INCREMENTAL_LIMIT:
                keys = state.keys
                state = None
            else:
                # only the new sources that share a prefix hash with dst can reach the minimum
                maybe = matches.get(dst)
                good = {src: score for src, score in state.good.items() if src in sources}
                if maybe:
                    good.update(index.good_pairs(dst, maybe, minimum))
                state.base = sources
                state.good = good
                if state.keys is not None and len(state.keys) > 2 * len(sources):
                    state.keys = {src: key for src, key in state.keys.items() if src in sources}
        if state is None:
            self.ensure_indexed()
            candidates = index.probe(dst, 0, sources, minimum)
            state = _DstState(sources, index.good_pairs(dst, candidates, minimum))
            state.keys = keys  # pair keys stay true
            index.remember_state((dst, minimum), state)
        if not state.good:
            return (), False
        position = self.positions()
        dst_base = _basename(path)
        row = [(score, 1 if _basename(src[0]) == dst_base else 0, position[src]) for src, score in state.good.items()]
        if len(row) > 1 and len({(r[0], r[1]) for r in row}) < len(row):
            # Equal scores: which of them git keeps, and in which order, depends on the slots
            # its record_if_better() filled with the weaker pairs before; replay that row.
            return self._replay(dst, state), True
        row.sort(key=lambda r: (-r[0], -r[1], r[2]))
        return tuple(row[:_NUM_CANDIDATE_PER_DST]), False

    def _replay(self, dst: Entry, state: _DstState) -> _Row:
        """git's 4 candidate slots of ``dst``, filled exactly as ``record_if_better`` does:
        every source in path order replaces the first worst slot when strictly better (score,
        then same name). The keys of all sources are kept with the row's state."""
        path, _, dst_sha = dst
        index = self._index
        minimum = self._minimum
        keys = state.keys
        if keys is None:
            keys = state.keys = {}
        sources = self._sources
        key_list = [keys.get(src, -1) for src in sources]
        if -1 in key_list:
            dst_size = index.size(dst_sha)
            dst_base = _basename(path)
            for k, key in enumerate(key_list):
                if key < 0:
                    src_path, src_mode, src_sha = src = sources[k]
                    if stat.S_ISREG(src_mode):
                        score = index.score(src_sha, dst_sha, index.size(src_sha), dst_size, minimum)
                    else:
                        score = 0
                    key = keys[src] = score * 2 + (1 if _basename(src_path) == dst_base else 0)
                    key_list[k] = key
        count = min(_NUM_CANDIDATE_PER_DST, len(key_list))
        slot_keys = key_list[:count]
        slot_pos = list(range(count))
        if count == _NUM_CANDIDATE_PER_DST:
            worst_key = min(slot_keys)
            worst = slot_keys.index(worst_key)
            for k in range(count, len(key_list)):
                key = key_list[k]
                if key > worst_key:
                    slot_keys[worst] = key
                    slot_pos[worst] = k
                    worst_key = min(slot_keys)
                    worst = slot_keys.index(worst_key)
        row = []
        for key, k in zip(slot_keys, slot_pos, strict=True):
            score, name_score = key >> 1, key & 1
            if score >= minimum:
                row.append((score, name_score, k))
        return tuple(row)
