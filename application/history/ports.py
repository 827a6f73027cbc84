"""What the history import needs from the outside: git (clone, fetch, read) and the projects log.

``interfaces/history/importing.py`` implements the git port with dulwich; ``interfaces/history/worker.py``
implements the projects port with the projects application."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class RepositoryError(Exception):
    """The repository could not be cloned, fetched or read. The message is safe to show to users
    (no credentials)."""


@dataclass(frozen=True)
class RepositoryState:
    """The refs of a fetched repository: full ref name (``refs/heads/main``, ``refs/tags/v1``) ->
    commit hash (annotated tags peeled), and the branch HEAD names."""

    refs: dict[str, str]
    default_branch: str | None


class HistoryReader(Protocol):
    """A fetched repository, read for one import run. Not thread-safe."""

    def state(self) -> RepositoryState: ...

    def plan(self, since_ms: int | None, known: Callable[[str], bool]) -> list[str]:
        """The hashes of the commits to record, parents before children: every commit reachable from
        a ref that is not ``known`` (the walk stops at known commits: they are closed under
        ancestry), authored at or after ``since_ms`` (epoch ms) when given."""
        ...

    def packed(self, hashes: Sequence[str]) -> Iterator[str]:
        """Each planned commit with its file changes, packed (``domain.history.records.encode_commit``),
        in the order given."""
        ...

    def close(self) -> None: ...


class GitPort(Protocol):
    def fetch(self, source: str, directory: Path, username: str | None, password: str | None) -> None:
        """Clone ``source`` (a URL, or a resolved local directory) into the bare mirror ``directory``,
        or fetch into it: afterwards its branches and tags equal the source's. RepositoryError."""
        ...

    def open(self, directory: Path) -> HistoryReader:
        """Read the mirror (shared with other readers; a fetch waits until they are closed)."""
        ...

    def discard(self, directory: Path) -> None:
        """Remove a mirror that is no longer needed (its project was deleted), if it exists."""
        ...


class ProjectsLog(Protocol):
    """The projects application's event log and its projects."""

    def events_after(self, position: int, limit: int) -> list[tuple[int, Any]]:
        """Up to ``limit`` (position, domain event) pairs after ``position``, of the event types the
        import follows (Project created, vcsUrl/startDate/vcsOnline/credentials changed, deleted)."""
        ...

    def project(self, project_uuid: Any) -> Any | None:
        """The project aggregate (for its credentials), None when it is gone."""
        ...
