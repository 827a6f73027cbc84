"""Queries the API (and other contexts) ask of the analysis read model.

Tables (all keyed by ``project_id``, the project's public numeric id; written only by
``projections/analysis/analysis.py`` from the ``analysis`` event log):

``analysis_projects``
    One row per analysed project: ``generation`` (resets so far), the current job (``job`` number,
    ``status`` NONE/RUNNING/DONE/STOPPED/FAILED, ``automatic``, ``branches`` JSON, ``worker``,
    ``lease_until`` epoch seconds), progress (``batches`` and ``commits`` of the generation,
    ``job_commits`` and ``todo`` of the job, ``measured`` contents and ``failures``), ``auto`` (new
    commits are analysed automatically), ``failure_reason``, ``started_at``/``updated_at``/``finished_at``;
    ``configuration`` (JSON, ``domain.analysis.jobs.canonical_configuration``): what the generation's
    results were measured with; ``change``: what changed when this generation began by recording the
    commits again for another configuration (shown for its first job).
``analysis_commits``
    Every analysed commit of the current generation (``analyzed`` means: has a row here): its place
    ``(lane, seq)`` (see ``domain/analysis/state.py``), ``ordinal`` (analysis order: parents first),
    ``parent`` (the analysed first parent), ``ts`` (epoch ms), ``batch``.
``analysis_lanes``
    ``lane -> (fork_lane, fork_seq)``: where each lane's first commit's first parent is.
``analysis_files``
    File states: from ``seq_from`` up to (not including) ``seq_to`` in ``lane`` the file ``path`` has
    content ``blob`` measured with the measurement keys ``keys``, its metric values ``vals`` (JSON, zeros
    included); ``seq_to`` is 2**62 while open. ``blob`` NULL is a tombstone: the file is gone although an
    earlier segment has it (only in lanes with a fork; in a root lane a deletion just ends the state).
``analysis_totals``
    ``(metric, lane, seq) -> value``: a commit's total of a metric over its files, where it differs
    from its first parent's (absent: unchanged).
``analysis_measurements``
    ``(key_id, blob)``: one analyzer's result for one content (``vals``, ``findings`` JSON) or ``error``.
``analysis_keys``
    ``key_id -> cache_key, analyzer``. ``analysis_metrics``: every metric name measured so far.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.analysis.jobs import JobStatus
from domain.analysis.state import Segment, segments_of
from projections.store import ReadStore, Row, Tx

_CHUNK = 500


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# --- jobs -----------------------------------------------------------------------------------------
def status(store: ReadStore, project_id: int) -> dict[str, Any] | None:
    row = store.fetchone("SELECT * FROM analysis_projects WHERE project_id=%s", (project_id,))
    if row is None:
        return None
    return {**row, "automatic": bool(row["automatic"]), "auto": bool(row["auto"]),
            "branches": json.loads(row["branches"]),
            "configuration": None if row["configuration"] is None else json.loads(row["configuration"])}


def running(store: ReadStore, project_id: int) -> bool:
    """Whether an analysis job runs for the project (configuration changes are refused meanwhile)."""
    value = store.scalar("SELECT status FROM analysis_projects WHERE project_id=%s", (project_id,))
    return value == JobStatus.RUNNING.value


def metric_names(store: ReadStore, project_id: int) -> list[str]:
    return [str(r["metric"]) for r in store.fetchall(
        "SELECT metric FROM analysis_metrics WHERE project_id=%s ORDER BY metric", (project_id,))]


def failures(store: ReadStore, project_id: int, limit: int = 100,
             analyzers: Sequence[str] | None = None) -> list[Row]:
    """Contents an analyzer failed on: ``analyzer``, ``blob``, ``error``; only of these ``analyzers``
    when given (measurements of a disabled analyzer are kept for when it is enabled again)."""
    only = f" AND k.analyzer IN ({_marks(analyzers)})" if analyzers else ""
    return store.fetchall(
        "SELECT k.analyzer, m.blob, m.error FROM analysis_measurements m JOIN analysis_keys k "
        "ON k.project_id = m.project_id AND k.key_id = m.key_id WHERE m.project_id=%s AND m.error IS NOT NULL"
        f"{only} ORDER BY m.blob, k.analyzer LIMIT %s",
        (project_id, *(analyzers or ()), limit),
    )


# --- commits --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnalysedCommit:
    hash: str
    lane: int
    seq: int
    ordinal: int
    timestamp: int


def _analysed(row: Row) -> AnalysedCommit:
    return AnalysedCommit(str(row["hash"]), int(row["lane"]), int(row["seq"]), int(row["ordinal"]), int(row["ts"]))


def commits_by_prefix(store: ReadStore, project_id: int, prefix: str, limit: int = 2) -> list[AnalysedCommit]:
    """Analysed commits whose hash starts with ``prefix`` (lower-case hex), at most ``limit``."""
    rows = store.fetchall(
        "SELECT hash, lane, seq, ordinal, ts FROM analysis_commits WHERE project_id=%s AND hash >= %s "
        "AND hash < %s ORDER BY hash LIMIT %s",
        (project_id, prefix, prefix + "g", limit),
    )
    return [_analysed(r) for r in rows]


def analyzed_hashes(store: ReadStore, project_id: int, hashes: Iterable[str]) -> set[str]:
    """Which of these commits are analysed (for commit lists: ``analyzed``)."""
    wanted = sorted(set(hashes))
    out: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        out.update(str(r["hash"]) for r in store.fetchall(
            f"SELECT hash FROM analysis_commits WHERE project_id=%s AND hash IN ({_marks(chunk)})",
            (project_id, *chunk)))
    return out


def newest_analysed_ancestor(store: ReadStore, project_id: int, commit_hash: str,
                             limit: int = 100_000) -> AnalysedCommit | None:
    """The commit itself when it is analysed, else its nearest analysed first-parent ancestor (a branch
    whose newest commits are not analysed yet); reads the history read model's parents."""
    current: str | None = commit_hash
    with store.read() as tx:
        for _ in range(limit):
            if current is None:
                return None
            row = tx.fetchone("SELECT hash, lane, seq, ordinal, ts FROM analysis_commits WHERE project_id=%s "
                              "AND hash=%s", (project_id, current))
            if row is not None:
                return _analysed(row)
            parent = tx.fetchone(
                "SELECT p.parent_hash FROM history_commit_parents p JOIN history_commits c ON c.project_id = "
                "p.project_id AND c.idx = p.idx WHERE c.project_id=%s AND c.hash=%s AND p.position = 0",
                (project_id, current),
            )
            current = None if parent is None else str(parent["parent_hash"])
    return None


