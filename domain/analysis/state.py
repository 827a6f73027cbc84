"""Which files a commit has, with which values: carried forward along first parents, kept compact.

A file's value at commit C is its newest measurement in C's ancestry. Since each analysed commit is
diffed against its first parent, the files of C are the files of its first parent P with C's changes
applied; so every commit's file state is the fold of the changes along its first-parent chain. Only the
changes are stored.

**Lanes.** First-parent links form a tree over the commits. It is cut into *lanes*: chains of commits
where each one's first parent is the one before it. Every commit has a place ``(lane, seq)``; a lane
starts either at a root (no analysed first parent) or at a *fork*: the first parent of its first
commit, at ``(fork_lane, fork_seq)``. The first-parent ancestry of ``(lane, seq)`` is therefore a short
list of *segments*: ``(lane, seq)``, ``(fork_lane, fork_seq)``, the fork's fork, ... down to a root lane.
Lanes are planned from the branch heads (the default branch first), so a branch's whole first-parent
history is one lane and a commit of a merged feature branch is two or three segments away from a root.

**File states.** A change at ``(lane, seq)`` gives the path a new state from ``seq`` on in that lane,
ending the previous state of that path in the lane. A deletion ends it and leaves a *tombstone* (the
path is gone, even where an earlier segment still has it). The state of a
path at ``(lane, seq)``: the newest state at or before each segment's place, nearest segment first.

Everything here is pure and in memory; the read model keeps the same rows (``seq_from``/``seq_to``) so a
query can fetch one commit's files with one range query per segment.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

OPEN = 2**62  # seq_to of a state that has not ended


class FileState(NamedTuple):
    blob: str
    keys: str  # measurement keys, "1,4"
    values: Mapping[str, int]  # every metric the analyzers reported, zeros included


@dataclass
class Lane:
    id: int
    fork_lane: int | None
    fork_seq: int | None
    tip: int = -1  # the highest seq recorded in the lane


Segment = tuple[int, int]  # (lane, highest seq)


class Lanes:
    """The lanes of one project's analysis."""

    def __init__(self) -> None:
        self._lanes: list[Lane] = []

    def __len__(self) -> int:
        return len(self._lanes)

    def __iter__(self) -> Iterator[Lane]:
        return iter(self._lanes)

    def get(self, lane: int) -> Lane:
        return self._lanes[lane]

    def add(self, fork_lane: int | None, fork_seq: int | None, lane_id: int | None = None) -> Lane:
        """A new lane (its id the next number, or ``lane_id`` when replaying)."""
        new_id = len(self._lanes) if lane_id is None else lane_id
        if new_id != len(self._lanes):
            raise ValueError(f"lane {new_id} out of order (expected {len(self._lanes)})")
        lane = Lane(new_id, fork_lane, fork_seq)
        self._lanes.append(lane)
        return lane

    def record(self, lane: int, seq: int) -> None:
        """A commit was placed at ``(lane, seq)``."""
        current = self._lanes[lane]
        if seq > current.tip:
            current.tip = seq

    def segments(self, lane: int, seq: int) -> list[Segment]:
        """The first-parent ancestry of ``(lane, seq)`` as segments, nearest first."""
        out: list[Segment] = [(lane, seq)]
        current = self._lanes[lane]
        while current.fork_lane is not None and current.fork_seq is not None:
            out.append((current.fork_lane, current.fork_seq))
            current = self._lanes[current.fork_lane]
        return out


def segments_of(lanes: Mapping[int, tuple[int | None, int | None]], lane: int, seq: int) -> list[Segment]:
    """:meth:`Lanes.segments` over a plain mapping ``lane -> (fork_lane, fork_seq)`` (as a query loads it)."""
    out: list[Segment] = [(lane, seq)]
    fork_lane, fork_seq = lanes[lane]
    seen = {lane}
    while fork_lane is not None and fork_seq is not None:
        if fork_lane in seen:  # defensive: a corrupt fork chain must not loop
            raise ValueError(f"lane {fork_lane} forks from itself")
        seen.add(fork_lane)
        out.append((fork_lane, fork_seq))
        fork_lane, fork_seq = lanes[fork_lane]
    return out


Row = tuple[int, FileState | None]  # (seq_from, state or tombstone)


def _seq_of(row: Row) -> int:
    return row[0]


