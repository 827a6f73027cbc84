"""What the analysis needs from the outside: a project's commits and contents, its configuration, and
a way to measure contents.

``interfaces/analysis/`` implements the ports: commits from the history context's read model (or a
git repository read directly), configuration from the projects read model, and measuring in this
process or in worker processes. What earlier batches recorded the engine reads back from its own
events (``application/analysis/engine.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

ADD, MODIFY, DELETE, RENAME = "ADD", "MODIFY", "DELETE", "RENAME"


@dataclass(frozen=True, slots=True)
class SourceCommit:
    hash: str
    parents: tuple[str, ...]  # git's order: the first parent first
    timestamp: int  # epoch milliseconds (author time)


@dataclass(frozen=True, slots=True)
class SourceChange:
    """A file a commit changed against its first parent (git's diff with rename detection)."""

    kind: str  # ADD, MODIFY, DELETE, RENAME
    path: str  # the path after the change (DELETE: the deleted path)
    old_path: str | None  # RENAME: the path before; DELETE: the deleted path
    old_blob: str | None
    new_blob: str | None


class CommitSource(Protocol):
    """One project's imported history. Not thread-safe: one per job run."""

    def fingerprint(self) -> str:
        """Changes whenever commits or branches change (new commits are looked for only then)."""
        ...

    def branches(self) -> dict[str, str]:
        """Branch name (``main``) -> head commit hash."""
        ...

    def default_branch(self) -> str | None: ...

    def commits(self) -> list[SourceCommit]:
        """Every imported commit, parents before children."""
        ...

    def changes(self, hashes: Sequence[str]) -> dict[str, list[SourceChange]]:
        """The first-parent changes of these commits (a root commit: every file added)."""
        ...

    def tree(self, commit: str) -> list[tuple[str, str]]:
        """Every file of a commit as (path, blob): for a commit whose parent is not imported."""
        ...

    def read_blob(self, blob: str) -> bytes:
        """A file content; KeyError when there is no such blob."""
        ...

    def repository(self) -> str | None:
        """A git directory another process may read blobs from itself, or None."""
        ...

    def close(self) -> None: ...


class CommitSources(Protocol):
    def open(self, project_uuid: UUID, project_num: int) -> CommitSource | None:
        """The project's history, None when nothing is imported (yet)."""
        ...

    def fingerprint(self, project_uuid: UUID, project_num: int) -> str | None:
        """What ``CommitSource.fingerprint`` would answer, without opening the source (cheap: the
        worker asks for every automatically analysed project in every round)."""
        ...


@dataclass(frozen=True)
class ProjectConfig:
    """What a project's analysis is configured with (as its read model shows it)."""

    project_uuid: UUID
    project_num: int
    patterns: list[list[str]]  # [pattern, INCLUDE|EXCLUDE]
    analyzers: list[list[Any]]  # [name, parameters] of the enabled analyzers


class ProjectConfigs(Protocol):
    def get(self, project_num: int) -> ProjectConfig | None:
        """None when the project is gone."""
        ...


@dataclass
class Measured:
    """One analyzer's result for one file content."""

    values: dict[str, int]
    findings: list[list[Any]] = field(default_factory=list)  # FindingRecord fields
    error: str | None = None


@dataclass(frozen=True, slots=True)
class MeasureTask:
    """Measure one content with the analyzers that still need it: (key id, analyzer name, parameters)."""

    path: str
    blob: str
    analyzers: tuple[tuple[int, str, tuple[tuple[str, Any], ...]], ...]


class Measuring(Protocol):
    """Measurements under way."""

    def result(self) -> list[dict[int, Measured]]:
        """Wait for them: each task's results by key id, in task order."""
        ...


class Measurer(Protocol):
    def measure(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> list[dict[int, Measured]]:
        """Each task's results by key id, in task order. Never raises for a bad content: a failing
        analyzer (or an unreadable blob) gives a ``Measured`` with ``error``."""
        ...

    def submit(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> Measuring:
        """Start measuring (in other processes, the caller goes on meanwhile; or at once)."""
        ...

    def close(self) -> None: ...
