"""The line counter: coderadar's ``LocAnalyzerPlugin`` (``coderadar:size:{loc,sloc,cloc,eloc}:<ext>``).

The rules (``reference/compat.md`` section 1), applied to every profile in ``loc_profiles``:

* Lines are split on ``\\n``, ``\\r`` or ``\\r\\n``; a trailing newline does not add an empty line.
  A UTF-8 byte order mark at the start of the file is ignored.
* Each line falls in the first class that matches, judged with the block-comment state *at the
  start* of the line:

  1. blank (nothing left after Java's ``String.trim()``, which drops every character <= U+0020):
     ``loc`` only, even inside a block comment;
  2. comment: the trimmed line starts with a line-comment marker or a block-comment opener, or a
     block comment is already open: ``loc`` + ``cloc``;
  3. header/footer (Java only): ``\\s*import.*``, or a line holding only ``{`` or only ``}``:
     ``loc`` + ``sloc``;
  4. anything else: ``loc`` + ``sloc`` + ``eloc``.

* After classifying, the block state is updated by scanning the line's markers left to right. Each
  kind of marker (every string delimiter, every block opener and closer) is found on its own, so
  matches of different kinds may overlap (``//*`` holds a line comment *and* a block opener, as in
  coderadar); markers at the same position are taken in the order string, opener, closer. A
  delimiter that is part of a block marker (the quotes of ``\"\"\"``) is not a string delimiter.
  A quote opens a string unless a block comment is open, and closes the string it opened; an opener
  or closer changes the state unless inside a string; line-comment markers do not stop the scan (so
  ``// a /* b`` opens a block). Escaped quotes are not special; the string state resets every line.

Hence ``loc = blank + cloc + sloc`` and ``eloc <= sloc``.

How it is fast: the counter works on bytes (every marker is ASCII, and UTF-8 never puts a byte
<= 0x20 inside a multi-byte character), so nothing is decoded. It never loops over lines in Python.
The only lines that can change the block state are those holding a block opener (outside a block) or
the open block's closer (inside one); a regex search jumps from one such line to the next and the
marker scan runs on those lines alone. That yields the runs of lines that start inside a block; the
classes are then counted by regexes anchored on ``\\n`` (which the regex engine finds with a fast
literal search) over the runs and the stretches between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from domain.analysis.analyzer import NAME_KIND_PREFIX, FileResult, MetricDescriptor, kind_of
from domain.analysis.loc_profiles import PROFILES_BY_EXTENSION, PROFILES_BY_FILE_NAME, LocProfile

LOC_ANALYZER_NAME = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"

# Bump when the counting rules or a profile change: it is part of every cache key.
LOC_RULES_VERSION = "1"

_BOM = b"\xef\xbb\xbf"
_WS = rb"[\x00-\x09\x0b-\x20]"  # what String.trim() drops, but the line break
_JAVA_WS = rb"[ \t\x0b\x0c]"  # java.util.regex \s, but the line breaks
# Each matches the "\n" in front of a line of its class (the text starts with a "\n").
_TRIMMED = bytes(b for b in range(0x21) if b != 0x0A)  # what String.trim() drops, but the line break
_JAVA_HEADER_OR_FOOTER = re.compile(rb"\n" + _JAVA_WS + rb"*(?:import[^\n]*|[{}]" + _JAVA_WS + rb"*)(?=\n|\Z)")

_STRING, _OPEN, _CLOSE, _TOGGLE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class LineCounts:
    """The four coderadar figures and the blank lines (``loc = blank + cloc + sloc``)."""

    loc: int
    sloc: int
    cloc: int
    eloc: int
    blank: int


@dataclass(frozen=True, slots=True)
class _Marker:
    pattern: re.Pattern[bytes]
    kind: int
    order: int  # tie-break at one position: string, then opener, then closer
    pair: int  # index of the block pair, -1 for a string delimiter
    text: bytes  # the delimiter, for a string delimiter


@dataclass(frozen=True, slots=True)
class _CompiledProfile:
    comment_line: re.Pattern[bytes] | None  # "\n" before a line starting with a comment marker
    opener: re.Pattern[bytes] | None  # any block opener
    closers: tuple[re.Pattern[bytes], ...]  # the closer of block pair i, at index i
    block_markers: tuple[_Marker, ...]
    string_markers: tuple[_Marker, ...]
    header_footer: bool
    # Block openers and closers as plain strings, for bytes.find (empty, or None for one anchored at
    # the line start, which needs the regex).
    literal_openers: tuple[bytes, ...]
    literal_closers: tuple[bytes | None, ...]
    # For a profile with one plain block pair (``/*`` ``*/``): the pair, and any string delimiter.
    simple_pair: tuple[bytes, bytes] | None
    delimiter: re.Pattern[bytes] | None
    # For a profile whose block markers all toggle (Python's docstrings): the markers.
    toggles: tuple[bytes, ...]

    def scan(self, line: bytes, block: int) -> int:
        """The block state after ``line`` given the state ``block`` at its start (-1: no block open,
        otherwise the index of the open pair)."""
        toggles = self.toggles
        if toggles:
            present = [index for index, toggle in enumerate(toggles) if toggle in line]
            if len(present) == 1:
                index = present[0]
                toggle = toggles[index]
                delimiter = self.delimiter
                if delimiter is None or delimiter.search(line.replace(toggle, b"")) is None:
                    # Only one kind of toggle and no strings: each occurrence flips that pair.
                    if line.count(toggle) % 2 == 0 or (block >= 0 and block != index):
                        return block
                    return index if block < 0 else -1
        events: list[tuple[int, int, int, int, bytes]] = []
        spans: list[tuple[int, int]] = []
        for marker in self.block_markers:
            for m in marker.pattern.finditer(line):
                events.append((m.start(), marker.order, marker.kind, marker.pair, marker.text))
                spans.append(m.span())
        for marker in self.string_markers:
            for m in marker.pattern.finditer(line):
                start = m.start()
                if not any(a <= start < b for a, b in spans):
                    events.append((start, marker.order, marker.kind, marker.pair, marker.text))
        events.sort()
        string: bytes | None = None
        for _position, _order, kind, pair, text in events:
            if kind == _STRING:
                if block < 0:
                    if string is None:
                        string = text
                    elif string == text:
                        string = None
            elif string is not None:
                continue
            elif kind == _OPEN:
                if block < 0:
                    block = pair
            elif kind == _CLOSE:
                if block == pair:
                    block = -1
            elif block < 0:  # an opener that is its own closer
                block = pair
            elif block == pair:
                block = -1
        return block


@cache
def _compile(profile: LocProfile) -> _CompiledProfile:
    block_markers: list[_Marker] = []
    openers: list[bytes] = []
    closers: list[re.Pattern[bytes]] = []
    for index, pair in enumerate(profile.block_comments):
        anchor = b"(?m:^)" if pair.line_start_only else b""
        opener = anchor + re.escape(pair.open.encode("ascii"))
        closer = anchor + re.escape(pair.close.encode("ascii"))
        openers.append(opener)
        closers.append(re.compile(closer))
        if pair.open == pair.close:
            block_markers.append(_Marker(re.compile(opener), _TOGGLE, 1, index, b""))
        else:
            block_markers.append(_Marker(re.compile(opener), _OPEN, 1, index, b""))
            block_markers.append(_Marker(re.compile(closer), _CLOSE, 2, index, b""))
    string_markers = tuple(
        _Marker(re.compile(re.escape(d.encode("ascii"))), _STRING, 0, -1, d.encode("ascii"))
        for d in profile.string_delimiters
    )
    prefixes = [m.encode("ascii") for m in (*profile.line_comments, *(p.open for p in profile.block_comments))]
    comment_line = (
        re.compile(rb"\n" + _WS + rb"*(?:" + b"|".join(re.escape(p) for p in dict.fromkeys(prefixes)) + rb")")
        if prefixes
        else None
    )
    simple_pair: tuple[bytes, bytes] | None = None
    if len(profile.block_comments) == 1:
        pair = profile.block_comments[0]
        opener_bytes, closer_bytes = pair.open.encode("ascii"), pair.close.encode("ascii")
        if (
            not pair.line_start_only
            and opener_bytes != closer_bytes
            and not _overlaps_itself(opener_bytes)
            and not _overlaps_itself(closer_bytes)
            and not any(d.encode("ascii") in opener_bytes + closer_bytes for d in profile.string_delimiters)
        ):
            simple_pair = (opener_bytes, closer_bytes)
    return _CompiledProfile(
        comment_line=comment_line,
        opener=re.compile(b"|".join(dict.fromkeys(openers))) if openers else None,
        closers=tuple(closers),
        block_markers=tuple(block_markers),
        string_markers=string_markers,
        header_footer=profile.header_footer,
        simple_pair=simple_pair,
        literal_openers=(
            tuple(dict.fromkeys(p.open.encode("ascii") for p in profile.block_comments))
            if not any(p.line_start_only for p in profile.block_comments)
            else ()
        ),
        literal_closers=tuple(
            None if p.line_start_only else p.close.encode("ascii") for p in profile.block_comments
        ),
        toggles=(
            tuple(p.open.encode("ascii") for p in profile.block_comments)
            if profile.block_comments
            and all(p.open == p.close and not p.line_start_only for p in profile.block_comments)
            else ()
        ),
        delimiter=(
            re.compile(b"|".join(re.escape(d.encode("ascii")) for d in profile.string_delimiters))
            if profile.string_delimiters
            else None
        ),
    )


def _overlaps_itself(marker: bytes) -> bool:
    """Whether two occurrences of ``marker`` can overlap (``\"\"\"`` can, ``/*`` cannot)."""
    return any(marker[:k] == marker[-k:] for k in range(1, len(marker)))


def _count(pattern: re.Pattern[bytes] | None, text: bytes, start: int, end: int) -> int:
    if pattern is None or start >= end:
        return 0
    return len(pattern.findall(text, start, end))


def _blank_lines(text: bytes, start: int, end: int) -> int:
    """The blank lines among those whose ``\\n`` lies in ``[start, end)`` (``text[start]`` is one).
    With every trimmable character deleted a blank line is an empty one, which ``split`` and
    ``count`` find at C speed."""
    if start >= end:
        return 0
    return text[start:end].translate(None, _TRIMMED).split(b"\n").count(b"") - 1


def _block_runs(text: bytes, cp: _CompiledProfile) -> list[tuple[int, int]]:
    """The runs of lines that start inside a block comment, as ``(a, e)``: the offset of the ``\\n``
    in front of the run's first line and the end of its last line."""
    runs: list[tuple[int, int]] = []
    opener = cp.opener
    if opener is None:
        return runs
    closers = cp.closers
    scan = cp.scan
    simple = cp.simple_pair
    delimiter = cp.delimiter
    literal_openers = cp.literal_openers
    literal_closers = cp.literal_closers
    # The next occurrence of each literal opener at or after the current position (bytes.find is a
    # fast substring search; a regex alternation of literals is not).
    next_open = [text.find(o) for o in literal_openers]
    size = len(text)
    block = -1
    pos = 0
    run_start = 0
    while True:
        at = -1
        if block >= 0:
            closer = literal_closers[block]
            if closer is not None:
                at = text.find(closer, pos)
            else:
                found = closers[block].search(text, pos)
                at = -1 if found is None else found.start()
        elif literal_openers:
            for i, candidate in enumerate(next_open):
                if 0 <= candidate < pos:
                    candidate = next_open[i] = text.find(literal_openers[i], pos)
                if candidate >= 0 and (at < 0 or candidate < at):
                    at = candidate
        else:
            found = opener.search(text, pos)
            at = -1 if found is None else found.start()
        if at < 0:
            if block >= 0:
                runs.append((run_start, size))
            return runs
        line_start = text.rfind(b"\n", 0, at) + 1
        line_end = text.find(b"\n", at)
        if line_end < 0:
            line_end = size
        was_open = block >= 0
        if simple is not None and (delimiter is None or delimiter.search(text, line_start, line_end) is None):
            # Without strings every opener opens and every closer closes, so the last one wins.
            # (Neither marker overlaps itself: rfind sees the matches a left-to-right search sees.)
            last_open = text.rfind(simple[0], line_start, line_end)
            block = 0 if last_open > text.rfind(simple[1], line_start, line_end) else -1
        else:
            block = scan(text[line_start:line_end], block)
        pos = line_end
        if block >= 0 and not was_open:
            run_start = line_end
        elif block < 0 and was_open:
            runs.append((run_start, line_end))


def count_lines(content: bytes, profile: LocProfile) -> LineCounts:
    """Count ``content``'s lines by the rules above."""
    if content.startswith(_BOM):
        content = content[3:]
    if not content:
        return LineCounts(0, 0, 0, 0, 0)
    if b"\r" in content:
        content = content.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    cp = _compile(profile)
    # A "\n" in front of every line; a trailing line break ends the last line, it starts none.
    text = b"\n" + (content[:-1] if content.endswith(b"\n") else content)
    runs = _block_runs(text, cp)

    comment_line = cp.comment_line
    header_re = _JAVA_HEADER_OR_FOOTER if cp.header_footer else None
    loc = text.count(b"\n")
    blank = _blank_lines(text, 0, len(text))
    cloc = header = 0
    outside = 0
    for a, e in runs:
        cloc += text.count(b"\n", a, e) - _blank_lines(text, a, e)
        cloc += _count(comment_line, text, outside, a)
        header += _count(header_re, text, outside, a)
        outside = e
    cloc += _count(comment_line, text, outside, len(text))
    header += _count(header_re, text, outside, len(text))
    sloc = loc - blank - cloc
    return LineCounts(loc=loc, sloc=sloc, cloc=cloc, eloc=sloc - header, blank=blank)


def profile_for(path: str) -> tuple[str, LocProfile] | None:
    """The metric suffix and the profile for ``path``, or ``None`` for a file kind the counter does
    not know. The suffix is the lower-cased extension (``Foo.JAVA`` -> ``java``); files known by
    their name (``Dockerfile``, ``Makefile``) use the lower-cased name."""
    kind = kind_of(path)
    if kind.startswith(NAME_KIND_PREFIX):
        suffix = kind[len(NAME_KIND_PREFIX) :]
        profile = PROFILES_BY_FILE_NAME.get(suffix)
    else:
        suffix = kind
        profile = PROFILES_BY_EXTENSION.get(kind)
    return None if profile is None else (suffix, profile)


def loc_metric_ids(suffix: str) -> tuple[str, str, str, str]:
    """``coderadar:size:{loc,sloc,cloc,eloc}:<suffix>``, in that order."""
    return (
        f"coderadar:size:loc:{suffix}",
        f"coderadar:size:sloc:{suffix}",
        f"coderadar:size:cloc:{suffix}",
        f"coderadar:size:eloc:{suffix}",
    )


_DESCRIPTIONS = (
    ("Lines of code", "All lines of .{suffix} files: blank, comment and source lines."),
    ("Source lines of code", "Lines of .{suffix} files that hold code (neither blank nor comment)."),
    ("Comment lines of code", "Lines of .{suffix} files that are comments."),
    (
        "Effective lines of code",
        "Source lines of .{suffix} files, without header and footer lines (Java imports, lone braces).",
    ),
)


class LocAnalyzer:
    """The line-count analyzer.

    ``analyze`` returns all four metrics of an accepted file, zeros included, as coderadar does (a
    project without comments still lists ``coderadar:size:cloc:java``); the API leaves zero values out
    of its responses. A file kind without a profile is not accepted, and ``analyze`` returns an empty
    result for it.
    """

    name = LOC_ANALYZER_NAME

    def metrics(self) -> list[MetricDescriptor]:
        result: list[MetricDescriptor] = []
        for suffix in sorted({*PROFILES_BY_EXTENSION, *PROFILES_BY_FILE_NAME}):
            for metric_id, (display, description) in zip(loc_metric_ids(suffix), _DESCRIPTIONS, strict=True):
                result.append(
                    MetricDescriptor(metric_id, f"{display} ({suffix})", description.format(suffix=suffix))
                )
        return result

    def accepts(self, path: str) -> bool:
        return profile_for(path) is not None

    def analyze(self, path: str, content: bytes) -> FileResult:
        found = profile_for(path)
        if found is None:
            return FileResult()
        suffix, profile = found
        counts = count_lines(content, profile)
        loc_id, sloc_id, cloc_id, eloc_id = loc_metric_ids(suffix)
        return FileResult(
            metrics={loc_id: counts.loc, sloc_id: counts.sloc, cloc_id: counts.cloc, eloc_id: counts.eloc}
        )

    def cache_key(self, path: str) -> str:
        found = profile_for(path)
        return f"{self.name}@{LOC_RULES_VERSION}:{'-' if found is None else found[0]}"
