"""The history import's git port, with dulwich: fetch into bare mirrors, read history for an import.

Wraps ``git_source.clone_or_fetch`` and ``git_reader.GitReader`` (not changed here):

- A fetch holds an exclusive ``flock`` on ``<mirror>.lock``; an import run holds a shared one while
  it reads, so refs cannot move under a run (workers in several processes on one machine).
- Commits are turned into ``domain.history.records`` records and packed for the batch events.
  Text that PostgreSQL cannot store (NUL characters, paths that are not UTF-8) is replaced by
  U+FFFD.
- A local source (a directory below the allowed roots, already resolved) is mirrored the way
  ``git clone --shared`` does it: the mirror's ``objects/info/alternates`` names the source's object
  directory and only the refs are copied, so a repository of any size is "cloned" at once. Commits a
  force-push leaves behind may later be pruned from the source; they are no longer shown anyway.
  Remote sources are cloned and fetched with ``clone_or_fetch``.
- With ``processes`` > 0, the file changes of the planned commits are computed by that many worker
  processes (each with its own reader), in order, ``chunk`` commits at a time.
"""

from __future__ import annotations

import fcntl
import math
import multiprocessing
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from dulwich.errors import NotGitRepository
from dulwich.refs import Ref
from dulwich.repo import Repo

from application.history.ports import RepositoryError, RepositoryState
from domain.history.records import CommitRecord, FileChangeRecord, encode_change, encode_commit
from interfaces.history.git_reader import GitReader
from interfaces.history.git_source import GitSourceError, clone_or_fetch
from interfaces.history.model import CommitInfo, FileChange

_REPLACEMENT = "\ufffd"
# Parsed trees a reader keeps (two generations of this many): consecutive commits share most trees,
# and a large cache of wide trees costs gigabytes.
TREE_CACHE = 1000


