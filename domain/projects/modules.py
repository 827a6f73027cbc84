"""Modules: named sub-trees of a project's repository.

A module path is stored as coderadar stores it: surrounding whitespace trimmed, no leading slash, one
trailing slash (``"/core/src"`` -> ``"core/src/"``). A file belongs to the deepest module whose path is
a prefix of the file's path, otherwise to the root (``None``). A module's parent is the deepest other
module containing it, otherwise the root.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.shared.errors import Invalid

MAX_MODULE_PATH_LENGTH = 1024


def normalize_module_path(path: str) -> str:
    """The stored form of a module path, or ``Invalid``.

    Refused: an empty path (``""``, ``"/"``), ``//`` anywhere (as coderadar), ``.`` or ``..``
    segments, backslashes, control characters, more than ``MAX_MODULE_PATH_LENGTH`` characters.
    """
    if not isinstance(path, str):
        raise Invalid("A module path must be a string.")
    text = path.strip()
    if len(text) > MAX_MODULE_PATH_LENGTH:
        raise Invalid(f"A module path must not be longer than {MAX_MODULE_PATH_LENGTH} characters.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise Invalid("A module path must not contain control characters.")
    if "//" in text:
        raise Invalid(f"Module path {text} is invalid: it contains '//'.")
    if "\\" in text:
        raise Invalid(f"Module path {text} is invalid: use '/' to separate directories.")
    if text.startswith("/"):
        text = text[1:]
    if text and not text.endswith("/"):
        text += "/"
    if not text:
        raise Invalid("A module path must not be empty.")
    if any(segment in (".", "..") for segment in text[:-1].split("/")):
        raise Invalid(f"Module path {text} is invalid: it must not contain '.' or '..' segments.")
    return text


class ModuleIndex:
    """Module paths (normalized, or at least ending in ``/``) indexed for fast lookups."""

    __slots__ = ("_paths",)

    def __init__(self, module_paths: Iterable[str]) -> None:
        self._paths = frozenset(p if p.endswith("/") else p + "/" for p in module_paths if p.strip("/"))

    def module_of(self, file_path: str) -> str | None:
        """The deepest module containing ``file_path``, or ``None`` for the root."""
        paths = self._paths
        if not paths:
            return None
        end = file_path.rfind("/")
        while end > 0:
            candidate = file_path[: end + 1]
            if candidate in paths:
                return candidate
            end = file_path.rfind("/", 0, end)
        return None

    def parent_of(self, module_path: str) -> str | None:
        """The deepest other module containing module ``module_path``, or ``None`` for the root."""
        return self.module_of(module_path.rstrip("/"))


def module_of(file_path: str, module_paths: Iterable[str]) -> str | None:
    """The deepest module whose path is a prefix of ``file_path``, else ``None`` (the root).

    For many files, build one ``ModuleIndex`` and call its ``module_of``.
    """
    return ModuleIndex(module_paths).module_of(file_path)
