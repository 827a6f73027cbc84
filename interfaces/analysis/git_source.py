"""A ``CommitSource`` that reads a git repository directly with the dulwich adapter (``GitReader``).

Used where no imported history is at hand: the engine's tests, and ``bench/analyze.py`` as a
reference. Commits are every commit reachable from a branch or tag, oldest first; changes are git's
first-parent diff with rename detection.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from application.analysis.ports import CommitSource, SourceChange, SourceCommit
from interfaces.history.git_reader import GitReader


class GitCommitSource(CommitSource):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.reader = GitReader(self.path)
        self._commits: list[SourceCommit] | None = None

    def fingerprint(self) -> str:
        refs = sorted((r.ref, r.commit) for r in self.reader.refs())
        return hashlib.sha1(repr(refs).encode()).hexdigest()

    def branches(self) -> dict[str, str]:
        return {r.name: r.commit for r in self.reader.branches()}

    def default_branch(self) -> str | None:
        return self.reader.default_branch()

    def commits(self) -> list[SourceCommit]:
        if self._commits is None:
            self._commits = [
                SourceCommit(c.hash, c.parents, c.author_time * 1000) for c in self.reader.commits()
            ]
        return self._commits

    def changes(self, hashes: Sequence[str]) -> dict[str, list[SourceChange]]:
        out: dict[str, list[SourceChange]] = {}
        for commit in hashes:
            out[commit] = [
                SourceChange(c.kind.value, c.path, c.old_path, c.old_blob, c.new_blob)
                for c in self.reader.changes(commit)
                if c.parent == 0
            ]
        return out

    def tree(self, commit: str) -> list[tuple[str, str]]:
        return [(f.path, f.blob) for f in self.reader.files(commit)]

    def read_blob(self, blob: str) -> bytes:
        return self.reader.read_blob(blob)

    def repository(self) -> str | None:
        return self.path

    def close(self) -> None:
        self.reader.close()
