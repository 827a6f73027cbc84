"""Source as highlighted lines: Pygments tokens split at line ends, so each line can carry its own
number, coverage mark and findings (a 2,000-line file stays one pass of the lexer)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename, guess_lexer_for_filename
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

MAX_BYTES = 2_000_000


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
