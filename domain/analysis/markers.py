"""The marker analyzer: ``TODO``, ``FIXME``, ``HACK`` and ``XXX`` left in comments.

A marker counts only inside a comment, found with the line counter's language profiles: after a
line-comment marker, or between a block opener and its closer (a Python docstring is a block
comment). Unlike the line counter's coderadar rule, this lexer follows the code the way a compiler
would: a line comment ends the line's scan, and a comment marker inside a string is no comment.
Strings do not span lines. Markers are upper-case whole words (``TODO:``, ``FIXME(bob)``; not
``todo``, ``TODOS`` or ``XXXX``).

Each marker is a finding on its line: ``char_start``/``char_end`` are its character offsets within the
line (0-based, end exclusive), and the message is the comment text from the marker to the end of the
comment on that line (``TODO: handle null``), cut at 200 characters. The metrics
``codeannals:markers:{todo,fixme,hack,xxx}`` count them; an accepted file gets all four, zeros
included. A file kind without a line-count profile is not accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from domain.analysis.analyzer import FileResult, Finding, MetricDescriptor
from domain.analysis.loc import profile_for
from domain.analysis.loc_profiles import LocProfile

MARKER_ANALYZER_NAME = "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin"
MARKER_RULES_VERSION = "1"
MARKER_WORDS = ("TODO", "FIXME", "HACK", "XXX")
MAX_MESSAGE_LENGTH = 200

_ANY_MARKER = re.compile(rb"TODO|FIXME|HACK|XXX")
_MARKER = re.compile(r"(?<![A-Za-z0-9_])(TODO|FIXME|HACK|XXX)(?![A-Za-z0-9_])")
_LINE_BREAKS = re.compile(r"\r\n?")


def marker_metric_id(word: str) -> str:
    """``codeannals:markers:<word in lower case>``."""
    return f"codeannals:markers:{word.lower()}"


_METRIC_IDS = {word: marker_metric_id(word) for word in MARKER_WORDS}

_STRING, _LINE, _OPEN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Lexer:
    token: re.Pattern[str]  # any string delimiter, line-comment marker or block opener
    kinds: dict[str, tuple[int, int]]  # token text -> (kind, pair index)
    anchored_openers: dict[str, int]  # line-start-only opener -> pair index
    closers: tuple[re.Pattern[str], ...]


@cache
def _lexer(profile: LocProfile) -> _Lexer:
    kinds: dict[str, tuple[int, int]] = {}
    anchored: dict[str, int] = {}
    for index, pair in enumerate(profile.block_comments):
        if pair.line_start_only:
            anchored.setdefault(pair.open, index)
        else:
            kinds.setdefault(pair.open, (_OPEN, index))
    for marker in profile.line_comments:
        kinds.setdefault(marker, (_LINE, -1))
    for delimiter in profile.string_delimiters:
        kinds.setdefault(delimiter, (_STRING, -1))
    # Longest first, so that '\"\"\"' wins over '"' and '--[[' over '--'.
    alternatives = sorted(kinds, key=len, reverse=True)
    token = re.compile("|".join(re.escape(a) for a in alternatives)) if alternatives else re.compile(r"(?!)")
    closers = tuple(
        re.compile(("^" if pair.line_start_only else "") + re.escape(pair.close)) for pair in profile.block_comments
    )
    return _Lexer(token, kinds, anchored, closers)


def split_lines(text: str) -> list[str]:
    """``text``'s lines, split on ``\\n``, ``\\r`` or ``\\r\\n``; a trailing line break starts no line."""
    body = _LINE_BREAKS.sub("\n", text)
    if body.endswith("\n"):
        body = body[:-1]
    return body.split("\n") if body else []


def comment_segments(lines: list[str], profile: LocProfile) -> list[tuple[int, int, int]]:
    """The comments in ``lines`` as ``(line number, start, end)``: 1-based line number, character
    offsets in the line (end exclusive); one segment per comment per line."""
    lexer = _lexer(profile)
    segments: list[tuple[int, int, int]] = []
    block = -1
    for number, line in enumerate(lines, start=1):
        pos = 0
        if block < 0:
            for opener, index in lexer.anchored_openers.items():
                if line.startswith(opener):
                    block = index
                    pos = len(opener)
                    break
        string: str | None = None
        while True:
            if block >= 0:
                closed = lexer.closers[block].search(line, pos)
                if closed is None:
                    segments.append((number, pos, len(line)))
                    break
                segments.append((number, pos, closed.start()))
                pos = closed.end()
                block = -1
                continue
            found = lexer.token.search(line, pos)
            if found is None:
                break
            token = found.group()
            kind, index = lexer.kinds[token]
            pos = found.end()
            if kind == _STRING:
                if string is None:
                    string = token
                elif string == token:
                    string = None
            elif string is not None:
                continue
            elif kind == _LINE:
                segments.append((number, pos, len(line)))
                break
            else:
                block = index
    return segments


def find_markers(content: bytes, profile: LocProfile) -> list[Finding]:
    """Every marker inside a comment of ``content``, in order."""
    if _ANY_MARKER.search(content) is None:
        return []
    lines = split_lines(content.decode("utf-8", errors="replace"))
    findings: list[Finding] = []
    for number, start, end in comment_segments(lines, profile):
        line = lines[number - 1]
        for m in _MARKER.finditer(line, start, end):
            message = line[m.start() : end].rstrip()
            findings.append(
                Finding(
                    metric=_METRIC_IDS[m.group(1)],
                    line_start=number,
                    line_end=number,
                    char_start=m.start(),
                    char_end=m.end(),
                    message=message[:MAX_MESSAGE_LENGTH],
                )
            )
    return findings


class MarkerAnalyzer:
    """Counts ``TODO``, ``FIXME``, ``HACK`` and ``XXX`` markers in comments (see the module doc)."""

    name = MARKER_ANALYZER_NAME

    def metrics(self) -> list[MetricDescriptor]:
        return [
            MetricDescriptor(
                _METRIC_IDS[word],
                f"{word} markers",
                f"Number of {word} markers in comments.",
            )
            for word in MARKER_WORDS
        ]

    def accepts(self, path: str) -> bool:
        return profile_for(path) is not None

    def analyze(self, path: str, content: bytes) -> FileResult:
        found = profile_for(path)
        if found is None:
            return FileResult()
        findings = find_markers(content, found[1])
        metrics = dict.fromkeys(_METRIC_IDS.values(), 0)
        for finding in findings:
            metrics[finding.metric] += 1
        return FileResult(metrics=metrics, findings=findings)

    def cache_key(self, path: str) -> str:
        found = profile_for(path)
        return f"{self.name}@{MARKER_RULES_VERSION}:{'-' if found is None else found[1].name}"
