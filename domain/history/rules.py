"""How the API names commits and files: hash prefixes and repository paths."""

from __future__ import annotations

import re

from domain.shared.errors import Invalid

MIN_PREFIX = 7
_HEX = re.compile(r"^[0-9a-f]+$")
MAX_PATH_LENGTH = 4096


def check_commit_ref(value: object, field: str = "commitHash") -> str:
    """A full commit hash or a unique prefix of at least 7 hex digits, lower-cased; else Invalid."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} must be a commit hash (at least {MIN_PREFIX} hex digits)")
    text = value.strip().lower()
    if not _HEX.match(text) or not MIN_PREFIX <= len(text) <= 40:
        raise Invalid(f"{field} must be a commit hash or a prefix of at least {MIN_PREFIX} hex digits, "
                      f"not {value.strip()[:60]!r}")
    return text


def check_repo_path(value: object, field: str = "filepath", allow_root: bool = False) -> str:
    """A path inside the repository (``src/Main.java``), ``/``-separated, without a leading slash.

    Refused (Invalid): empty, not text, NUL or other control characters, ``.`` or ``..`` segments
    (a path that tries to leave the tree), empty segments. A leading or trailing ``/`` is dropped.
    With ``allow_root`` an empty path (or ``/``) names the root and answers ``""``."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a path in the repository")
    if len(value) > MAX_PATH_LENGTH:
        raise Invalid(f"{field} must be at most {MAX_PATH_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise Invalid(f"{field} must not contain control characters")
    text = value.strip("/")
    if not text:
        if allow_root:
            return ""
        raise Invalid(f"{field} must not be empty")
    segments = text.split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise Invalid(f"{field} must be a path inside the repository without '.', '..' or empty segments")
    return text
