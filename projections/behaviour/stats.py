"""Per-file change statistics over a set of commits, following renames: what the behavioural read
model stores for a branch head and what a query computes for any other window.

Commits are walked in import order (parents first). Each file is a *lineage*: it starts where a path
first appears, moves with each RENAME, ends with a DELETE (a later MODIFY of the same path, on a
branch that had not seen the deletion, revives it; a later ADD starts a new file), and is reported
under its name at the head. Merge commits only move lineages (their first-parent renames and
deletions); they count as a change of nothing. Every other commit counts once for each file it adds,
modifies or renames (a rename counts as a change of the file).

A commit's *size* is the number of files it changes (every change row, deletions included): the
coupling query leaves out commits larger than ``maxChangesetSize``, so revisions and shared changes
are kept per size (``{size: commits}``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

ADD, MODIFY, DELETE, RENAME = "ADD", "MODIFY", "DELETE", "RENAME"
_SIZE_MAX = 65535


@dataclass
class FileStat:
    """One file's changes in a window: ``revisions``, ``last_change`` (epoch ms), commits per author
    e-mail (lower-cased) and commits per changeset size."""

    revisions: int = 0
    last_change: int = 0
    authors: dict[str, int] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)

    def add(self, other: FileStat) -> None:
        self.revisions += other.revisions
        self.last_change = max(self.last_change, other.last_change)
        for email, n in other.authors.items():
            self.authors[email] = self.authors.get(email, 0) + n
        for size, n in other.sizes.items():
            self.sizes[size] = self.sizes.get(size, 0) + n

    def revisions_up_to(self, max_size: int) -> int:
        return sum(n for size, n in self.sizes.items() if size <= max_size)


@dataclass
class Stats:
    """The files present at the head with their statistics (only those changed in the window), and
    the pairs of those files changed together: ``(path, coupledPath)`` with ``path < coupledPath`` ->
    ``{size: shared commits}`` (only commits of at most ``pair_cap`` files)."""

    files: dict[str, FileStat]
    pairs: dict[tuple[str, str], dict[int, int]]
    pair_cap: int


@dataclass(frozen=True)
class CommitRow:
    idx: int
    author_time: int
    email_key: str
    merge: bool


Change = tuple[str, str, str | None]  # kind, path, old path (RENAME)


class _Lineage:
    __slots__ = ("alias", "id", "stat")

    def __init__(self, lineage_id: int) -> None:
        self.id = lineage_id
        self.stat = FileStat()
        self.alias: _Lineage | None = None

    def root(self) -> _Lineage:
        node = self
        while node.alias is not None:
            node = node.alias
        return node


def compute(commits: Sequence[CommitRow], changes: dict[int, list[Change]], alive: Iterable[str],
            pair_cap: int) -> Stats:
    """The statistics of ``commits`` (the window, merges included for their renames), whose changes
    against their first parent are ``changes`` (by commit), for the files ``alive`` at the head."""
    pair_cap = min(pair_cap, _SIZE_MAX)
    names: dict[str, _Lineage] = {}
    dead: dict[str, _Lineage] = {}
    lineages: list[_Lineage] = []
    pair_counts: dict[int, Counter[tuple[int, int]]] = {}  # size -> (lineage, lineage) -> commits

    def new() -> _Lineage:
        lineage = _Lineage(len(lineages))
        lineages.append(lineage)
        return lineage

    def join(source: _Lineage, target: _Lineage) -> _Lineage:
        source, target = source.root(), target.root()
        if source is not target:
            target.stat.add(source.stat)
            source.alias = target
        return target

    for commit in sorted(commits, key=lambda c: c.idx):
        rows = changes.get(commit.idx, ())
        touched: dict[int, _Lineage] = {}
        for kind, path, old in rows:
            if kind == DELETE:
                gone = names.pop(path, None)
                if gone is not None:
                    dead[path] = gone
                continue
            if kind == RENAME and old is not None:
                lineage = names.pop(old, None) or dead.pop(old, None)
                if lineage is None:
                    if commit.merge:
                        continue
                    lineage = new()
                existing = names.get(path)
                if existing is not None:
                    lineage = join(lineage, existing)
                names[path] = lineage
            else:
                present = names.get(path)
                if present is None:
                    revived = dead.pop(path, None) if kind == MODIFY else None
                    present = revived or new()
                    names[path] = present
                lineage = present
            if not commit.merge:
                touched[lineage.id] = lineage
        if commit.merge or not touched:
            continue
        size = min(len(rows), _SIZE_MAX)
        for lineage in touched.values():
            stat = lineage.root().stat
            stat.revisions += 1
            stat.last_change = max(stat.last_change, commit.author_time)
            stat.authors[commit.email_key] = stat.authors.get(commit.email_key, 0) + 1
            stat.sizes[size] = stat.sizes.get(size, 0) + 1
        if size <= pair_cap and len(touched) > 1:
            bucket = pair_counts.get(size)
            if bucket is None:
                bucket = pair_counts[size] = Counter()
            bucket.update(combinations(sorted(touched), 2))  # counted in C: the hot loop of a rebuild

    path_of: dict[int, str] = {}
    files: dict[str, FileStat] = {}
    for path in alive:
        lineage = names.get(path)
        if lineage is None:
            continue
        root = lineage.root()
        if root.stat.revisions and root.id not in path_of:
            path_of[root.id] = path
            files[path] = root.stat
    pairs: dict[tuple[str, str], dict[int, int]] = {}
    final = {lineage.id: path_of.get(lineage.root().id) for lineage in lineages}
    for size, bucket in pair_counts.items():
        for (a, b), n in bucket.items():
            pa, pb = final[a], final[b]
            if pa is None or pb is None or pa == pb:
                continue
            pair = (pa, pb) if pa < pb else (pb, pa)
            counts = pairs.setdefault(pair, {})
            counts[size] = counts.get(size, 0) + n
    return Stats(files, pairs, pair_cap)


def tree_at(chain: Sequence[int], changes: dict[int, list[Change]]) -> set[str]:
    """The paths present after the commits ``chain`` (a first-parent line from a root, oldest
    first), from their changes against their first parent."""
    paths: set[str] = set()
    for idx in chain:
        for kind, path, old in changes.get(idx, ()):
            if kind == DELETE:
                paths.discard(path)
            elif kind == RENAME:
                if old is not None:
                    paths.discard(old)
                paths.add(path)
            else:
                paths.add(path)
    return paths


def encode_counts(counts: dict[int, int]) -> str:
    """``{size: n}`` as compact text (``"3:2,5:1"``) for a read-model column."""
    return ",".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def decode_counts(text: str) -> dict[int, int]:
    out: dict[int, int] = {}
    if text:
        for part in text.split(","):
            k, _, v = part.partition(":")
            out[int(k)] = int(v)
    return out


def count_up_to(counts: dict[int, int], max_size: int) -> int:
    return sum(n for size, n in counts.items() if size <= max_size)


def encode_authors(authors: dict[str, int]) -> str:
    """``{email: commits}`` as text (a line per e-mail: ``email<TAB>commits``)."""
    return "\n".join(f"{email}\t{n}" for email, n in sorted(authors.items()))


def decode_authors(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in text.split("\n") if text else ():
        email, _, n = line.rpartition("\t")
        out[email] = int(n)
    return out
