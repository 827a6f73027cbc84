"""File patterns: which files of a project are analyzed.

Patterns are Ant-style, matched against repository paths (``src/main/java/Foo.java``, ``/``-separated,
no leading slash):

* ``**`` as a whole path segment matches any number of segments, zero included
  (``**/*.java`` matches ``Foo.java`` and ``a/b/Foo.java``; ``src/**`` matches everything below
  ``src``; ``**/test/**`` matches every path with a ``test`` directory);
* ``*`` matches any characters within one segment (``*.java`` matches ``Foo.java`` only at the top);
* ``?`` matches one character within a segment;
* everything else matches itself, case-sensitively;
* a pattern ending in ``/`` means everything below it (``src/`` is ``src/**``), as in Ant.

A path is selected when some INCLUDE pattern matches it and no EXCLUDE pattern does (EXCLUDE wins).
Without any INCLUDE pattern nothing is selected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import Invalid

MAX_PATTERN_LENGTH = 1024


class InclusionType(StrEnum):
    INCLUDE = "INCLUDE"
    EXCLUDE = "EXCLUDE"


@dataclass(frozen=True, slots=True)
class FilePattern:
    pattern: str
    inclusion_type: InclusionType


def parse_inclusion_type(value: str) -> InclusionType:
    """``"INCLUDE"`` or ``"EXCLUDE"`` (exactly, as coderadar's enum), else ``Invalid``."""
    try:
        return InclusionType(value)
    except ValueError:
        raise Invalid(f"inclusionType must be INCLUDE or EXCLUDE, not {value!r}.") from None


def normalize_pattern(pattern: str) -> str:
    """Check a pattern and return the form to store and match: surrounding whitespace removed,
    backslashes turned into slashes, ``./`` segments and repeated slashes dropped.

    ``Invalid`` when the pattern is empty, longer than ``MAX_PATTERN_LENGTH``, holds a NUL or another
    control character, is absolute (``/src/**``, ``C:/src``) or climbs out with ``..``.
    """
    if not isinstance(pattern, str):
        raise Invalid("A file pattern must be a string.")
    text = pattern.strip()
    if not text:
        raise Invalid("A file pattern must not be empty.")
    if len(text) > MAX_PATTERN_LENGTH:
        raise Invalid(f"A file pattern must not be longer than {MAX_PATTERN_LENGTH} characters.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise Invalid("A file pattern must not contain control characters.")
    text = text.replace("\\", "/")
    if text.startswith("/") or re.match(r"[A-Za-z]:/", text):
        raise Invalid(f"A file pattern must be relative to the repository root, not {pattern.strip()!r}.")
    trailing_slash = text.endswith("/")
    segments = [s for s in text.split("/") if s not in ("", ".")]
    if ".." in segments:
        raise Invalid(f"A file pattern must not contain '..': {pattern.strip()!r}.")
    if not segments:
        raise Invalid("A file pattern must name some files.")
    return "/".join(segments) + ("/" if trailing_slash else "")


def _fixed(text: str) -> str:
    return "".join("[^/]" if char == "?" else re.escape(char) for char in text)


def _segment_regex(segment: str) -> str:
    """One path segment's glob as a regex. As in CPython's ``fnmatch``, every ``*`` but the last
    takes the shortest match in an atomic group: taking the leftmost occurrence of each fixed part is
    always right, and never backtracking keeps ``*a*a*a*b`` from taking exponential time."""
    parts = re.split(r"\*+", segment)
    if len(parts) == 1:
        return _fixed(segment)
    middle = "".join(f"(?>[^/]*?{_fixed(part)})" for part in parts[1:-1])
    return _fixed(parts[0]) + middle + "[^/]*" + _fixed(parts[-1])


def pattern_regex(pattern: str) -> str:
    """The regular expression (for ``fullmatch``) of a normalized pattern.

    The segments between ``**`` form chunks. A chunk between two ``**`` is matched at its leftmost
    place in an atomic group, for the same reason as ``*`` within a segment: the ``**`` after it can
    take up whatever a later place would have skipped. So the match time stays polynomial in the
    path's length whatever the pattern.
    """
    if pattern.endswith("/"):
        pattern += "**"
    chunks: list[list[str]] = [[]]
    for segment in pattern.split("/"):
        if segment != "**":
            chunks[-1].append(_segment_regex(segment))
        elif chunks[-1] or len(chunks) == 1:  # "**/**" is "**"
            chunks.append([])
    if len(chunks) == 1:
        return "/".join(chunks[0])
    # ``out`` matches a prefix of the path ending at a segment end (or nothing, at the start).
    out = "/".join(chunks[0])
    for chunk in chunks[1:-1]:
        lead = "(?:/[^/]+)*?/" if out else "(?:[^/]+/)*?"
        out += f"(?>{lead}{'/'.join(chunk)}(?=/|\\Z))"
    last = chunks[-1]
    if last:
        out += ("(?:/[^/]+)*/" if out else "(?:[^/]+/)*") + "/".join(last)
    else:  # a trailing "**": everything below, and the directory itself (as Ant)
        out += "(?:/.*)?" if out else ".*"
    return out


def pattern_matches(pattern: str, path: str) -> bool:
    """Whether one pattern matches one path (convenience; use ``FilePatternSet`` for many paths)."""
    return re.fullmatch(pattern_regex(normalize_pattern(pattern)), path.lstrip("/"), re.DOTALL) is not None


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    unique = dict.fromkeys(pattern_regex(p) for p in patterns)
    return re.compile("|".join(f"(?:{r})" for r in unique), re.DOTALL)


class FilePatternSet:
    """A project's INCLUDE and EXCLUDE patterns compiled into one matcher.

    Patterns are normalized (``normalize_pattern``), so an invalid one raises ``Invalid`` here too.
    """

    __slots__ = ("_exclude", "_include", "patterns")

    def __init__(self, patterns: Iterable[FilePattern]) -> None:
        self.patterns: tuple[FilePattern, ...] = tuple(patterns)
        includes = [normalize_pattern(p.pattern) for p in self.patterns if p.inclusion_type is InclusionType.INCLUDE]
        excludes = [normalize_pattern(p.pattern) for p in self.patterns if p.inclusion_type is InclusionType.EXCLUDE]
        self._include = _compile(includes)
        self._exclude = _compile(excludes)

    @classmethod
    def of(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> FilePatternSet:
        return cls(
            [FilePattern(p, InclusionType.INCLUDE) for p in include]
            + [FilePattern(p, InclusionType.EXCLUDE) for p in exclude]
        )

    @property
    def has_includes(self) -> bool:
        """Whether any INCLUDE pattern exists (without one, an analysis cannot start)."""
        return self._include is not None

    def matches(self, path: str) -> bool:
        """Whether ``path`` is selected: an INCLUDE pattern matches and no EXCLUDE pattern does."""
        include = self._include
        if include is None:
            return False
        path = path.lstrip("/")
        if include.fullmatch(path) is None:
            return False
        exclude = self._exclude
        return exclude is None or exclude.fullmatch(path) is None

    def filter(self, paths: Iterable[str]) -> list[str]:
        """The selected paths, in their order."""
        return [p for p in paths if self.matches(p)]
