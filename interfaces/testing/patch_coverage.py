"""Patch coverage of a commit (or a branch's commits): the newest run with coverage of the commit,
its report files matched to the commit's tree, and the commit's patch lines read from the mirror."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from domain.testing.patch import FileFigures, PatchCoverage, ReportFile, patch_coverage, rounded
from interfaces.history.diffs import added_lines
from interfaces.history.git_reader import GitReader
from projections.store import ReadStore
from projections.testing import queries


def commit_patch_lines(reader: GitReader, commit_hash: str) -> dict[str, list[int]]:
    """Repository path -> the new-side line numbers the commit adds or changes against its first
    parent (everything, for a root commit)."""
    info = reader.commit(commit_hash)
    out: dict[str, list[int]] = {}
    for change in reader.changes(info):
        if change.parent != 0:
            continue
        lines = added_lines(change, reader.read_blob)
        if lines:
            out[change.path] = lines
    return out


def report_files(store: ReadStore, run_id: int) -> list[ReportFile]:
    out = []
    for row in queries.coverage_line_files(store, run_id):
        sources = tuple(json.loads(row["sources"])) if row["sources"] else ()
        covered_lines = frozenset(json.loads(row["covered_lines"])) if row["covered_lines"] else frozenset()
        out.append(ReportFile(path=str(row["path"]), covered=int(row["covered"]), missed=int(row["missed"]),
                              covered_lines=covered_lines, missed_lines=frozenset(json.loads(row["missed_lines"])),
                              sources=sources))
    return out


def commit_coverage(store: ReadStore, reader: GitReader, commit_hash: str) -> tuple[dict[str, Any],
                                                                                      PatchCoverage] | None:
    """(the run row, its figures) for a commit; None when no run with coverage exists for it."""
    run = queries.newest_coverage_run(store, commit_hash)
    if run is None:
        return None
    tree = [entry.path for entry in reader.files(commit_hash)]
    figures = patch_coverage(report_files(store, int(run["id"])), tree, commit_patch_lines(reader, commit_hash))
    return run, figures


def _figures(covered: int, missed: int) -> dict[str, Any]:
    return {"covered": covered, "missed": missed, "percentage": rounded(covered, missed)}


def commit_view(run: dict[str, Any], figures: PatchCoverage) -> dict[str, Any]:
    return {
        "run": {"publicId": run["public_id"], "id": int(run["id"])},
        "overall": _figures(int(run["line_covered"]), int(run["line_missed"])),
        "patch": _figures(*figures.patch),
        "files": [f.view() for f in figures.files.values()],
        "unmatched": figures.unmatched,
    }


def branch_view(commits: Iterable[tuple[str, dict[str, Any], PatchCoverage]], base: str, head: str,
                total_commits: int) -> dict[str, Any]:
    """The figures summed over the range's commits that have coverage (newest first in ``commits``):
    ``overall`` is the run's of the newest of them (the branch's coverage now), ``patch`` and ``files``
    sum every commit's patch lines; a file's ``missedPatchLines`` are those of the newest commit that
    missed some (line numbers of that commit)."""
    files: dict[str, FileFigures] = {}
    runs = []
    overall: tuple[int, int] = (0, 0)
    unmatched: set[str] = set()
    for index, (commit_hash, run, figures) in enumerate(commits):
        if index == 0:
            overall = (int(run["line_covered"]), int(run["line_missed"]))
            for path, f in figures.files.items():
                files[path] = FileFigures(path=path, covered=f.covered, missed=f.missed)
        runs.append({"commitHash": commit_hash, "publicId": run["public_id"], "id": int(run["id"])})
        unmatched.update(figures.unmatched)
        for path, f in figures.files.items():
            target = files.setdefault(path, FileFigures(path=path, covered=f.covered, missed=f.missed))
            target.patch_covered += f.patch_covered
            target.patch_missed += f.patch_missed
            if not target.missed_patch_lines:  # line numbers of the newest commit that missed some
                target.missed_patch_lines = list(f.missed_patch_lines)
    patch = (sum(f.patch_covered for f in files.values()), sum(f.patch_missed for f in files.values()))
    return {
        "base": base, "head": head, "commits": total_commits, "runs": runs,
        "overall": _figures(*overall), "patch": _figures(*patch),
        "files": [files[p].view() for p in sorted(files)], "unmatched": sorted(unmatched),
    }
