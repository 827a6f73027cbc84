"""What a batch of analysed commits records, packed into one JSON text for its event.

A batch holds, in this order:

* ``keys``: measurement keys first used in the batch. A key stands for one analyzer's ``cache_key`` of a
  path (analyzer, configuration and file kind); its number is the project's running count of keys.
* ``lanes``: lanes (chains of first-parent commits, see ``domain.analysis.state``) started in the batch.
* ``measurements``: file contents measured in the batch, each once per key: ``(key, blob)`` with its
  metric values, findings, or the error the analyzer raised.
* ``commits``: the analysed commits, parents before children: each commit's lane and place in it, its
  first parent (if analysed), the files it changed among those analysed (their new state), and the
  totals that changed (new total per metric).

Read the packed form with :func:`decode_batch`; nothing else relies on it.
"""

from __future__ import annotations

import json
from typing import NamedTuple


class KeyRecord(NamedTuple):
    id: int
    cache_key: str
    analyzer: str


class FindingRecord(NamedTuple):
    metric: str
    line_start: int
    line_end: int
    char_start: int | None
    char_end: int | None
    message: str


class MeasurementRecord(NamedTuple):
    key: int
    blob: str
    values: dict[str, int]
    findings: list[FindingRecord]
    error: str | None  # the analyzer failed on this content: why (values and findings are empty)


class LaneRecord(NamedTuple):
    lane: int
    fork_lane: int | None  # the lane and place this lane's first commit's first parent is at
    fork_seq: int | None


class FileRecord(NamedTuple):
    """A file's new state at a commit. ``blob`` None: the file is gone (deleted or renamed away), a
    *tombstone*. ``keys``: the measurement keys its values come from (``"1,4"``); ``values``: every
    metric the analyzers reported for it, zeros included. ``closes``: the place in this lane of the
    file's previous state (or tombstone), which ends here."""

    path: str
    blob: str | None
    keys: str
    values: dict[str, int] | None
    closes: int | None


class CommitRecord(NamedTuple):
    hash: str
    ordinal: int  # the commit's place among the generation's analysed commits (parents first)
    lane: int
    seq: int
    parent: str | None  # the analysed first parent, None for a commit analysed as a root
    timestamp: int  # epoch milliseconds
    files: list[FileRecord]
    totals: dict[str, int]  # metric -> new total, for every total that changed


class BatchRecord(NamedTuple):
    keys: list[KeyRecord]
    lanes: list[LaneRecord]
    measurements: list[MeasurementRecord]
    commits: list[CommitRecord]


def encode_batch(batch: BatchRecord) -> str:
    return json.dumps(
        [
            [list(k) for k in batch.keys],
            [list(lane) for lane in batch.lanes],
            [[m.key, m.blob, m.values, [list(f) for f in m.findings], m.error] for m in batch.measurements],
            [[c.hash, c.ordinal, c.lane, c.seq, c.parent, c.timestamp, [list(f) for f in c.files], c.totals]
             for c in batch.commits],
        ],
        ensure_ascii=False, separators=(",", ":"), check_circular=False,
    )


def decode_batch(packed: str) -> BatchRecord:
    keys, lanes, measurements, commits = json.loads(packed)
    return BatchRecord(
        keys=[KeyRecord(*k) for k in keys],
        lanes=[LaneRecord(*lane) for lane in lanes],
        measurements=[
            MeasurementRecord(m[0], m[1], m[2], [FindingRecord(*f) for f in m[3]], m[4]) for m in measurements
        ],
        commits=[
            CommitRecord(c[0], c[1], c[2], c[3], c[4], c[5], [FileRecord(*f) for f in c[6]], c[7]) for c in commits
        ],
    )