def safe_text(text: str) -> str:
    """Text any database stores: no NUL, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", _REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _safe_path(path: str) -> str:
    # a path read from a tree has no NUL; only a non-ASCII one may hold an undecodable byte
    return path if path.isascii() else safe_text(path)


def change_record(c: FileChange) -> FileChangeRecord:
    old_path = c.old_path
    return FileChangeRecord(
        str(c.kind), _safe_path(c.path), None if old_path is None else _safe_path(old_path), c.old_blob,
        c.new_blob, c.old_mode, c.new_mode, c.similarity, c.parent,
    )


def commit_record(info: CommitInfo, changes: Sequence[FileChange]) -> CommitRecord:
    return CommitRecord(
        info.hash, tuple(info.parents), safe_text(info.author_name), safe_text(info.author_email), info.author_time,
        info.author_tz_offset, safe_text(info.committer_name), safe_text(info.committer_email), info.committer_time,
        info.committer_tz_offset, safe_text(info.message), tuple(change_record(c) for c in changes),
    )


# Packed changes by the identity of their FileChange: the reader hands out the same object for a
# merge's other-parent change that every merge of a long-lived branch repeats (nine in ten of the
# changes of a history like spring-boot's), so each is packed once. The entry holds the object, so
# its id is not reused while remembered.
_PACKED_CHANGES: dict[int, tuple[FileChange, str]] = {}
_PACKED_CHANGES_SIZE = 100_000


def _packed_change(c: FileChange) -> str:
    found = _PACKED_CHANGES.get(id(c))
    if found is not None and found[0] is c:
        return found[1]
    text = encode_change(change_record(c))
    if len(_PACKED_CHANGES) >= _PACKED_CHANGES_SIZE:
        _PACKED_CHANGES.clear()
    _PACKED_CHANGES[id(c)] = (c, text)
    return text


def packed_commit(info: CommitInfo, changes: Sequence[FileChange]) -> str:
    """``encode_commit(commit_record(info, changes))``, with the changes packed once per object."""
    head = encode_commit(commit_record(info, ()))
    assert head.endswith(",[]]")
    return head[:-3] + "[" + ",".join(map(_packed_change, changes)) + "]]"


def since_datetime(since_ms: int | None) -> datetime | None:
    """Commits authored at or after ``since_ms``: git times are whole seconds, so round up."""
    if since_ms is None:
        return None
    return datetime.fromtimestamp(math.ceil(since_ms / 1000), UTC)


class _Lock:
    def __init__(self, directory: Path, exclusive: bool) -> None:
        directory.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = open(directory.with_name(directory.name + ".lock"), "a")  # noqa: SIM115
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- worker processes ------------------------------------------------------------------------------
_worker_reader: GitReader | None = None


def _worker_init(path: str) -> None:
    global _worker_reader
    _worker_reader = GitReader(path, tree_cache_size=TREE_CACHE)


def _worker_pack(infos: list[CommitInfo]) -> list[str]:
    reader = _worker_reader
    assert reader is not None
    return [packed_commit(info, reader.changes(info)) for info in infos]


class DulwichHistoryReader:
    """One import run's view of a mirror (holds a shared lock until closed)."""

    def __init__(self, directory: Path, processes: int = 0, chunk: int = 1024, min_commits: int = 300) -> None:
        self._lock = _Lock(directory, exclusive=False)
        try:
            self._reader = GitReader(directory, tree_cache_size=TREE_CACHE)
        except GitSourceError as exc:
            self._lock.release()
            raise RepositoryError(str(exc)) from None
        self._directory = directory
        self._processes = processes
        self._chunk = chunk
        self._min_commits = min_commits  # fewer than this: not worth starting processes
        self._infos: dict[str, CommitInfo] = {}

    def state(self) -> RepositoryState:
        refs = {r.ref: r.commit for r in self._reader.refs()}
        return RepositoryState(refs, self._reader.default_branch())

    def plan(self, since_ms: int | None, known: Callable[[str], bool]) -> list[str]:
        self._infos = {}
        for info in self._reader.commits(since=since_datetime(since_ms), known=known, stop_at_known=True):
            self._infos[info.hash] = info
        return list(self._infos)

    def packed(self, hashes: Sequence[str]) -> Iterator[str]:
        if self._processes > 0 and len(hashes) >= self._min_commits:
            yield from self._packed_in_processes(hashes)
            return
        for h in hashes:
            info = self._infos[h]
            yield packed_commit(info, self._reader.changes(info))

    def _packed_in_processes(self, hashes: Sequence[str]) -> Iterator[str]:
        # Long runs of consecutive commits keep a process's caches warm (a merge reuses the work of the
        # previous merge of the same branch): 1024 commits imports spring-boot 1.4x faster than 128.
        # A shorter history still gives each process two chunks.
        size = max(1, min(self._chunk, -(-len(hashes) // (2 * self._processes))))
        chunks = [[self._infos[h] for h in hashes[i:i + size]] for i in range(0, len(hashes), size)]
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        with ProcessPoolExecutor(self._processes, mp_context=context, initializer=_worker_init,
                                 initargs=(str(self._directory),)) as pool:
            window = self._processes * 3
            pending: list[Future[list[str]]] = []
            next_chunk = 0
            try:
                while next_chunk < len(chunks) or pending:
                    while next_chunk < len(chunks) and len(pending) < window:
                        pending.append(pool.submit(_worker_pack, chunks[next_chunk]))
                        next_chunk += 1
                    yield from pending.pop(0).result()
            finally:
                for f in pending:
                    f.cancel()

    def close(self) -> None:
        try:
            self._reader.close()
        finally:
            self._lock.release()


_MIRRORED = (b"refs/heads/", b"refs/tags/")
HEAD_REF = cast(Ref, b"HEAD")


def _alternates_file(directory: Path) -> Path:
    return directory / "objects" / "info" / "alternates"


def mirror_local(source: Path, directory: Path) -> None:
    """Make ``directory`` a bare repository with ``source``'s branches and tags, sharing its objects."""
    try:
        origin = Repo(str(source))
    except (NotGitRepository, FileNotFoundError, NotADirectoryError):
        raise RepositoryError(f"{source} is not a git repository") from None
    with origin:
        objects = Path(origin.object_store.path).resolve()
        refs = {name: sha for name, sha in origin.refs.as_dict().items()
                if name.startswith(_MIRRORED) and not name.endswith(b"^{}")}
        head = origin.refs.get_symrefs().get(HEAD_REF)
    if directory.exists() and any(directory.iterdir()):
        try:
            mirror = Repo(str(directory))
        except NotGitRepository:
            raise RepositoryError(f"{directory} exists and is not a git repository") from None
    else:
        directory.mkdir(parents=True, exist_ok=True)
        mirror = Repo.init_bare(str(directory))
    with mirror:
        alternates = _alternates_file(directory)
        alternates.parent.mkdir(parents=True, exist_ok=True)
        if not alternates.exists() or alternates.read_text().strip() != str(objects):
            tmp = alternates.with_suffix(".tmp")
            tmp.write_text(f"{objects}\n")
            tmp.replace(alternates)
        current = {name: sha for name, sha in mirror.refs.as_dict().items() if name.startswith(_MIRRORED)}
        for name, sha in refs.items():
            if current.get(name) != sha:
                mirror.refs.set_if_equals(name, None, sha)
        for name in set(current) - set(refs):
            mirror.refs.remove_if_equals(name, None)
        if head is not None and head in refs:
            mirror.refs.set_symbolic_ref(HEAD_REF, head)
        elif refs:
            branches = sorted(n for n in refs if n.startswith(b"refs/heads/"))
            if branches:
                mirror.refs.set_symbolic_ref(HEAD_REF, branches[0])


class DulwichGit:
    """The git port: bare mirrors under the data directory (local sources shared, remote ones fetched)."""

    def __init__(self, processes: int = 0, timeout: float = 120.0) -> None:
        self.processes = processes
        self.timeout = timeout

    def fetch(self, source: str, directory: Path, username: str | None, password: str | None) -> None:
        lock = _Lock(directory, exclusive=True)
        try:
            local = Path(source)
            if local.is_absolute() and local.is_dir():
                mirror_local(local, directory)
                return
            _alternates_file(directory).unlink(missing_ok=True)  # the source is remote now
            clone_or_fetch(source, directory, username=username or None, password=password or None,
                           timeout=self.timeout)
        except GitSourceError as exc:
            raise RepositoryError(str(exc)) from None
        except OSError as exc:
            raise RepositoryError(f"cannot write the mirror: {exc.strerror or exc}") from None
        finally:
            lock.release()

    def open(self, directory: Path) -> DulwichHistoryReader:
        return DulwichHistoryReader(directory, processes=self.processes)

    def discard(self, directory: Path) -> None:
        if not directory.exists():
            return
        lock = _Lock(directory, exclusive=True)
        try:
            shutil.rmtree(directory, ignore_errors=True)
        finally:
            lock.release()
            directory.with_name(directory.name + ".lock").unlink(missing_ok=True)


def open_mirror(directory: Path) -> GitReader | None:
    """A reader of a project's mirror for the API (no lock: objects never change), None if absent."""
    if not directory.is_dir():
        return None
    try:
        return GitReader(directory)
    except GitSourceError:
        return None


def mirror_path(data_dir: Path, project_uuid: Any) -> Path:
    return Path(data_dir) / "repos" / f"{project_uuid}.git"

