"""A slow, literal reading of the line-count rules (compat.md section 1), one line at a time.

The tests hold the fast counter in ``domain.analysis.loc`` against it: it has none of the fast
counter's shortcuts (jumping between marker lines, the last-marker-wins rule, toggle parity, counting
with regexes), so agreement on many generated files says the shortcuts keep the rules.
"""

from __future__ import annotations

import re

from domain.analysis.loc_profiles import LocProfile

TRIM = bytes(range(0x21))
JAVA_HEADER_OR_FOOTER = re.compile(rb"[ \t\x0b\x0c]*(import.*|\{[ \t\x0b\x0c]*|\}[ \t\x0b\x0c]*)")


def _occurrences(line: bytes, marker: bytes, line_start_only: bool) -> list[tuple[int, int]]:
    """Non-overlapping occurrences, left to right (what java.util.regex.Matcher.find() yields)."""
    if line_start_only:
        return [(0, len(marker))] if line.startswith(marker) else []
    found = []
    pos = line.find(marker)
    while pos >= 0:
        found.append((pos, pos + len(marker)))
        pos = line.find(marker, pos + len(marker))
    return found


def scan(line: bytes, block: int, profile: LocProfile) -> int:
    events: list[tuple[int, int, str, int, bytes]] = []
    spans: list[tuple[int, int]] = []
    for index, pair in enumerate(profile.block_comments):
        opener, closer = pair.open.encode(), pair.close.encode()
        if opener == closer:
            for a, b in _occurrences(line, opener, pair.line_start_only):
                events.append((a, 1, "toggle", index, b""))
                spans.append((a, b))
            continue
        for a, b in _occurrences(line, opener, pair.line_start_only):
            events.append((a, 1, "open", index, b""))
            spans.append((a, b))
        for a, b in _occurrences(line, closer, pair.line_start_only):
            events.append((a, 2, "close", index, b""))
            spans.append((a, b))
    for delimiter in profile.string_delimiters:
        d = delimiter.encode()
        for a, _b in _occurrences(line, d, False):
            if not any(s <= a < e for s, e in spans):
                events.append((a, 0, "string", -1, d))
    events.sort()
    in_string: bytes | None = None
    for _pos, _order, kind, index, text in events:
        if kind == "string":
            if block < 0:
                if in_string is None:
                    in_string = text
                elif in_string == text:
                    in_string = None
        elif in_string is None:
            if kind == "open" and block < 0:
                block = index
            elif kind == "close" and block == index:
                block = -1
            elif kind == "toggle":
                if block < 0:
                    block = index
                elif block == index:
                    block = -1
    return block


def classify(content: bytes, profile: LocProfile) -> list[str]:
    """One letter per line: ``b`` blank, ``c`` comment, ``h`` header/footer, ``e`` effective code."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    starts = [m.encode() for m in profile.line_comments] + [p.open.encode() for p in profile.block_comments]
    classes: list[str] = []
    block = -1
    for line in content.splitlines():
        trimmed = line.strip(TRIM)
        if not trimmed:
            classes.append("b")
        elif block >= 0 or any(trimmed.startswith(s) for s in starts):
            classes.append("c")
        elif profile.header_footer and JAVA_HEADER_OR_FOOTER.fullmatch(line):
            classes.append("h")
        else:
            classes.append("e")
        block = scan(line, block, profile)
    return classes


def counts(classes: list[str]) -> tuple[int, int, int, int]:
    """(loc, sloc, cloc, eloc) of a list of line classes."""
    sloc = classes.count("h") + classes.count("e")
    return len(classes), sloc, classes.count("c"), classes.count("e")
