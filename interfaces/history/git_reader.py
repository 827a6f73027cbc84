"""Read a local git repository with dulwich: refs, commits in topological order, per-commit file
changes with git-compatible rename detection, files, blobs and diffs."""

from __future__ import annotations

import codecs
import heapq
import os
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import cast

from dulwich.errors import NotGitRepository
from dulwich.objects import Commit, ObjectID, Tag, parse_tree
from dulwich.repo import Repo

from interfaces.history.diffs import file_diff
from interfaces.history.git_source import GitSourceError
from interfaces.history.model import ChangeKind, CommitInfo, FileChange, FileEntry, GitRef, RefKind
from interfaces.history.packs import PackReader
from interfaces.history.renames import (
    DEFAULT_RENAME_LIMIT,
    DEFAULT_RENAME_THRESHOLD,
    Entry,
    SimilarityIndex,
    detect_renames,
    score_for_percent,
)

__all__ = ["GitReader", "KnownCommits"]

KnownCommits = Collection[str] | Callable[[str], bool]

_S_IFMT = 0o170000
_S_IFDIR = 0o040000
_S_IFGITLINK = 0o160000
_TREE = 2
_BLOB = 3
_SHA_LEN = 20

# A parsed tree: its (name, mode, hex sha) entries.
_Tree = frozenset[tuple[bytes, int, bytes]]
_EMPTY_TREE: _Tree = frozenset()
_CHANGE_CACHE_SIZE = 50_000
_DELETE_OR_RENAME = (ChangeKind.DELETE, ChangeKind.RENAME)
# Flat path -> entry maps of trees, for merges' other parents: a map is the map of the first
# parent's tree with the recorded first-parent diff applied (a whole-tree walk only when no
# ancestor's map is at hand).
_FLAT_MAPS = 48  # maps kept (least recently used out)
_TREE_DIFFS = 4_000  # first-parent diffs recorded (two generations of this many)
_MAX_REPLAY = 2_000  # recorded diffs replayed at most to make one map

# One tree's files: path -> (path, mode, hex sha); submodules left out.
_FlatMap = dict[bytes, tuple[bytes, int, bytes]]
# (first parent's tree, adds, deletes, modifies) of one commit's diff
_Modify = tuple[bytes, int, bytes, int, bytes]
_TreeDiff = tuple[bytes, list[tuple[bytes, int, bytes]], list[tuple[bytes, int, bytes]], list[_Modify]]


def _decode_path(path: bytes) -> str:
    return path.decode("utf-8", "surrogateescape")