def _segments(tx: Tx, project_id: int, commit: AnalysedCommit) -> list[Segment]:
    lanes = {int(r["lane"]): (r["fork_lane"], r["fork_seq"]) for r in tx.fetchall(
        "SELECT lane, fork_lane, fork_seq FROM analysis_lanes WHERE project_id=%s", (project_id,))}
    return segments_of({k: (None if a is None else int(a), None if b is None else int(b))
                        for k, (a, b) in lanes.items()}, commit.lane, commit.seq)


# --- files ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileValues:
    blob: str
    keys: str
    values: dict[str, int]


@lru_cache(maxsize=100_000)
def parsed_values(text: str) -> dict[str, int]:
    """A file state's values, parsed once per distinct text (shared: never change the answer)."""
    values: dict[str, int] = json.loads(text)
    return values


def files_at(store: ReadStore, project_id: int, commit: AnalysedCommit) -> dict[str, FileValues]:
    """Every analysed file of a commit: the newest state of each path along the commit's segments."""
    with store.read() as tx:
        merged: dict[str, FileValues | None] = {}
        for lane, seq in reversed(_segments(tx, project_id, commit)):
            for r in tx.fetchall(
                "SELECT path, blob, keys, vals FROM analysis_files WHERE project_id=%s AND lane=%s "
                "AND seq_to > %s AND seq_from <= %s",
                (project_id, lane, seq, seq),
            ):
                blob = r["blob"]
                if blob is None:
                    merged[r["path"]] = None
                    continue
                merged[r["path"]] = FileValues(blob, r["keys"], parsed_values(r["vals"]))
    return {path: state for path, state in merged.items() if state is not None}


