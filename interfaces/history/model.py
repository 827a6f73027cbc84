"""Plain values returned by the git adapter.

Object ids are full lower-case hex strings. Paths are ``str`` decoded from the
bytes git stores as UTF-8 with ``surrogateescape``: any path round-trips
(``path.encode("utf-8", "surrogateescape")`` gives git's bytes back), and a
path that is not valid UTF-8 (rare) shows up with lone surrogates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = [
    "ChangeKind",
    "CommitInfo",
    "FileChange",
    "FileEntry",
    "GitRef",
    "RefKind",
]


class RefKind(enum.StrEnum):
    BRANCH = "BRANCH"
    TAG = "TAG"


@dataclass(frozen=True, slots=True)
class GitRef:
    """A branch or a tag and the commit it points at (annotated tags peeled)."""

    kind: RefKind
    name: str  # short name: "main", "v1.0"
    ref: str  # full name: "refs/heads/main", "refs/tags/v1.0"
    commit: str  # the commit's full hex id
    tag_object: str | None = None  # the annotated tag object's id, None for branches and light tags


def _aware(epoch: int, offset_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).astimezone(timezone(timedelta(seconds=offset_seconds)))


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One commit. Times are epoch seconds; offsets are seconds east of UTC (``+0200`` is 7200)."""

    hash: str
    parents: tuple[str, ...]
    tree: str
    author_name: str
    author_email: str
    author_time: int
    author_tz_offset: int
    committer_name: str
    committer_email: str
    committer_time: int
    committer_tz_offset: int
    message: str

    @property
    def author_datetime(self) -> datetime:
        return _aware(self.author_time, self.author_tz_offset)

    @property
    def committer_datetime(self) -> datetime:
        return _aware(self.committer_time, self.committer_tz_offset)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


class ChangeKind(enum.StrEnum):
    ADD = "ADD"
    MODIFY = "MODIFY"
    DELETE = "DELETE"
    RENAME = "RENAME"


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file changed by a commit, relative to one of its parents.

    - ADD: ``path``, ``new_blob``; no old side.
    - MODIFY: ``path``, ``old_blob``, ``new_blob`` (content or mode changed; a file that became a
      symlink or back, git's ``T``, is a MODIFY too).
    - DELETE: ``path`` and ``old_path`` are the deleted path, ``old_blob``; no new side.
    - RENAME: ``old_path`` -> ``path``, ``old_blob``, ``new_blob`` and ``similarity`` (0-100,
      100 for exact renames, computed like git's ``R<score>``).

    ``parent`` is the index of the parent the change is relative to: 0 for the first parent,
    1.. for the other parents of a merge (those only ever give DELETE and RENAME).
    """

    kind: ChangeKind
    path: str
    old_path: str | None
    old_blob: str | None
    new_blob: str | None
    old_mode: int | None = None
    new_mode: int | None = None
    similarity: int | None = None
    parent: int = 0


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file in a commit's tree (regular file or symlink; submodules are left out)."""

    path: str
    blob: str
    mode: int

    @property
    def is_symlink(self) -> bool:
        return self.mode & 0o170000 == 0o120000
