"""Rename detection that gives the same answer as git's ``diffcore-rename`` (``-M``, no copies).

Why not dulwich's ``RenameDetector``: it treats modified files as copy sources (git ``-M`` does
not), accepts a pair only when its score is strictly above the threshold (git: at or above),
scores with Python's ``hash`` of each line (git uses its own span hash, whose collisions count),
gives up on inexact renames above 200x200 candidates (git: 1000x1000), and has no basename pass.
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
   file name), all candidates sorted by score (stable), and pairs taken greedily when the score
   is at least ``minimum`` and neither side is taken yet.

Similarity is git's ``estimate_similarity``: both sides must be regular files; the size ratio must
allow the threshold; the content is cut in spans at each newline or after 64 bytes (``\\r\\n``
counts as ``\\n`` in text files), each span hashed with git's hash modulo 107927; the bytes of the
spans the two blobs share (per hash, the smaller count) over the larger blob size, scaled to
60000. Git reports ``score * 100 // 60000`` as the similarity percentage.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

__all__ = [
    "DEFAULT_RENAME_LIMIT",
    "DEFAULT_RENAME_THRESHOLD",
    "MAX_SCORE",
    "Entry",
    "Rename",
    "RenameResult",
    "SimilarityIndex",
    "detect_renames",
    "score_for_percent",
    "span_hash_counts",
]

MAX_SCORE = 60000
DEFAULT_RENAME_THRESHOLD = 60  # percent; JGit's (coderadar's) default, git's own is 50
DEFAULT_RENAME_LIMIT = 1000  # git's diff.renameLimit default
_HASHBASE = 107927
_MASK = 0xFFFFFFFF
_FIRST_FEW_BYTES = 8000
_NUM_CANDIDATE_PER_DST = 4
_MAX_EXACT_ALTERNATIVES = 100

# (path, mode, hex sha) as bytes, the way dulwich stores tree entries.
Entry = tuple[bytes, int, bytes]


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

_span_cache: dict[bytes, int] = {}
_span_cache_old: dict[bytes, int] = {}
_SPAN_CACHE_SIZE = 300_000


def _span_hash(span: bytes) -> int:
    """``hash_chars``' accumulator over one span; spans repeat a lot, so callers cache this."""
    a1 = a2 = 0
    for c in span:
        old1 = a1
        a1 = (((a1 << 7) ^ (a2 >> 25)) + c) & _MASK
        a2 = ((a2 << 7) ^ (old1 >> 25)) & _MASK
    return ((a1 + a2 * 0x61) & _MASK) % _HASHBASE


def _cached_span_hash(span: bytes) -> int:
    global _span_cache, _span_cache_old
    value = _span_cache.get(span)
    if value is None:
        value = _span_cache_old.get(span)
        if value is None:
            value = _span_hash(span)
        if len(_span_cache) >= _SPAN_CACHE_SIZE:
            _span_cache_old = _span_cache
            _span_cache = {}
        _span_cache[span] = value
    return value


def span_hash_counts(data: bytes) -> dict[int, int]:
    """hash value -> number of bytes in spans with that hash, as git's ``hash_chars``."""
    if b"\0" not in data[:_FIRST_FEW_BYTES]:  # text: ignore the CR of CRLF
        data = data.replace(b"\r\n", b"\n")
    counts: dict[int, int] = {}
    get = counts.get
    cache = _span_cache
    lines = data.split(b"\n")
    last = lines.pop()
    for raw in lines:
        line = raw + b"\n"
        if len(line) <= 64:
            h = cache.get(line)
            if h is None:
                h = _cached_span_hash(line)
                cache = _span_cache
            counts[h] = get(h, 0) + len(line)
        else:
            for i in range(0, len(line), 64):
                span = line[i : i + 64]
                h = _cached_span_hash(span)
                counts[h] = get(h, 0) + len(span)
        # a cache rollover replaced the dict; keep using the live one
        cache = _span_cache
    # git counts a span when it ends with a newline or reaches 64 bytes: a last line without a
    # newline only adds its full 64-byte pieces, the rest is not counted at all.
    for i in range(0, len(last) - 63, 64):
        span = last[i : i + 64]
        h = _cached_span_hash(span)
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


