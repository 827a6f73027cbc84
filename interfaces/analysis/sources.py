"""The analysis's view of the other contexts: commits from the history read model with contents from the
project's repository mirror, and configuration from the projects read model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from application.analysis.ports import CommitSource, ProjectConfig, SourceChange, SourceCommit
from interfaces.history.git_reader import GitReader
from interfaces.history.importing import mirror_path, open_mirror
from projections.history import queries as history
from projections.projects import queries as projects
from projections.store import ReadStore


def fingerprint_of(status: dict[str, Any]) -> str:
    """Changes with every finished import run (refs move only then) and every recorded commit."""
    return f"{status['job_uuid']}:{status['runs']}:{status['commits']}"


class HistorySource(CommitSource):
    """A project's imported history (the history read model) and its repository mirror."""

    def __init__(self, store: ReadStore, project_num: int, status: dict[str, Any], reader: GitReader,
                 directory: Path) -> None:
        self.store = store
        self.project_num = project_num
        self.status = status
        self.reader = reader
        self.directory = directory
        self._idx: dict[str, int] = {}

    def fingerprint(self) -> str:
        return fingerprint_of(self.status)

    def branches(self) -> dict[str, str]:
        return {str(r["name"]): str(r["commit_hash"]) for r in history.refs(self.store, self.project_num)
                if not r["is_tag"]}

    def default_branch(self) -> str | None:
        value = self.status.get("default_branch")
        return None if value is None else str(value)

    def commits(self) -> list[SourceCommit]:
        with self.store.read() as tx:
            rows = tx.fetchall("SELECT idx, hash, author_time FROM history_commits WHERE project_id=%s ORDER BY idx",
                               (self.project_num,))
            parents: dict[int, list[str]] = {}
            for p in tx.fetchall(
                "SELECT idx, parent_hash FROM history_commit_parents WHERE project_id=%s ORDER BY idx, position",
                (self.project_num,),
            ):
                parents.setdefault(int(p["idx"]), []).append(str(p["parent_hash"]))
        self._idx = {str(r["hash"]): int(r["idx"]) for r in rows}
        return [SourceCommit(str(r["hash"]), tuple(parents.get(int(r["idx"]), ())), int(r["author_time"]))
                for r in rows]

    def changes(self, hashes: Sequence[str]) -> dict[str, list[SourceChange]]:
        if not self._idx:
            self.commits()
        wanted = {self._idx[h]: h for h in hashes if h in self._idx}
        out: dict[str, list[SourceChange]] = {h: [] for h in hashes}
        if not wanted:
            return out
        rows = self.store.fetchall(
            "SELECT idx, kind, path, old_path, old_blob, new_blob FROM history_file_changes "
            "WHERE project_id=%s AND idx >= %s AND idx <= %s",
            (self.project_num, min(wanted), max(wanted)),
        )
        for r in rows:
            commit = wanted.get(int(r["idx"]))
            if commit is not None:
                out[commit].append(SourceChange(str(r["kind"]), str(r["path"]), r["old_path"], r["old_blob"],
                                                r["new_blob"]))
        return out

    def tree(self, commit: str) -> list[tuple[str, str]]:
        return [(f.path, f.blob) for f in self.reader.files(commit)]

    def read_blob(self, blob: str) -> bytes:
        return self.reader.read_blob(blob)

    def repository(self) -> str | None:
        return str(self.directory)

    def close(self) -> None:
        self.reader.close()


class MirrorSources:
    """Opens a project's ``HistorySource``: None until an import of it has finished."""

    def __init__(self, store: ReadStore, data_dir: Path) -> None:
        self.store = store
        self.data_dir = data_dir

    def _status(self, project_uuid: UUID, project_num: int) -> dict[str, Any] | None:
        status = history.import_status(self.store, project_num)
        if status is None or int(status["runs"] or 0) == 0 or str(status["project_uuid"]) != str(project_uuid):
            return None
        return dict(status)

    def fingerprint(self, project_uuid: UUID, project_num: int) -> str | None:
        status = self._status(project_uuid, project_num)
        return None if status is None else fingerprint_of(status)

    def open(self, project_uuid: UUID, project_num: int) -> CommitSource | None:
        status = self._status(project_uuid, project_num)
        if status is None:
            return None
        directory = mirror_path(self.data_dir, project_uuid)
        reader = open_mirror(directory)
        if reader is None:
            return None
        return HistorySource(self.store, project_num, status, reader, directory)


class ReadModelConfigs:
    """A project's file patterns and enabled analyzers, from the projects read model."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, project_num: int) -> ProjectConfig | None:
        project = projects.project_by_id(self.store, project_num)
        if project is None:
            return None
        return ProjectConfig(
            project_uuid=UUID(project["uuid"]),
            project_num=project_num,
            patterns=[[str(r["pattern"]), str(r["inclusion_type"])] for r in projects.file_patterns(self.store,
                                                                                                  project_num)],
            analyzers=[[a["analyzer_name"], dict(a["parameters"] or {})]
                       for a in projects.analyzers(self.store, project_num) if a["enabled"]],
        )
