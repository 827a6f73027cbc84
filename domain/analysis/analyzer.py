"""The analyzer port: what every source-code analyzer offers the analysis context.

An analyzer looks at one file at a time. Its result is a pure function of

* the analyzer's configuration (its name, its parameters and the version of its rules),
* the file's content (the git blob), and
* the file's *kind*: what the path says about how to read the content (for the line counter the
  extension, which also ends up in the metric ids).

``FileAnalyzer.cache_key(path)`` folds the first and the last into one string, so a measurement keyed by
``(cache_key(path), blob id)`` can be reused across commits, branches and renames: a file renamed from
``A.java`` to ``B.java`` keeps its values, a file renamed from ``a.c`` to ``a.h`` is measured again.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class MetricDescriptor:
    """A metric an analyzer can report: its id (``coderadar:size:loc:java``), a display name and a
    one-sentence description."""

    id: str
    display_name: str
    description: str


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an analyzer points at in a file. Lines are 1-based and inclusive; characters are
    0-based offsets within the line (``char_end`` exclusive), ``None`` when the whole line is meant."""

    metric: str
    line_start: int
    line_end: int
    char_start: int | None = None
    char_end: int | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class FileResult:
    """What an analyzer found in one file: metric values by metric id, and findings."""

    metrics: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@runtime_checkable
class FileAnalyzer(Protocol):
    """A source-code analyzer plugin.

    ``name`` is the plugin name the API shows (coderadar uses the plugin's fully qualified Java class
    name, e.g. ``io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin``).
    """

    name: str

    def metrics(self) -> list[MetricDescriptor]:
        """Every metric this analyzer may report."""
        ...

    def accepts(self, path: str) -> bool:
        """Whether this analyzer measures a file at ``path`` at all. A file it does not accept gets no
        metrics from it (not zeros)."""
        ...

    def analyze(self, path: str, content: bytes) -> FileResult:
        """Measure one file. Must not raise for any content of an accepted file."""
        ...

    def cache_key(self, path: str) -> str:
        """A string that, together with the blob's content, determines ``analyze(path, content)``
        completely: two paths with the same cache key give the same result for the same content."""
        ...


def file_name(path: str) -> str:
    """The last segment of a repository path (``src/a/Foo.java`` -> ``Foo.java``)."""
    return posixpath.basename(path.replace("\\", "/"))


def extension_of(path: str) -> str:
    """The file extension without its dot, lower-cased; ``""`` when there is none.

    ``Foo.java`` -> ``java``, ``a/b.tar.gz`` -> ``gz``, ``.bashrc`` -> ``""`` (a dot file has no
    extension), ``Makefile`` -> ``""``.
    """
    name = file_name(path)
    dot = name.rfind(".")
    if dot <= 0:
        return ""
    return name[dot + 1 :].lower()


NAME_KIND_PREFIX = "name:"


def kind_of(path: str) -> str:
    """What a path says about how to read its content: the lower-cased extension, or for a file
    without one its lower-cased name after ``name:`` (``src/Foo.java`` -> ``java``, ``Dockerfile`` ->
    ``name:dockerfile``). Analyzers look their language up by it and build cache keys from it."""
    ext = extension_of(path)
    if ext:
        return ext
    return NAME_KIND_PREFIX + file_name(path).lower()
