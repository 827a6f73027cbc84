"""Git adapter: clone/fetch repositories and read their history with dulwich.

Plain values only (frozen dataclasses); no Flask, SQL or event sourcing here.
"""

from interfaces.history.diffs import file_diff
from interfaces.history.git_reader import GitReader, KnownCommits
from interfaces.history.git_source import FetchResult, GitSourceError, clone_or_fetch, display_url
from interfaces.history.model import ChangeKind, CommitInfo, FileChange, FileEntry, GitRef, RefKind

__all__ = [
    "ChangeKind",
    "CommitInfo",
    "FetchResult",
    "FileChange",
    "FileEntry",
    "GitReader",
    "GitRef",
    "GitSourceError",
    "KnownCommits",
    "RefKind",
    "clone_or_fetch",
    "display_url",
    "file_diff",
]
