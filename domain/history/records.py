"""What an import records about each commit: the commit and the files it changed.

Records travel in ``CommitBatch.Created`` events packed into one JSON text (:func:`encode_commits`:
an array of arrays in the field order below), so a batch of 500 commits stays small, is decoded
only by those who need it, and a decoded event is one string rather than thousands of objects.
Read them with :func:`decode_commits`; never rely on the packed form elsewhere.

File changes are git's, as the git adapter computes them: against the first parent a full diff with
rename detection (a root commit: every file is an ADD); against each further parent of a merge only
the DELETEs and RENAMEs (``parent`` is that parent's index). Blob ids are full hex; a DELETE has no
new blob, an ADD no old blob. Modes are git's (``0o100644``, ``0o100755``, ``0o120000`` symlink).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

ADD = "ADD"
MODIFY = "MODIFY"
DELETE = "DELETE"
RENAME = "RENAME"
CHANGE_KINDS = (ADD, MODIFY, DELETE, RENAME)

SHORT_HASH_LENGTH = 16  # coderadar shows commit hashes as their first 16 hex digits
SUBJECT_LENGTH = 100


class FileChangeRecord(NamedTuple):
    kind: str  # ADD, MODIFY, DELETE or RENAME
    path: str  # the path after the change (for a DELETE: the deleted path)
    old_path: str | None  # RENAME: the path before; DELETE: the deleted path; else None
    old_blob: str | None
    new_blob: str | None
    old_mode: int | None
    new_mode: int | None
    similarity: int | None  # RENAME only: 0-100, 100 for an exact rename
    parent: int  # the index of the parent the change is relative to (0: first parent)


class CommitRecord(NamedTuple):
    hash: str  # full lower-case hex
    parents: tuple[str, ...]  # full hex, in git's order (first parent first)
    author_name: str
    author_email: str
    author_time: int  # epoch seconds
    author_tz: int  # seconds east of UTC
    committer_name: str
    committer_email: str
    committer_time: int
    committer_tz: int
    message: str  # the full message as git stores it
    changes: tuple[FileChangeRecord, ...]


def decode_change(fact: Sequence[Any]) -> FileChangeRecord:
    return FileChangeRecord._make(fact)


def decode_commit(fact: Sequence[Any]) -> CommitRecord:
    """A commit record from its event form (a list) or a record."""
    if isinstance(fact, CommitRecord):
        return fact
    values = list(fact)
    values[1] = tuple(values[1])
    values[11] = tuple(FileChangeRecord._make(c) for c in values[11])
    return CommitRecord._make(values)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def encode_commit(record: CommitRecord) -> str:
    """One commit record packed (a JSON array); :func:`join_packed` makes a batch of them."""
    return _ENCODER.encode(record)


def encode_change(record: FileChangeRecord) -> str:
    """One file change packed, as :func:`encode_commit` packs it inside its commit."""
    return _ENCODER.encode(record)


def join_packed(packed_commits: Iterable[str]) -> str:
    """The packed form of a batch from packed commits (in order)."""
    return "[" + ",".join(packed_commits) + "]"


def encode_commits(records: Iterable[CommitRecord]) -> str:
    """The packed form of commit records, for an event."""
    return join_packed(encode_commit(r) for r in records)


def decode_commits(packed: str) -> list[CommitRecord]:
    """Commit records from their packed form."""
    return [decode_commit(fact) for fact in json.loads(packed)]


class PackedCommit(NamedTuple):
    """A packed commit as fast readers (the read models) see it: the fields of :class:`CommitRecord` by
    name; its file changes stay lists (thousands a batch), unpacked by their readers into the names
    of :class:`FileChangeRecord`, which costs nothing, where a record each would."""

    hash: str
    parents: list[str]
    author_name: str
    author_email: str
    author_time: int
    author_tz: int
    committer_name: str
    committer_email: str
    committer_time: int
    committer_tz: int
    message: str
    changes: list[list[Any]]  # packed FileChangeRecords: unpack them in its field order (kind, path, ...)


def packed_commits(packed: str) -> list[PackedCommit]:
    """The packed form read through named fields without building records (fast: one tuple a commit)."""
    return list(map(PackedCommit._make, json.loads(packed)))


def short_hash(full: str) -> str:
    """The hash as coderadar shows it in commit lists: the first 16 hex digits."""
    return full[:SHORT_HASH_LENGTH]


def comment(message: str) -> str:
    """A commit's comment as the API shows it: the full message without trailing blank lines."""
    return message.rstrip()


def subject(message: str) -> str:
    """git's subject (``%s``: the first paragraph, its lines joined by spaces), cut at 100 characters."""
    paragraph: list[str] = []
    for line in message.strip("\n").split("\n"):
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)[:SUBJECT_LENGTH]
