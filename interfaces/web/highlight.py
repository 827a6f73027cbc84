"""Source as highlighted lines: Pygments tokens split at line ends, so each line can carry its own
number, coverage mark and findings (a 2,000-line file stays one pass of the lexer)."""

from __future__ import annotations

import posixpath
import threading
from collections import OrderedDict
from html import escape
from typing import Any

from markupsafe import Markup
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename, guess_lexer_for_filename
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

MAX_BYTES = 2_000_000
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, str], list[Markup]] = OrderedDict()
_lock = threading.Lock()


def _css_class(ttype: _TokenType) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def lexer_for(path: str, text: str) -> Lexer:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        try:
            return guess_lexer_for_filename(path, text[:4000], stripnl=False, ensurenl=False)
        except ClassNotFound:
            return TextLexer(stripnl=False, ensurenl=False)


def highlighted_lines(path: str, text: str) -> list[Markup]:
    """One HTML fragment per line of ``text`` (escaped, spans with Pygments' short classes)."""
    if len(text) > MAX_BYTES:
        return [Markup(escape(line)) for line in text.split("\n")]
    lines: list[list[str]] = [[]]
    for ttype, value in lexer_for(path, text).get_tokens(text):
        css = _css_class(ttype)
        pieces = value.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                lines.append([])
            if piece:
                lines[-1].append(f'<span class="{css}">{escape(piece)}</span>' if css else escape(piece))
    if len(lines) > 1 and not lines[-1] and text.endswith("\n"):
        lines.pop()
    return [Markup("".join(parts)) for parts in lines]


def stylesheet() -> str:
    from pygments.formatters import HtmlFormatter

    css: str = HtmlFormatter(style="default").get_style_defs(".code")
    return css


def highlighted_blob(path: str, blob: str, text: str) -> list[Markup]:
    """:func:`highlighted_lines` remembered per blob and file type (a blob's content never changes):
    the lexer runs once per file content, not on every view."""
    key = (blob, posixpath.splitext(path)[1] or posixpath.basename(path))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    lines = highlighted_lines(path, text)
    with _lock:
        _cache[key] = lines
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return lines


_MARK_TEXT = {"covered": ("\u2713", "covered"), "missed": ("\u2717", "missed"), "partial": ("\u25d0", "partly covered")}


def source_rows(lines: list[Markup], marks: dict[int, str], findings: dict[int, list[dict[str, Any]]]) -> Markup:
    """The source table's rows (number, coverage mark, code, findings), built in one pass: a Jinja loop
    over 2,000 lines costs more than the lexer."""
    out: list[str] = []
    for n, line in enumerate(lines, 1):
        mark = marks.get(n)
        found = findings.get(n)
        classes = (f"cov-{mark}" if mark else "") + (" has-finding" if found else "")
        symbol, title = _MARK_TEXT.get(mark or "", ("", ""))
        notes = "".join(
            f'<div class="finding" role="note"><strong>{escape(str(f["metric"]))}</strong>'
            f'{": " + escape(str(f["message"])) if f.get("message") else ""}</div>' for f in found or ())
        out.append(f'<tr id="L{n}"{f" class={chr(34)}{classes.strip()}{chr(34)}" if classes else ""}>'
                   f'<td class="ln"><a href="#L{n}">{n}</a></td>'
                   f'<td class="cov"{f" title={chr(34)}{title}{chr(34)}" if title else ""}>{symbol}</td>'
                   f'<td class="src"><code>{line}</code>{notes}</td></tr>')
    return Markup("\n".join(out))
