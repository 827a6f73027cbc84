"""A commit's figures for its quality gate, from the read models (and the mirror for patch lines).

- a measured metric: its total at the commit (pending until the commit is analysed);
- ``coverage``: the line coverage of the newest run with coverage of the commit (pending without one);
- ``patchCoverage``: that run's coverage of the commit's patch lines (None when the patch has no
  coverable line);
- ``failedTests``: failing and erroring cases of the commit's newest run (pending without a run);
- ``newFindings``: findings in the commit's changed files beyond those the same files had at the
  first parent, counted per metric (pending until the commit and its parent are analysed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from domain.quality.gate import BUILT_IN, Condition, Figure, verdict
from domain.testing.coverage import percentage
from domain.testing.patch import rounded
from interfaces.history.git_reader import GitReader
from interfaces.testing.patch_coverage import commit_coverage
from projections.analysis import queries as analysis
from projections.history import queries as history
from projections.store import ReadStore
from projections.testing import queries as testing

MirrorOpener = Callable[[], AbstractContextManager[GitReader | None]]


def _analysed(store: ReadStore, project_id: int, commit_hash: str) -> analysis.AnalysedCommit | None:
    found = analysis.commits_by_prefix(store, project_id, commit_hash, limit=1)
    return found[0] if found and found[0].hash == commit_hash else None


def _first_parent(store: ReadStore, project_id: int, idx: int) -> str | None:
    value = store.scalar("SELECT parent_hash FROM history_commit_parents WHERE project_id=%s AND idx=%s "
                         "AND position = 0", (project_id, idx))
    return None if value is None else str(value)


def _finding_counts(store: ReadStore, project_id: int, commit: analysis.AnalysedCommit, path: str) -> Counter[str]:
    state = analysis.file_at(store, project_id, commit, path)
    if state is None:
        return Counter()
    findings, _ = analysis.findings_of(store, project_id, state.keys, state.blob)
    return Counter({metric: len(items) for metric, items in findings.items()})


def new_findings(store: ReadStore, project_id: int, commit: dict[str, Any]) -> Figure:
    analysed = _analysed(store, project_id, str(commit["hash"]))
    if analysed is None:
        return Figure(None, pending=True)
    parent_hash = _first_parent(store, project_id, int(commit["idx"]))
    parent = None
    if parent_hash is not None:
        parent = _analysed(store, project_id, parent_hash)
        if parent is None:
            return Figure(None, pending=True)
    total = 0
    for change in history.commit_changes(store, project_id, int(commit["idx"])):
        if change["kind"] == "DELETE":
            continue
        now = _finding_counts(store, project_id, analysed, str(change["path"]))
        before: Counter[str] = Counter()
        if parent is not None and change["kind"] != "ADD":
            before = _finding_counts(store, project_id, parent, str(change["old_path"] or change["path"]))
        total += sum(max(0, count - before.get(metric, 0)) for metric, count in now.items())
    return Figure(float(total))


def figures(store: ReadStore, project_id: int, commit: dict[str, Any], metrics: Sequence[str],
            open_mirror: MirrorOpener) -> dict[str, Figure]:
    commit_hash = str(commit["hash"])
    wanted = set(metrics)
    out: dict[str, Figure] = {}
    measured = [m for m in wanted if m not in BUILT_IN]
    if measured:
        analysed = _analysed(store, project_id, commit_hash)
        if analysed is None:
            out.update({m: Figure(None, pending=True) for m in measured})
        else:
            out.update({m: Figure(float(v)) for m, v in analysis.totals_at(store, project_id, analysed,
                                                                          measured).items()})
    if "failedTests" in wanted:
        runs = [r for r in testing.runs_of_commit(store, commit_hash) if not r["canceled"]]
        out["failedTests"] = Figure(float(int(runs[-1]["failures"]) + int(runs[-1]["errors"]))) if runs \
            else Figure(None, pending=True)
    if wanted & {"coverage", "patchCoverage"}:
        run = testing.newest_coverage_run(store, commit_hash)
        if run is None:
            out["coverage"] = out["patchCoverage"] = Figure(None, pending=True)
        else:
            covered, missed = int(run["line_covered"]), int(run["line_missed"])
            out["coverage"] = Figure(percentage(covered, covered + missed) if covered + missed else None)
            if "patchCoverage" in wanted:
                with open_mirror() as reader:
                    found = None if reader is None else commit_coverage(store, reader, commit_hash)
                out["patchCoverage"] = Figure(None, pending=True) if found is None else Figure(rounded(*found[1].patch))
    if "newFindings" in wanted:
        out["newFindings"] = new_findings(store, project_id, commit)
    return out


def evaluate(store: ReadStore, project_id: int, commit: dict[str, Any], conditions: Sequence[Condition],
             open_mirror: MirrorOpener) -> dict[str, Any]:
    """The verdict of the project's gate at a commit (with the commit's hash)."""
    found = figures(store, project_id, commit, [c.metric for c in conditions], open_mirror)
    return {"commitHash": str(commit["hash"]), **verdict(conditions, found)}