def _encode_path(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def _text(data: bytes, encoding: bytes | None = None) -> str:
    if encoding:
        try:
            codec = codecs.lookup(encoding.decode("ascii", "replace")).name
        except LookupError:
            codec = "utf-8"
        return data.decode(codec, "replace")
    return data.decode("utf-8", "replace")


def _split_identity(identity: bytes) -> tuple[str, str]:
    """``Name <email>`` -> (name, email)."""
    lt = identity.rfind(b"<")
    if lt < 0:
        return _text(identity.strip()), ""
    gt = identity.find(b">", lt)
    email = identity[lt + 1 : gt if gt >= 0 else len(identity)]
    return _text(identity[:lt].strip()), _text(email.strip())


def _is_file_mode(mode: int) -> bool:
    kind = mode & _S_IFMT
    return kind == 0o100000 or kind == 0o120000


def _first(item: tuple[bytes, FileChange]) -> bytes:
    return item[0]


def _rename_change(old: Entry, new: Entry, similarity: int, parent: int) -> FileChange:
    return FileChange(
        ChangeKind.RENAME,
        _decode_path(new[0]),
        _decode_path(old[0]),
        old[2].decode("ascii"),
        new[2].decode("ascii"),
        old[1],
        new[1],
        similarity,
        parent,
    )


def _delete_change(entry: Entry, parent: int) -> FileChange:
    path = _decode_path(entry[0])
    return FileChange(ChangeKind.DELETE, path, path, entry[2].decode("ascii"), None, entry[1], None, None, parent)


class GitReader:
    """A read-only view of a local repository (bare or not).

    ``rename_threshold`` is the similarity percentage for inexact renames (60 like JGit/coderadar;
    git's own default is 50), ``rename_limit`` git's ``diff.renameLimit``. Not thread-safe: use
    one reader per thread.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        rename_threshold: int = DEFAULT_RENAME_THRESHOLD,
        rename_limit: int = DEFAULT_RENAME_LIMIT,
        tree_cache_size: int = 30_000,
    ) -> None:
        try:
            self._repo = Repo(os.fspath(path))
        except (NotGitRepository, FileNotFoundError, NotADirectoryError) as exc:
            raise GitSourceError(f"not a git repository: {os.fspath(path)}") from exc
        self._store = self._repo.object_store
        # Objects come from the pack files through a lean reader; loose objects, packs that
        # arrive later and anything unusual resolve through dulwich's store.
        self._packs = PackReader(self._repo.controldir())
        self._minimum_score = score_for_percent(rename_threshold)
        self._rename_limit = rename_limit
        self._trees: dict[bytes, _Tree] = {}
        self._trees_old: dict[bytes, _Tree] = {}
        self._tree_cache_size = tree_cache_size
        self._commit_trees: dict[bytes, bytes] = {}  # filled by the commit walk
        self._flat_maps: OrderedDict[bytes, _FlatMap] = OrderedDict()
        self._tree_diffs: dict[bytes, _TreeDiff] = {}
        self._tree_diffs_old: dict[bytes, _TreeDiff] = {}
        self._other_parent_changes: dict[tuple[object, ...], FileChange] = {}
        self._similarity = SimilarityIndex(self._blob_bytes)

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        self._packs.close()
        self._trees.clear()
        self._trees_old.clear()
        self._flat_maps.clear()
        self._tree_diffs.clear()
        self._tree_diffs_old.clear()
        self._repo.close()

    def __enter__(self) -> GitReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- refs

    def refs(self) -> list[GitRef]:
        """All branches and tags, sorted by ref name; tags peeled to their commit.

        Refs that do not lead to a commit (a tag of a tree or blob) are left out.
        """
        result: list[GitRef] = []
        for name, sha in sorted(self._repo.refs.as_dict().items()):
            if name.startswith(b"refs/heads/"):
                kind, short = RefKind.BRANCH, name[len(b"refs/heads/") :]
            elif name.startswith(b"refs/tags/"):
                kind, short = RefKind.TAG, name[len(b"refs/tags/") :]
            else:
                continue
            peeled = self._peel(sha)
            if peeled is None:
                continue
            commit, tag_object = peeled
            result.append(
                GitRef(
                    kind=kind,
                    name=_decode_path(short),
                    ref=_decode_path(name),
                    commit=commit.decode("ascii"),
                    tag_object=tag_object.decode("ascii") if tag_object else None,
                )
            )
        return result

    def branches(self) -> list[GitRef]:
        return [r for r in self.refs() if r.kind is RefKind.BRANCH]

    def tags(self) -> list[GitRef]:
        return [r for r in self.refs() if r.kind is RefKind.TAG]

    def default_branch(self) -> str | None:
        """The branch HEAD points at (short name), if HEAD is a branch."""
        try:
            chain, _ = self._repo.refs.follow(b"HEAD")  # type: ignore[arg-type]
        except KeyError:
            return None
        target = chain[-1] if chain else b""
        if target.startswith(b"refs/heads/"):
            return _decode_path(target[len(b"refs/heads/") :])
        return None

    def _peel(self, sha: bytes) -> tuple[bytes, bytes | None] | None:
        tag_object: bytes | None = None
        for _ in range(20):
            try:
                obj = self._store[cast(ObjectID, sha)]
            except KeyError:
                return None
            if isinstance(obj, Tag):
                if tag_object is None:
                    tag_object = sha
                sha = obj.object[1]
                continue
            if isinstance(obj, Commit):
                return sha, tag_object
            return None
        return None

    # ---------------------------------------------------------------- commits

    def commit(self, sha: str) -> CommitInfo:
        """One commit by full hex id; KeyError if absent."""
        return self._commit_info(sha.encode("ascii"), self._load_commit(sha.encode("ascii")))

    def _load_commit(self, sha: bytes) -> Commit:
        type_num, raw = self._raw(sha)
        if type_num != Commit.type_num:
            raise KeyError(sha.decode("ascii"))
        return cast(Commit, Commit.from_raw_string(type_num, raw, sha=cast(ObjectID, sha)))

    @staticmethod
    def _commit_info(sha: bytes, c: Commit) -> CommitInfo:
        author_name, author_email = _split_identity(c.author)
        committer_name, committer_email = _split_identity(c.committer)
        return CommitInfo(
            hash=sha.decode("ascii"),
            parents=tuple(p.decode("ascii") for p in c.parents),
            tree=c.tree.decode("ascii"),
            author_name=author_name,
            author_email=author_email,
            author_time=c.author_time,
            author_tz_offset=c.author_timezone,
            committer_name=committer_name,
            committer_email=committer_email,
            committer_time=c.commit_time,
            committer_tz_offset=c.commit_timezone,
            message=_text(c.message, c.encoding),
        )

    def commits(
        self,
        since: datetime | None = None,
        known: KnownCommits | None = None,
        *,
        stop_at_known: bool = False,
    ) -> Iterator[CommitInfo]:
        """Every commit reachable from a branch or tag, parents before children.

        Among commits whose parents are all out, the one with the oldest committer time (then
        author time, then hash) comes first, so the order is oldest first and stable.

        ``since``: only commits whose author time is at or after it (a naive datetime is taken
        as UTC). ``known``: hashes (a collection or a predicate) that are not yielded again.
        With ``stop_at_known`` the walk also does not read past a known commit; use it when the
        known commits are closed under ancestry (an import that records oldest first), so a
        resumed import reads only the new commits.
        """
        is_known = _known_predicate(known)
        since_epoch = _epoch(since) if since is not None else None

        infos: dict[bytes, CommitInfo] = {}
        parents_of: dict[bytes, list[bytes]] = {}
        pending = [self._peel(sha) for sha in self._ref_targets()]
        todo = sorted({p[0] for p in pending if p is not None})
        while todo:
            sha = todo.pop()
            if sha in parents_of:
                continue
            hex_sha = sha.decode("ascii")
            if is_known is not None and stop_at_known and is_known(hex_sha):
                parents_of[sha] = []
                continue
            try:
                c = self._load_commit(sha)
            except KeyError:  # shallow or broken history: treat as a root
                parents_of[sha] = []
                continue
            parents_of[sha] = list(c.parents)
            self._commit_trees[sha] = c.tree
            if is_known is None or not is_known(hex_sha):
                infos[sha] = self._commit_info(sha, c)
            for p in c.parents:
                if p not in parents_of:
                    todo.append(p)

        # Kahn's algorithm over the whole graph, ready commits ordered by time.
        waiting: dict[bytes, int] = {}
        children: dict[bytes, list[bytes]] = {}
        for sha, parents in parents_of.items():
            present = [q for q in dict.fromkeys(parents) if q in parents_of]
            waiting[sha] = len(present)
            for q in present:
                children.setdefault(q, []).append(sha)
        times: dict[bytes, tuple[int, int]] = {
            sha: (info.committer_time, info.author_time) for sha, info in infos.items()
        }
        ready = [(times.get(sha, (0, 0)), sha) for sha, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        while ready:
            _, sha = heapq.heappop(ready)
            info = infos.pop(sha, None)
            if info is not None and (since_epoch is None or info.author_time >= since_epoch):
                yield info
            for child in children.get(sha, ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (times.get(child, (0, 0)), child))

    def _ref_targets(self) -> list[bytes]:
        return [
            sha
            for name, sha in self._repo.refs.as_dict().items()
            if name.startswith((b"refs/heads/", b"refs/tags/"))
        ]

    def walk(
        self,
        since: datetime | None = None,
        known: KnownCommits | None = None,
        *,
        stop_at_known: bool = False,
    ) -> Iterator[tuple[CommitInfo, list[FileChange]]]:
        """``commits(...)`` with each commit's ``changes``."""
        for info in self.commits(since, known, stop_at_known=stop_at_known):
            yield info, self._changes(info.tree.encode("ascii"), info.parents)

    # ---------------------------------------------------------------- changes

    def changes(self, commit: CommitInfo | str) -> list[FileChange]:
        """The files a commit changed.

        Against its first parent (a root commit: every file is an ADD) with rename detection;
        against each further parent of a merge only the DELETEs and RENAMEs (``parent`` = its
        index), leaving out those already reported against an earlier parent. Submodules
        (gitlinks) are ignored. Sorted by parent, then path.
        """
        if isinstance(commit, str):
            commit = self.commit(commit)
        return self._changes(commit.tree.encode("ascii"), commit.parents)

    def _changes(self, tree: bytes, parents: tuple[str, ...]) -> list[FileChange]:
        if not parents:
            adds: list[Entry] = []
            self._collect(None, tree, b"", adds, [], [])
            adds.sort()
            return [
                FileChange(ChangeKind.ADD, _decode_path(p), None, None, s.decode("ascii"), None, m)
                for p, m, s in adds
            ]
        result = self._diff(self._commit_tree(parents[0]), tree)
        if len(parents) > 1:
            # other parents give only DELETEs and RENAMEs, each (kind, path, old path) once
            seen = {(c.kind, c.path, c.old_path) for c in result if c.kind in _DELETE_OR_RENAME}
            merged = self._flat_map(tree)
            last = len(parents) - 1
            for index, parent in enumerate(parents[1:], start=1):
                changes = self._other_diff(self._flat_map(self._commit_tree(parent)), merged, index)
                if seen:
                    paths = {key[1] for key in seen}
                    changes = [c for c in changes if c.path not in paths or (c.kind, c.path, c.old_path) not in seen]
                if index < last:
                    seen.update((c.kind, c.path, c.old_path) for c in changes)
                result.extend(changes)
        return result

    def _commit_tree(self, sha: str) -> bytes:
        key = sha.encode("ascii")
        tree = self._commit_trees.get(key)
        if tree is None:
            tree = self._commit_trees[key] = self._load_commit(key).tree
        return tree

    def _diff(self, old_tree: bytes, new_tree: bytes) -> list[FileChange]:
        """Changes from the first parent's tree, recorded for the flat maps."""
        adds: list[Entry] = []
        deletes: list[Entry] = []
        modifies: list[tuple[bytes, int, bytes, int, bytes]] = []
        self._collect(old_tree, new_tree, b"", adds, deletes, modifies)
        self._record_diff(old_tree, new_tree, adds, deletes, modifies)
        adds.sort()
        deletes.sort()
        return self._changes_from(adds, deletes, modifies, 0, full=True)

    def _other_diff(self, old: _FlatMap, new: _FlatMap, parent: int) -> list[FileChange]:
        """DELETEs and RENAMEs from one flat map to another: the added and deleted paths are set
        differences of the maps' keys (files changed in place are MODIFYs, left out here)."""
        adds = list(map(new.__getitem__, sorted(new.keys() - old.keys())))
        deletes = list(map(old.__getitem__, sorted(old.keys() - new.keys())))
        return self._changes_from(adds, deletes, [], parent, full=False)

    def _changes_from(
        self,
        adds: list[Entry],
        deletes: list[Entry],
        modifies: list[tuple[bytes, int, bytes, int, bytes]],
        parent: int,
        *,
        full: bool,
    ) -> list[FileChange]:
        found = detect_renames(adds, deletes, self._similarity, self._minimum_score, self._rename_limit)
        out: list[tuple[bytes, FileChange]] = []
        if not full:
            # a branch merged again and again gives the same changes again and again
            cache = self._other_parent_changes
            if len(cache) > _CHANGE_CACHE_SIZE:
                cache.clear()
            for r in found.renames:
                key: tuple[object, ...] = (r.old, r.new, r.score, parent)
                change = cache.get(key)
                if change is None:
                    change = cache[key] = _rename_change(r.old, r.new, r.similarity, parent)
                out.append((r.new[0], change))
            for entry in found.deletes:
                key = (entry, parent)
                change = cache.get(key)
                if change is None:
                    change = cache[key] = _delete_change(entry, parent)
                out.append((entry[0], change))
        else:
            for r in found.renames:
                out.append((r.new[0], _rename_change(r.old, r.new, r.similarity, parent)))
            for entry in found.deletes:
                out.append((entry[0], _delete_change(entry, parent)))
            for p, m, s in found.adds:
                out.append((p, FileChange(ChangeKind.ADD, _decode_path(p), None, None, s.decode("ascii"), None, m)))
            for p, om, os_, nm, ns in modifies:
                out.append(
                    (
                        p,
                        FileChange(
                            ChangeKind.MODIFY, _decode_path(p), None, os_.decode("ascii"), ns.decode("ascii"), om, nm
                        ),
                    )
                )
        out.sort(key=_first)
        return [change for _, change in out]

    def _tree(self, sha: bytes) -> _Tree:
        tree = self._trees.get(sha)
        if tree is None:
            tree = self._trees_old.get(sha)
            if tree is None:
                type_num, raw = self._raw(sha)
                if type_num != _TREE:
                    raise KeyError(sha.decode("ascii"))
                tree = frozenset(parse_tree(raw, _SHA_LEN))
            if len(self._trees) >= self._tree_cache_size:
                self._trees_old = self._trees
                self._trees = {}
            self._trees[sha] = tree
        return tree

    # ---------------------------------------------------------------- flat maps

    def _record_diff(
        self,
        old_tree: bytes,
        new_tree: bytes,
        adds: list[Entry],
        deletes: list[Entry],
        modifies: list[tuple[bytes, int, bytes, int, bytes]],
    ) -> None:
        if new_tree in self._tree_diffs or old_tree == new_tree:
            return
        if len(self._tree_diffs) >= _TREE_DIFFS:
            self._tree_diffs_old = self._tree_diffs
            self._tree_diffs = {}
        self._tree_diffs[new_tree] = (old_tree, adds, deletes, modifies)

    def _flat_map(self, tree: bytes) -> _FlatMap:
        """Every file of a tree by path: the map of the closest tree up the recorded first-parent
        diffs with those diffs applied, or a walk of the whole tree."""
        maps = self._flat_maps
        found = maps.get(tree)
        if found is not None:
            maps.move_to_end(tree)
            return found
        chain: list[_TreeDiff] = []
        at = tree
        base: _FlatMap | None = None
        while len(chain) < _MAX_REPLAY:
            recorded = self._tree_diffs.get(at)
            if recorded is None:
                recorded = self._tree_diffs_old.get(at)
                if recorded is None:
                    break
            chain.append(recorded)
            at = recorded[0]
            base = maps.get(at)
            if base is not None:
                break
        if base is not None:
            flat = dict(base)
        elif maps:
            flat = self._map_from(next(reversed(maps)), at)
        else:
            flat = self._walk_flat(at)
        for _, adds, deletes, modifies in reversed(chain):
            _apply_diff(flat, adds, deletes, modifies)
        maps[tree] = flat
        if len(maps) > _FLAT_MAPS:
            maps.popitem(last=False)
        return flat

    def _map_from(self, known: bytes, tree: bytes) -> _FlatMap:
        """The map of ``tree`` from the map of another tree and the diff between the two (whose
        cost follows the size of the difference: the trees of one history share most subtrees)."""
        adds: list[Entry] = []
        deletes: list[Entry] = []
        modifies: list[_Modify] = []
        self._collect(known, tree, b"", adds, deletes, modifies)
        flat = dict(self._flat_maps[known])
        _apply_diff(flat, adds, deletes, modifies)
        return flat

    def _walk_flat(self, tree: bytes) -> _FlatMap:
        """Every file of a tree by path (what ``_collect`` treats as files: not trees, not
        submodules)."""
        flat: _FlatMap = {}
        stack: list[tuple[bytes, bytes]] = [(tree, b"")]
        while stack:
            sha, prefix = stack.pop()
            for name, mode, entry_id in self._tree(sha):
                kind = mode & _S_IFMT
                if kind == _S_IFDIR:
                    stack.append((entry_id, prefix + name + b"/"))
                elif kind != _S_IFGITLINK:
                    path = prefix + name
                    flat[path] = (path, mode, entry_id)
        return flat

    def _collect(
        self,
        old_sha: bytes | None,
        new_sha: bytes | None,
        prefix: bytes,
        adds: list[Entry],
        deletes: list[Entry],
        modifies: list[tuple[bytes, int, bytes, int, bytes]],
    ) -> None:
        """Changed files between two trees. Equal subtrees are skipped by id and equal entries
        by a set difference, so the cost follows the size of the change, not of the tree."""
        if old_sha == new_sha:
            return
        old = self._tree(old_sha) if old_sha is not None else _EMPTY_TREE
        new = self._tree(new_sha) if new_sha is not None else _EMPTY_TREE
        gone = {name: (mode, sha) for name, mode, sha in old - new}
        for name, new_mode, new_id in new - old:
            self._collect_entry(name, gone.pop(name, None), new_mode, new_id, prefix, adds, deletes, modifies)
        for name, (old_mode, old_id) in gone.items():
            self._collect_gone(name, old_mode, old_id, prefix, adds, deletes, modifies)

    def _collect_entry(
        self,
        name: bytes,
        entry: tuple[int, bytes] | None,
        new_mode: int,
        new_id: bytes,
        prefix: bytes,
        adds: list[Entry],
        deletes: list[Entry],
        modifies: list[tuple[bytes, int, bytes, int, bytes]],
    ) -> None:
        """One name present in the new tree and changed (or new) relative to the old one."""
        if entry is not None:
            old_mode, old_id = entry
        else:
            old_mode, old_id = 0, b""
        path = prefix + name
        new_kind = new_mode & _S_IFMT
        old_kind = old_mode & _S_IFMT
        if new_kind == _S_IFDIR:
            if old_kind == _S_IFDIR:
                self._collect(old_id, new_id, path + b"/", adds, deletes, modifies)
                return
            self._collect(None, new_id, path + b"/", adds, deletes, modifies)
            if old_kind and old_kind != _S_IFGITLINK:
                deletes.append((path, old_mode, old_id))
        elif new_kind == _S_IFGITLINK:
            if old_kind == _S_IFDIR:
                self._collect(old_id, None, path + b"/", adds, deletes, modifies)
            elif old_kind and old_kind != _S_IFGITLINK:
                deletes.append((path, old_mode, old_id))
        elif not old_kind or old_kind == _S_IFGITLINK:
            adds.append((path, new_mode, new_id))
        elif old_kind == _S_IFDIR:
            self._collect(old_id, None, path + b"/", adds, deletes, modifies)
            adds.append((path, new_mode, new_id))
        else:
            modifies.append((path, old_mode, old_id, new_mode, new_id))

    def _collect_gone(
        self,
        name: bytes,
        old_mode: int,
        old_id: bytes,
        prefix: bytes,
        adds: list[Entry],
        deletes: list[Entry],
        modifies: list[tuple[bytes, int, bytes, int, bytes]],
    ) -> None:
        """One name only in the old tree."""
        old_kind = old_mode & _S_IFMT
        if old_kind == _S_IFDIR:
            self._collect(old_id, None, prefix + name + b"/", adds, deletes, modifies)
        elif old_kind != _S_IFGITLINK:
            deletes.append((prefix + name, old_mode, old_id))

    # ---------------------------------------------------------------- reading

    def _raw(self, sha: bytes) -> tuple[int, bytes]:
        found = self._packs.get(sha)
        if found is not None:
            return found
        return self._store.get_raw(cast(ObjectID, sha))

    def _blob_bytes(self, sha: bytes) -> bytes:
        type_num, raw = self._raw(sha)
        if type_num != _BLOB:
            raise KeyError(sha.decode("ascii"))
        return raw

    def read_blob(self, blob: str) -> bytes:
        """A blob's content; KeyError if there is no such blob."""
        return self._blob_bytes(blob.encode("ascii"))

    def files(self, commit: str) -> list[FileEntry]:
        """Every file (regular or symlink) in a commit's tree, sorted by path."""
        out: list[FileEntry] = []
        stack: list[tuple[bytes, bytes]] = [(self._commit_tree(commit), b"")]
        while stack:
            sha, prefix = stack.pop()
            for name, mode, entry_id in self._tree(sha):
                if mode & _S_IFMT == _S_IFDIR:
                    stack.append((entry_id, prefix + name + b"/"))
                elif _is_file_mode(mode):
                    out.append(FileEntry(_decode_path(prefix + name), entry_id.decode("ascii"), mode))
        out.sort(key=lambda e: _encode_path(e.path))
        return out

    def _entry_at(self, commit: str, path: str) -> tuple[int, bytes] | None:
        sha = self._commit_tree(commit)
        parts = _encode_path(path).strip(b"/").split(b"/")
        for i, part in enumerate(parts):
            entry = next((e for e in self._tree(sha) if e[0] == part), None)
            if entry is None:
                return None
            _, mode, sha = entry
            is_last = i == len(parts) - 1
            if is_last:
                return (mode, sha) if _is_file_mode(mode) else None
            if mode & _S_IFMT != _S_IFDIR:
                return None
        return None

    def blob_at(self, commit: str, path: str) -> str | None:
        """The blob id of ``path`` at ``commit``, None when there is no such file."""
        entry = self._entry_at(commit, path)
        return entry[1].decode("ascii") if entry else None

    def read_at(self, commit: str, path: str) -> bytes | None:
        """The content of ``path`` at ``commit``, None when there is no such file."""
        entry = self._entry_at(commit, path)
        return self._blob_bytes(entry[1]) if entry else None

    def diff(self, commit: str, path: str, context: int = 3) -> str:
        """A ``git diff``-style unified diff of one file changed by ``commit`` against its
        first parent (renames shown as git does); "" when the commit did not change ``path``.

        ``path`` is the file's path in the commit (for a deleted file, its old path). Binary
        files give ``Binary files a/x and b/x differ``.
        """
        info = self.commit(commit)
        for change in self.changes(info):
            if change.parent != 0:
                continue
            if change.path == path or (change.kind is ChangeKind.DELETE and change.old_path == path):
                return file_diff(change, self.read_blob, context=context)
        return ""


def _apply_diff(flat: _FlatMap, adds: list[Entry], deletes: list[Entry], modifies: list[_Modify]) -> None:
    """A tree's flat map turned into the map of the tree on the other side of a diff."""
    for entry in deletes:
        del flat[entry[0]]
    for entry in adds:
        flat[entry[0]] = entry
    for path, _, _, new_mode, new_id in modifies:
        flat[path] = (path, new_mode, new_id)


def _known_predicate(known: KnownCommits | None) -> Callable[[str], bool] | None:
    if known is None:
        return None
    if callable(known):
        return known
    collection = known
    return collection.__contains__


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
