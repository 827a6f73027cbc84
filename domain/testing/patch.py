"""Patch coverage: how much of the lines a commit adds or changes its coverage report executed.

Pure rules, no git and no SQL: report paths are matched to the commit's files by the longest path
suffix, and a commit's patch lines (new-side line numbers of its diff against the first parent) are
counted against each file's executed and missed lines.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.testing.coverage import percentage

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _parts(path: str) -> list[str]:
    path = path.replace("\\", "/")
    path = _WINDOWS_DRIVE.sub("", path)
    return [p for p in path.split("/") if p not in ("", ".")]


def candidate_paths(report_path: str, sources: Sequence[str] = ()) -> list[str]:
    """The paths a report's file may stand for: as given, and under each of the report's sources
    (Cobertura's ``<source>``) when it is relative."""
    paths = [report_path]
    normal = report_path.replace("\\", "/")
    if not normal.startswith("/") and not _WINDOWS_DRIVE.match(normal):
        paths.extend(posixpath.join(source.replace("\\", "/"), normal) for source in sources)
    return paths


class PathMatcher:
    """Matches report paths to the files of one commit's tree."""

    def __init__(self, tree_paths: Iterable[str]) -> None:
        self._by_name: dict[str, list[tuple[str, list[str]]]] = {}
        for path in tree_paths:
            parts = path.split("/")
            self._by_name.setdefault(parts[-1], []).append((path, parts))

    def _best(self, report_path: str) -> tuple[int, list[str]]:
        parts = _parts(report_path)
        if not parts:
            return 0, []
        best = 0
        winners: list[str] = []
        for path, tree_parts in self._by_name.get(parts[-1], ()):
            common = 0
            for a, b in zip(reversed(parts), reversed(tree_parts), strict=False):
                if a != b:
                    break
                common += 1
            if common > best:
                best, winners = common, [path]
            elif common == best:
                winners.append(path)
        return best, winners

    def match(self, report_path: str, sources: Sequence[str] = ()) -> str | None:
        """The repository file whose path is the longest suffix of the report's path (tried as given
        and under each source), when exactly one file matches that well; None otherwise."""
        best = 0
        winners: set[str] = set()
        for candidate in candidate_paths(report_path, sources):
            length, found = self._best(candidate)
            if length > best:
                best, winners = length, set(found)
            elif length == best and length:
                winners.update(found)
        return next(iter(winners)) if best and len(winners) == 1 else None


def rounded(covered: int, missed: int) -> float | None:
    """A percentage with two decimals, None when nothing is coverable."""
    return None if covered + missed == 0 else percentage(covered, covered + missed)


@dataclass
class FileFigures:
    path: str
    covered: int = 0
    missed: int = 0
    patch_covered: int = 0
    patch_missed: int = 0
    missed_patch_lines: list[int] = field(default_factory=list)

    def view(self) -> dict[str, object]:
        return {"path": self.path, "covered": self.covered, "missed": self.missed,
                "patchCovered": self.patch_covered, "patchMissed": self.patch_missed,
                "missedPatchLines": self.missed_patch_lines}


@dataclass(frozen=True)
class ReportFile:
    """One file of a run's coverage: its path in the report, counters and line numbers."""

    path: str
    covered: int
    missed: int
    covered_lines: frozenset[int]
    missed_lines: frozenset[int]
    sources: tuple[str, ...] = ()


@dataclass
class PatchCoverage:
    files: dict[str, FileFigures]
    unmatched: list[str]

    @property
    def overall(self) -> tuple[int, int]:
        return (sum(f.covered for f in self.files.values()), sum(f.missed for f in self.files.values()))

    @property
    def patch(self) -> tuple[int, int]:
        return (sum(f.patch_covered for f in self.files.values()),
                sum(f.patch_missed for f in self.files.values()))


def patch_coverage(report_files: Iterable[ReportFile], tree_paths: Iterable[str],
                   patch_lines: Mapping[str, Iterable[int]]) -> PatchCoverage:
    """Per repository file: the report's counters and the patch lines it covers and misses.

    ``patch_lines`` maps a repository path to the new-side line numbers its commit added or changed.
    A report file matched to no repository file (or to several equally well) is listed in
    ``unmatched``. Several report files matched to one repository file are merged (a line is covered
    when any of them executed it)."""
    matcher = PathMatcher(tree_paths)
    merged: dict[str, tuple[int, int, set[int], set[int]]] = {}
    unmatched: list[str] = []
    for rf in report_files:
        path = matcher.match(rf.path, rf.sources)
        if path is None:
            unmatched.append(rf.path)
            continue
        old = merged.get(path)
        if old is None:
            merged[path] = (rf.covered, rf.missed, set(rf.covered_lines), set(rf.missed_lines))
        else:
            merged[path] = (old[0] + rf.covered, old[1] + rf.missed, old[2] | rf.covered_lines,
                            old[3] | rf.missed_lines)
    files: dict[str, FileFigures] = {}
    for path, (covered, missed, hit, miss) in merged.items():
        figures = FileFigures(path=path, covered=covered, missed=missed)
        for line in sorted(set(patch_lines.get(path, ()))):
            if line in hit:
                figures.patch_covered += 1
            elif line in miss:
                figures.patch_missed += 1
                figures.missed_patch_lines.append(line)
        files[path] = figures
    return PatchCoverage(files=dict(sorted(files.items())), unmatched=sorted(set(unmatched)))