def values_at(store: ReadStore, project_id: int, commit: AnalysedCommit) -> dict[str, dict[str, int]]:
    """Every analysed file of a commit with its values (:func:`files_at` without blobs and keys)."""
    with store.read() as tx:
        merged: dict[str, dict[str, int] | None] = {}
        for lane, seq in reversed(_segments(tx, project_id, commit)):
            for r in tx.fetchall(
                "SELECT path, vals FROM analysis_files WHERE project_id=%s AND lane=%s AND seq_to > %s "
                "AND seq_from <= %s",
                (project_id, lane, seq, seq),
            ):
                text = r["vals"]
                merged[r["path"]] = None if text is None else parsed_values(text)
    return {path: values for path, values in merged.items() if values is not None}


def file_at(store: ReadStore, project_id: int, commit: AnalysedCommit, path: str) -> FileValues | None:
    """One file's state at a commit (None when it is not an analysed file there)."""
    with store.read() as tx:
        for lane, seq in _segments(tx, project_id, commit):
            row = tx.fetchone(
                "SELECT blob, keys, vals, seq_to FROM analysis_files WHERE project_id=%s AND lane=%s AND path=%s "
                "AND seq_from <= %s ORDER BY seq_from DESC LIMIT 1",
                (project_id, lane, path, seq),
            )
            if row is None:
                continue
            if row["blob"] is None or int(row["seq_to"]) <= seq:  # a tombstone, or ended in a root lane
                return None
            return FileValues(row["blob"], row["keys"], json.loads(row["vals"]))
    return None


def findings_of(store: ReadStore, project_id: int, keys: str,
                blob: str) -> tuple[dict[str, list[list[Any]]], list[str]]:
    """The findings (by metric) and the analyzer errors of one file content."""
    ids = [int(k) for k in keys.split(",") if k]
    if not ids:
        return {}, []
    rows = store.fetchall(
        f"SELECT m.findings, m.error, k.analyzer FROM analysis_measurements m JOIN analysis_keys k "
        f"ON k.project_id = m.project_id AND k.key_id = m.key_id WHERE m.project_id=%s AND m.blob=%s "
        f"AND m.key_id IN ({_marks(ids)}) ORDER BY m.key_id",
        (project_id, blob, *ids),
    )
    findings: dict[str, list[list[Any]]] = {}
    errors: list[str] = []
    for r in rows:
        if r["error"]:
            errors.append(f"{r['analyzer']}: {r['error']}")
        for f in json.loads(r["findings"]):
            findings.setdefault(str(f[0]), []).append(f)
    return findings, errors


# --- totals ---------------------------------------------------------------------------------------
def totals_at(store: ReadStore, project_id: int, commit: AnalysedCommit, metrics: Sequence[str]) -> dict[str, int]:
    """A commit's total of each metric over its files (0 when never measured)."""
    out: dict[str, int] = {}
    with store.read() as tx:
        segments = _segments(tx, project_id, commit)
        for metric in dict.fromkeys(metrics):
            value = 0
            for lane, seq in segments:
                row = tx.fetchone(
                    "SELECT value FROM analysis_totals WHERE project_id=%s AND metric=%s AND lane=%s AND seq <= %s "
                    "ORDER BY seq DESC LIMIT 1",
                    (project_id, metric, lane, seq),
                )
                if row is not None:
                    value = int(row["value"])
                    break
            out[metric] = value
    return out


def metric_history(store: ReadStore, project_id: int, head: AnalysedCommit, metric: str) -> list[dict[str, Any]]:
    """A metric's total at every analysed commit on the first-parent line of ``head``, oldest first:
    ``commit``, ``timestamp`` (epoch ms), ``value``."""
    out: list[dict[str, Any]] = []
    with store.read() as tx:
        value = 0
        for lane, seq in reversed(_segments(tx, project_id, head)):
            changes = {int(r["seq"]): int(r["value"]) for r in tx.fetchall(
                "SELECT seq, value FROM analysis_totals WHERE project_id=%s AND metric=%s AND lane=%s AND seq <= %s",
                (project_id, metric, lane, seq))}
            for r in tx.fetchall(
                "SELECT hash, seq, ts FROM analysis_commits WHERE project_id=%s AND lane=%s AND seq <= %s ORDER BY seq",
                (project_id, lane, seq),
            ):
                value = changes.get(int(r["seq"]), value)
                out.append({"commit": str(r["hash"]), "timestamp": int(r["ts"]), "value": value})
    return out
