"""Attachments of a test run (screenshots, videos, logs) and the rules for their names and sizes.

The bytes live outside the events (in a blob store); a run records each attachment's name, the key
of its blob, its size, its SHA-256 and its content type, and who added it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from domain.shared.errors import Invalid, TooLarge

MAX_NAME = 255
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg")
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")


@dataclass(frozen=True)
class AttachmentLimits:
    """How big one attachment, and all attachments of one run together, may be (bytes)."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_run_bytes: int = 200 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1 or self.max_run_bytes < 1:
            raise ValueError("attachment limits must be positive")

    def budget(self, used: int) -> int:
        """How many bytes the next attachment of a run that holds ``used`` bytes may have."""
        left = self.max_run_bytes - used
        if left <= 0:
            raise TooLarge(f"the run's attachments already use the limit of {self.max_run_bytes} bytes per run",
                           error="ATTACHMENT_TOO_LARGE")
        return min(self.max_file_bytes, left)


@dataclass(frozen=True)
class StoredAttachment:
    """What a run records of one attachment."""

    name: str
    blob: str
    size: int
    sha256: str
    content_type: str


def check_attachment_name(name: object) -> str:
    """A file name, not a path: no separators, no ``.``/``..``, no control characters, at most 255
    characters."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("an attachment needs a file name")
    if len(name) > MAX_NAME:
        raise Invalid(f"an attachment's name must be at most {MAX_NAME} characters long")
    if "/" in name or "\\" in name or name in (".", "..") or name.strip(". ") == "":
        raise Invalid(f"attachment name {name!r} is not a plain file name (no paths, no '..')")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise Invalid("an attachment's name must not contain control characters")
    return name


def content_type_of(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed is None:
        lower = name.lower()
        if lower.endswith((".log", ".out", ".txt")):
            return "text/plain"
        return "application/octet-stream"
    return guessed


def attachment_type(name: str) -> str:
    """Projektor's AttachmentType: IMAGE, VIDEO or OTHER."""
    lower = name.lower()
    if lower.endswith(IMAGE_SUFFIXES):
        return "IMAGE"
    if lower.endswith(VIDEO_SUFFIXES):
        return "VIDEO"
    return "OTHER"