@dataclass
class FileIndex:
    """Every file state of one analysis: lane -> path -> states by ``seq_from``."""

    rows: dict[int, dict[str, list[Row]]] = field(default_factory=dict)

    def add(self, lane: int, seq: int, path: str, state: FileState | None) -> None:
        rows = self.rows.setdefault(lane, {}).setdefault(path, [])
        if rows and rows[-1][0] >= seq:
            raise ValueError(f"file state of {path} at lane {lane} seq {seq} is not after seq {rows[-1][0]}")
        rows.append((seq, state))

    def last_in_lane(self, lane: int, path: str) -> Row | None:
        rows = self.rows.get(lane, {}).get(path)
        return rows[-1] if rows else None

    def lookup(self, segments: Sequence[Segment], path: str) -> FileState | None:
        """The state of ``path`` at the commit whose ancestry is ``segments`` (nearest first)."""
        for lane, seq in segments:
            rows = self.rows.get(lane, {}).get(path)
            if not rows:
                continue
            if rows[-1][0] <= seq:
                return rows[-1][1]
            i = bisect_right(rows, seq, key=_seq_of)
            if i:
                return rows[i - 1][1]
        return None

    def alive(self, segments: Sequence[Segment]) -> dict[str, FileState]:
        """Every file at the commit whose ancestry is ``segments`` (nearest first)."""
        layers: list[dict[str, FileState | None]] = []
        for lane, seq in segments:
            layer: dict[str, FileState | None] = {}
            for path, rows in self.rows.get(lane, {}).items():
                if rows[0][0] > seq:
                    continue
                if rows[-1][0] <= seq:
                    layer[path] = rows[-1][1]
                else:
                    layer[path] = rows[bisect_right(rows, seq, key=_seq_of) - 1][1]
            layers.append(layer)
        return overlay(reversed(layers))


def overlay(layers: Iterable[Mapping[str, FileState | None]]) -> dict[str, FileState]:
    """The files of a commit from its segments' states, root segment first: a later segment's state of a
    path (a tombstone included) replaces an earlier one's."""
    merged: dict[str, FileState | None] = {}
    for layer in layers:
        merged.update(layer)
    return {path: state for path, state in merged.items() if state is not None}


def totals_of(files: Iterable[FileState]) -> dict[str, int]:
    """Every metric summed over the files (zeros included)."""
    totals: dict[str, int] = {}
    for state in files:
        for metric, value in state.values.items():
            totals[metric] = totals.get(metric, 0) + value
    return totals


def apply_change(totals: dict[str, int], old: Mapping[str, int] | None, new: Mapping[str, int] | None) -> None:
    """Replace a file's old values by its new ones in ``totals`` (in place)."""
    if old:
        for metric, value in old.items():
            totals[metric] = totals.get(metric, 0) - value
    if new:
        for metric, value in new.items():
            totals[metric] = totals.get(metric, 0) + value


def changed_totals(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """The metrics whose total differs (a metric missing on one side counts as 0), with the new total."""
    out = {metric: value for metric, value in after.items() if before.get(metric, 0) != value}
    for metric, value in before.items():
        if metric not in after and value != 0:
            out[metric] = 0
    return out


def plan_lanes(
    todo: Sequence[str],
    first_parent: Mapping[str, str | None],
    heads: Sequence[str],
    is_tip: Mapping[str, bool],
) -> set[str]:
    """Which commits to analyse continue their first parent's lane (the others start a new lane).

    ``todo``: the commits to analyse, parents before children. ``first_parent``: each todo commit's
    first parent (None for a root). ``heads``: branch heads in priority order (the default branch
    first). ``is_tip``: for analysed commits, whether nothing continues their lane yet.

    Chains are walked from the heads, then from every other todo commit, newest first, down the first
    parents while the commits are still unplanned; every commit of a chain but its oldest continues
    its parent's lane, and the oldest continues its parent's lane when that parent is still a lane's
    tip and no other chain claimed it.
    """
    pending = set(todo)
    planned: set[str] = set()
    taken: set[str] = set()
    continues: set[str] = set()

    def walk(start: str) -> None:
        chain: list[str] = []
        commit: str | None = start
        while commit is not None and commit in pending and commit not in planned:
            chain.append(commit)
            planned.add(commit)
            commit = first_parent.get(commit)
        if not chain:
            return
        for child in chain[:-1]:
            continues.add(child)
            parent = first_parent.get(child)
            if parent is not None:
                taken.add(parent)
        bottom_parent = first_parent.get(chain[-1])
        if bottom_parent is None or bottom_parent in taken:
            return
        if bottom_parent in pending or is_tip.get(bottom_parent, False):
            continues.add(chain[-1])
            taken.add(bottom_parent)

    for head in heads:
        walk(head)
    for commit in reversed(todo):
        walk(commit)
    return continues