class SimilarityIndex:
    """Loads blobs and caches what rename detection needs about them, across calls (bounded):
    sizes, span hash counts, pair scores, and the "prefix" of each blob used to find candidate
    pairs without comparing every deleted file with every added one (see ``candidates``)."""

    def __init__(self, load: Callable[[bytes], bytes], max_cached: int = 20_000) -> None:
        self._load = load
        self._max = max_cached
        self._sizes: dict[bytes, int] = {}
        self._data: dict[bytes, bytes] = {}
        self._counts: dict[bytes, dict[int, int]] = {}
        self._counts_old: dict[bytes, dict[int, int]] = {}
        self._scores: dict[tuple[bytes, bytes], int] = {}
        # how many counted blobs contain each span hash; a frozen copy orders the prefixes
        self._df: dict[int, int] = {}
        self._df_blobs = 0
        self._order: dict[int, int] = {}
        self._order_blobs = 0
        self._order_version = 0
        self._prefixes: dict[bytes, tuple[int, int, frozenset[int]]] = {}
        self._source_sets: dict[tuple[Entry, ...], int] = {}
        self._next_set_id = 0
        self.rows: dict[tuple[Entry, int, int], tuple[tuple[int, int, int], ...]] = {}
        self.dst_states: dict[tuple[Entry, int], _DstState] = {}

    def source_set_id(self, sources: tuple[Entry, ...]) -> int:
        """A number for this exact list of rename sources, stable while it is remembered."""
        found = self._source_sets.get(sources)
        if found is None:
            if len(self._source_sets) >= 4096:
                self._source_sets.clear()  # ids keep growing: old rows just stop matching
            self._next_set_id += 1
            found = self._next_set_id
            self._source_sets[sources] = found
        return found

    def remember_state(self, key: tuple[Entry, int], state: _DstState) -> None:
        if len(self.dst_states) >= self._max * 5:
            self.dst_states.clear()
        self.dst_states[key] = state

    def remember_row(self, key: tuple[Entry, int, int], row: tuple[tuple[int, int, int], ...]) -> None:
        if len(self.rows) >= self._max * 10:
            self.rows.clear()
        self.rows[key] = row

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
                df = self._df
                for h in counts:
                    df[h] = df.get(h, 0) + 1
                self._df_blobs += 1
            if len(self._counts) >= self._max:
                self._counts_old = self._counts
                self._counts = {}
            self._counts[sha] = counts
        return counts

    def release(self) -> None:
        """Forget loaded contents (span counts stay cached)."""
        self._data.clear()

    def similarity(self, src: Entry, dst: Entry, minimum_score: int) -> int:
        """git's ``estimate_similarity``: 0..MAX_SCORE, 0 when the sizes already rule it out."""
        if not (stat.S_ISREG(src[1]) and stat.S_ISREG(dst[1])):
            return 0
        src_size = self.size(src[2])
        dst_size = self.size(dst[2])
        return self.score(src[2], dst[2], src_size, dst_size, minimum_score)

    def score(self, src: bytes, dst: bytes, src_size: int, dst_size: int, minimum_score: int) -> int:
        """``similarity`` for two regular files whose sizes are known."""
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
            if len(self._scores) >= self._max * 25:
                self._scores.clear()
            self._scores[key] = score
        return score

    def refresh_order(self) -> None:
        """Re-rank span hashes by rarity once the number of counted blobs has doubled."""
        if self._df_blobs >= max(2 * self._order_blobs, 200):
            self._order = dict(self._df)
            self._order_blobs = self._df_blobs
            self._order_version += 1

    def prefix(self, sha: bytes, minimum_score: int) -> frozenset[int]:
        """The rarest span hashes of a blob that cover all but ``need - 1`` of its bytes.

        Two blobs that score at least ``minimum_score`` share at least ``need`` bytes of spans
        (``need`` computed from either size), so they share a hash of both prefixes (prefix
        filtering with one global order of hashes, rarest first).
        """
        cached = self._prefixes.get(sha)
        if cached is not None and cached[0] == self._order_version and cached[1] == minimum_score:
            return cached[2]
        counts = self.counts(sha)
        need = -(-minimum_score * self.size(sha) // MAX_SCORE)
        total = sum(counts.values())
        order = self._order
        result: list[int] = []
        if need > 0 and total >= need:
            covered = 0
            for h in sorted(counts, key=lambda h: (order.get(h, 0), h)):
                if total - covered < need:
                    break
                result.append(h)
                covered += counts[h]
        prefix = frozenset(result)
        if len(self._prefixes) >= self._max * 5:
            self._prefixes.clear()
        self._prefixes[sha] = (self._order_version, minimum_score, prefix)
        return prefix


def _basename(path: bytes) -> bytes:
    return path[path.rfind(b"/") + 1 :]


def _mode_ok_for_exact(src_mode: int, dst_mode: int) -> bool:
    if stat.S_ISREG(src_mode) and stat.S_ISREG(dst_mode):
        return True
    return src_mode == dst_mode


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

    renames: list[Rename] = []
    used_src: set[int] = set()
    dst_done: set[int] = set()

    # 1. exact renames
    by_sha: dict[bytes, list[int]] = {}
    for i, (_, _, sha) in enumerate(deletes):
        by_sha.setdefault(sha, []).append(i)
    for di, dst in enumerate(adds):
        candidates = by_sha.get(dst[2])
        if not candidates:
            continue
        best = -1
        best_score = -1
        left = _MAX_EXACT_ALTERNATIVES
        dst_base = _basename(dst[0])
        for si in candidates:
            src = deletes[si]
            if not _mode_ok_for_exact(src[1], dst[1]):
                continue
            if si in used_src:
                continue
            score = 1 + (_basename(src[0]) == dst_base)
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

    # 2. basename pass
    src_left = [i for i in range(len(deletes)) if i not in used_src]
    dst_left = [i for i in range(len(adds)) if i not in dst_done]
    if src_left and dst_left:
        basename_min = minimum_score + (MAX_SCORE - minimum_score) // 2
        src_names: dict[bytes, int] = {}
        for si in src_left:
            base = _basename(deletes[si][0])
            src_names[base] = -1 if base in src_names else si
        dst_names: dict[bytes, int] = {}
        for di in dst_left:
            base = _basename(adds[di][0])
            dst_names[base] = -1 if base in dst_names else di
        for si in src_left:
            base = _basename(deletes[si][0])
            found = dst_names.get(base)
            if found is None or found < 0 or src_names[base] < 0 or found in dst_done:
                continue
            di = found
            score = index.similarity(deletes[si], adds[di], basename_min)
            if score < basename_min:
                continue
            used_src.add(si)
            dst_done.add(di)
            renames.append(Rename(deletes[si], adds[di], score))
        src_left = [i for i in src_left if i not in used_src]
        dst_left = [i for i in dst_left if i not in dst_done]

    # 3. limit
    if not src_left or not dst_left or len(src_left) * len(dst_left) > rename_limit * rename_limit:
        index.release()
        return _result(adds, deletes, renames, used_src, dst_done)

    # 4. the matrix, restricted to pairs that can reach the threshold
    try:
        pairs = _matrix(adds, deletes, src_left, dst_left, index, minimum_score)
    finally:
        index.release()
    for score, _, di, si in pairs:
        if di in dst_done or si in used_src:
            continue
        used_src.add(si)
        dst_done.add(di)
        renames.append(Rename(deletes[si], adds[di], score))
    return _result(adds, deletes, renames, used_src, dst_done)


def _matrix(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    src_left: list[int],
    dst_left: list[int],
    index: SimilarityIndex,
    minimum_score: int,
) -> list[tuple[int, int, int, int]]:
    """git's candidate matrix: per added file the best 4 deleted files scoring at least the
    minimum (score, then same file name, then path order), all of them sorted by score then
    same name, stable in added-file order. Returned as (score, name score, dst, src).

    The merges of a long-lived branch see nearly the same files on both sides again and again,
    so rows are remembered per (added entry, exact list of deleted entries), and per added
    entry the deleted entries already scored against it are remembered too: a row then only
    scores the deleted entries it has not met yet.
    """
    sources = tuple(deletes[si] for si in src_left)
    set_id = index.source_set_id(sources)
    matrix = _Matrix(sources, index, minimum_score)
    mx: list[tuple[int, int, int, int]] = []
    rows = index.rows
    for di in dst_left:
        key = (adds[di], set_id, minimum_score)
        row = rows.get(key)
        if row is None:
            row = matrix.row(adds[di])
            index.remember_row(key, row)
        for score, name_score, k in row:
            mx.append((score, name_score, di, src_left[k]))
    mx.sort(key=lambda m: (-m[0], -m[1]))
    return mx


class _DstState:
    """What is known about one added entry: the deleted entries scored against it (``base``,
    shared with other entries, plus ``extra``) and those that reached the minimum."""

    __slots__ = ("base", "extra", "good")

    def __init__(self, base: frozenset[Entry], good: dict[Entry, int]) -> None:
        self.base = base
        self.extra: set[Entry] = set()
        self.good = good


_INCREMENTAL_LIMIT = 48  # unseen sources up to which a row is scored pairwise, not via prefixes


class _Matrix:
    """Rows of git's candidate matrix for one list of deleted entries."""

    def __init__(self, sources: tuple[Entry, ...], index: SimilarityIndex, minimum_score: int) -> None:
        self._sources = sources
        self._index = index
        self._minimum = minimum_score
        self._source_set: frozenset[Entry] | None = None
        self._position: dict[Entry, int] | None = None
        self._finder: _CandidateFinder | None = None

    def _set(self) -> frozenset[Entry]:
        if self._source_set is None:
            self._source_set = frozenset(self._sources)
        return self._source_set

    def row(self, dst: Entry) -> tuple[tuple[int, int, int], ...]:
        """git's candidate slots of ``dst`` that reach the minimum: (score, name score, k)."""
        path, mode, dst_sha = dst
        index = self._index
        minimum = self._minimum
        if not stat.S_ISREG(mode) or not index.size(dst_sha):
            return ()
        sources = self._set()
        state = index.dst_states.get((dst, minimum))
        if state is not None:
            unknown = sources - state.base
            if unknown and state.extra:
                unknown -= state.extra
            if len(unknown) <= _INCREMENTAL_LIMIT:
                if unknown:
                    self._score_pairwise(dst, unknown, state)
            else:
                state = None
        if state is None:
            if self._finder is None:
                self._finder = _CandidateFinder(self._sources, index, minimum)
            state = _DstState(sources, self._finder.good(dst))
            index.remember_state((dst, minimum), state)
        if not state.good:
            return ()
        if self._position is None:
            self._position = {src: k for k, src in enumerate(self._sources)}
        position = self._position
        dst_base = _basename(path)
        row: list[tuple[int, int, int]] = []
        for src, score in state.good.items():
            k = position.get(src)
            if k is not None:
                row.append((score, 1 if _basename(src[0]) == dst_base else 0, k))
        if not row:
            return ()
        if len(row) > 1 and len({(r[0], r[1]) for r in row}) < len(row):
            # Equal scores: which of them git keeps, and in which order, depends on the slots
            # its record_if_better() filled with the weaker pairs before; replay that row.
            slots = _replay_row(dst, self._sources, index, minimum)
        else:
            row.sort(key=lambda r: (-r[0], -r[1], r[2]))
            slots = row[:_NUM_CANDIDATE_PER_DST]
        return tuple(slot for slot in slots if slot[0] >= minimum)

    def _score_pairwise(self, dst: Entry, unknown: AbstractSet[Entry], state: _DstState) -> None:
        index = self._index
        minimum = self._minimum
        dst_sha = dst[2]
        dst_size = index.size(dst_sha)
        for src in unknown:
            if stat.S_ISREG(src[1]):
                score = index.score(src[2], dst_sha, index.size(src[2]), dst_size, minimum)
                if score >= minimum:
                    state.good[src] = score
        state.extra |= unknown
        if len(state.extra) > 4 * _INCREMENTAL_LIMIT:
            # fold into a fresh base: forget sources that are gone, keep the scores
            sources = self._set()
            state.base = sources
            state.extra = set()
            state.good = {src: score for src, score in state.good.items() if src in sources}


class _CandidateFinder:
    """Finds, for an added file, the deleted files that can score at least the minimum,
    through an inverted index of the deleted files' prefixes (see ``SimilarityIndex.prefix``)."""

    def __init__(self, sources: Sequence[Entry], index: SimilarityIndex, minimum_score: int) -> None:
        index.refresh_order()
        self._index = index
        self._minimum = minimum_score
        self._srcs: list[tuple[Entry, int]] = []  # (entry, size)
        self._postings: dict[int, list[int]] = {}
        for src in sources:
            _, mode, sha = src
            if not stat.S_ISREG(mode):
                continue
            size = index.size(sha)
            if not size:
                continue
            j = len(self._srcs)
            self._srcs.append((src, size))
            for h in index.prefix(sha, minimum_score):
                self._postings.setdefault(h, []).append(j)

    def good(self, dst: Entry) -> dict[Entry, int]:
        """The sources scoring at least the minimum against ``dst`` -> their score."""
        _, _, dst_sha = dst
        index = self._index
        minimum = self._minimum
        dst_size = index.size(dst_sha)
        found: set[int] = set()
        postings = self._postings
        for h in index.prefix(dst_sha, minimum):
            js = postings.get(h)
            if js:
                found.update(js)
        good: dict[Entry, int] = {}
        if not found:
            return good
        keep = MAX_SCORE - minimum
        for j in sorted(found):
            src, src_size = self._srcs[j]
            big, small = (src_size, dst_size) if src_size > dst_size else (dst_size, src_size)
            if big * keep < (big - small) * MAX_SCORE:
                continue
            score = index.score(src[2], dst_sha, src_size, dst_size, minimum)
            if score >= minimum:
                good[src] = score
        return good


def _replay_row(
    dst: Entry,
    sources: Sequence[Entry],
    index: SimilarityIndex,
    minimum_score: int,
) -> list[tuple[int, int, int]]:
    """git's 4 candidate slots of one added file, filled exactly as record_if_better() does:
    every remaining deleted file in path order, each replacing the first worst slot when it is
    strictly better (score, then same name). Returns (score, name score, position in
    ``sources``) in slot order."""
    path, mode, dst_sha = dst
    dst_reg = stat.S_ISREG(mode)
    dst_size = index.size(dst_sha) if dst_reg else 0
    dst_base = _basename(path)
    slots: list[tuple[int, int, int]] = []
    worst = -1
    worst_key = (-1, -1)
    for k, (src_path, src_mode, src_sha) in enumerate(sources):
        if dst_reg and stat.S_ISREG(src_mode):
            score = index.score(src_sha, dst_sha, index.size(src_sha), dst_size, minimum_score)
        else:
            score = 0
        name_score = 1 if _basename(src_path) == dst_base else 0
        if len(slots) < _NUM_CANDIDATE_PER_DST:
            slots.append((score, name_score, k))
            if len(slots) == _NUM_CANDIDATE_PER_DST:
                worst, worst_key = _first_worst(slots)
            continue
        if (score, name_score) > worst_key:
            slots[worst] = (score, name_score, k)
            worst, worst_key = _first_worst(slots)
    return slots


def _first_worst(slots: list[tuple[int, int, int]]) -> tuple[int, tuple[int, int]]:
    worst = 0
    for k in range(1, len(slots)):
        if (slots[k][0], slots[k][1]) < (slots[worst][0], slots[worst][1]):
            worst = k
    return worst, (slots[worst][0], slots[worst][1])


def _result(
    adds: Sequence[Entry],
    deletes: Sequence[Entry],
    renames: list[Rename],
    used_src: set[int],
    dst_done: set[int],
) -> RenameResult:
    return RenameResult(
        renames,
        [a for i, a in enumerate(adds) if i not in dst_done],
        [d for i, d in enumerate(deletes) if i not in used_src],
    )
