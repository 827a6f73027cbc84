"""Language profiles for the line counter: which markers open comments and strings in each file kind.

A profile lists

* ``line_comments``: markers that start a comment running to the end of the line (``//``, ``#``);
* ``block_comments``: opener/closer pairs (``/*`` ... ``*/``). An opener equal to its closer (Python's
  ``\"\"\"``) toggles. ``line_start_only`` pairs count only at column 0 of the raw line (Ruby's
  ``=begin``/``=end``, Perl's POD);
* ``string_delimiters``: quote characters. They only matter for telling whether a block marker on the
  same line is inside a string; they do not span lines (the in-string state resets every line).
  A string is closed only by the delimiter that opened it (``'"'`` is one string);
* ``header_footer``: the Java rule (``import`` lines and lines holding only ``{`` or ``}`` are
  ``sloc`` but not ``eloc``). Only the Java profile sets it.

The Java and XML profiles are exactly coderadar's (``//``, ``/* */``, ``"``; ``<!-- -->``, ``"``).
Other profiles add the single quote where it delimits strings or characters, so ``'"'`` in C or
``'/*'`` in JavaScript does not confuse the counter; Rust and Swift keep ``"`` only (``'a`` is a
lifetime in Rust).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class BlockComment:
    open: str
    close: str
    line_start_only: bool = False


@dataclass(frozen=True, slots=True)
class LocProfile:
    name: str
    line_comments: tuple[str, ...] = ()
    block_comments: tuple[BlockComment, ...] = ()
    string_delimiters: tuple[str, ...] = ()
    header_footer: bool = False


_C_BLOCK = (BlockComment("/*", "*/"),)
_DQ = ('"',)
_DQ_SQ = ('"', "'")

JAVA = LocProfile("java", ("//",), _C_BLOCK, _DQ, header_footer=True)
XML = LocProfile("xml", (), (BlockComment("<!--", "-->"),), _DQ)

C_LIKE = LocProfile("c", ("//",), _C_BLOCK, _DQ_SQ)
CSHARP = LocProfile("csharp", ("//",), _C_BLOCK, _DQ_SQ)
JAVASCRIPT = LocProfile("javascript", ("//",), _C_BLOCK, ('"', "'", "`"))
GO = LocProfile("go", ("//",), _C_BLOCK, ('"', "'", "`"))
KOTLIN = LocProfile("kotlin", ("//",), _C_BLOCK, _DQ_SQ)
SCALA = LocProfile("scala", ("//",), _C_BLOCK, _DQ_SQ)
GROOVY = LocProfile("groovy", ("//",), _C_BLOCK, _DQ_SQ)
DART = LocProfile("dart", ("//",), _C_BLOCK, _DQ_SQ)
RUST = LocProfile("rust", ("//",), _C_BLOCK, _DQ)
SWIFT = LocProfile("swift", ("//",), _C_BLOCK, _DQ)
PROTOBUF = LocProfile("protobuf", ("//",), _C_BLOCK, _DQ_SQ)
PHP = LocProfile("php", ("//", "#"), _C_BLOCK, _DQ_SQ)
CSS = LocProfile("css", (), _C_BLOCK, _DQ_SQ)
SCSS = LocProfile("scss", ("//",), _C_BLOCK, _DQ_SQ)
SQL = LocProfile("sql", ("--",), _C_BLOCK, _DQ_SQ)
HTML = LocProfile("html", (), (BlockComment("<!--", "-->"),), _DQ)
PYTHON = LocProfile(
    "python", ("#",), (BlockComment('"""', '"""'), BlockComment("'''", "'''")), _DQ_SQ
)
RUBY = LocProfile("ruby", ("#",), (BlockComment("=begin", "=end", line_start_only=True),), _DQ_SQ)
PERL = LocProfile(
    "perl",
    ("#",),
    tuple(
        BlockComment(opener, "=cut", line_start_only=True)
        for opener in ("=pod", "=head", "=over", "=item", "=begin", "=for", "=encoding")
    ),
    _DQ_SQ,
)
LUA = LocProfile("lua", ("--",), (BlockComment("--[[", "]]"),), _DQ_SQ)
HASKELL = LocProfile("haskell", ("--",), (BlockComment("{-", "-}"),), ('"',))
POWERSHELL = LocProfile("powershell", ("#",), (BlockComment("<#", "#>"),), _DQ_SQ)
SHELL = LocProfile("shell", ("#",))
YAML = LocProfile("yaml", ("#",))
TOML = LocProfile("toml", ("#",))
PROPERTIES = LocProfile("properties", ("#", "!"))
INI = LocProfile("ini", (";", "#"))
R = LocProfile("r", ("#",))
DOCKERFILE = LocProfile("dockerfile", ("#",))
MAKEFILE = LocProfile("makefile", ("#",))
CMAKE = LocProfile("cmake", ("#",))
ELIXIR = LocProfile("elixir", ("#",))
ERLANG = LocProfile("erlang", ("%",))
CLOJURE = LocProfile("clojure", (";",))

_BY_EXTENSION: dict[str, LocProfile] = {
    "java": JAVA,
    # XML and friends
    **dict.fromkeys(("xml", "xsd", "xsl", "xslt", "wsdl", "svg", "fxml", "xaml"), XML),
    **dict.fromkeys(("html", "htm", "xhtml"), HTML),
    # the C family
    **dict.fromkeys(("c", "h", "cpp", "cc", "cxx", "c++", "hpp", "hh", "hxx", "h++", "ino", "m", "mm"), C_LIKE),
    "cs": CSHARP,
    **dict.fromkeys(("js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"), JAVASCRIPT),
    "go": GO,
    **dict.fromkeys(("kt", "kts"), KOTLIN),
    **dict.fromkeys(("scala", "sc"), SCALA),
    **dict.fromkeys(("groovy", "gradle", "gvy"), GROOVY),
    "dart": DART,
    "rs": RUST,
    "swift": SWIFT,
    "proto": PROTOBUF,
    **dict.fromkeys(("php", "phtml"), PHP),
    "css": CSS,
    **dict.fromkeys(("scss", "less"), SCSS),
    "sql": SQL,
    # hash-comment languages
    **dict.fromkeys(("py", "pyw", "pyi"), PYTHON),
    **dict.fromkeys(("rb", "rake", "gemspec"), RUBY),
    **dict.fromkeys(("pl", "pm"), PERL),
    **dict.fromkeys(("sh", "bash", "zsh", "ksh"), SHELL),
    **dict.fromkeys(("yml", "yaml"), YAML),
    "toml": TOML,
    "properties": PROPERTIES,
    **dict.fromkeys(("ini", "cfg"), INI),
    "r": R,
    "dockerfile": DOCKERFILE,
    "mk": MAKEFILE,
    "cmake": CMAKE,
    **dict.fromkeys(("ex", "exs"), ELIXIR),
    **dict.fromkeys(("erl", "hrl"), ERLANG),
    **dict.fromkeys(("clj", "cljs", "cljc", "edn"), CLOJURE),
    "lua": LUA,
    "hs": HASKELL,
    **dict.fromkeys(("ps1", "psm1"), POWERSHELL),
}

# Files without an extension known by their whole name (lower-cased).
_BY_FILE_NAME: dict[str, LocProfile] = {
    "dockerfile": DOCKERFILE,
    "containerfile": DOCKERFILE,
    "makefile": MAKEFILE,
    "gnumakefile": MAKEFILE,
    "rakefile": RUBY,
    "gemfile": RUBY,
}

PROFILES_BY_EXTENSION: Mapping[str, LocProfile] = MappingProxyType(_BY_EXTENSION)
PROFILES_BY_FILE_NAME: Mapping[str, LocProfile] = MappingProxyType(_BY_FILE_NAME)
