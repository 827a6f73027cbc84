"""The line counter against the rules of compat.md section 1, on Java first (coderadar's own profile)."""

from __future__ import annotations

import os
import random
import sysconfig
from pathlib import Path

import pytest

from domain.analysis.analyzer import FileAnalyzer
from domain.analysis.loc import LOC_ANALYZER_NAME, LineCounts, LocAnalyzer, count_lines, profile_for
from domain.analysis.loc_profiles import JAVA, PROFILES_BY_EXTENSION, PROFILES_BY_FILE_NAME, XML, LocProfile
from tests.analysis import loc_reference

JAVA_REFERENCE = b"""/**
 * A small class.
 * @author someone
 */
public class Foo {
    private int bar;
}
"""


def java(source: str | bytes) -> tuple[int, int, int, int]:
    """(loc, sloc, eloc, cloc) of a Java source, the order compat.md quotes them in."""
    content = source.encode() if isinstance(source, str) else source
    c = count_lines(content, JAVA)
    return c.loc, c.sloc, c.eloc, c.cloc


def test_the_reference_java_file_counts_7_3_2_4() -> None:
    assert java(JAVA_REFERENCE) == (7, 3, 2, 4)
    result = LocAnalyzer().analyze("src/main/java/Foo.java", JAVA_REFERENCE)
    assert result.metrics == {
        "coderadar:size:loc:java": 7,
        "coderadar:size:sloc:java": 3,
        "coderadar:size:eloc:java": 2,
        "coderadar:size:cloc:java": 4,
    }
    assert result.findings == []


def test_the_analyzer_is_named_like_coderadars_plugin_and_fits_the_port() -> None:
    analyzer = LocAnalyzer()
    assert analyzer.name == LOC_ANALYZER_NAME == "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
    assert isinstance(analyzer, FileAnalyzer)


def test_a_comment_opening_a_line_makes_it_a_comment_line_even_with_code_after_it() -> None:
    assert java("/* x */ int a;") == (1, 0, 0, 1)


def test_code_with_a_trailing_comment_is_code() -> None:
    assert java("int a; // x") == (1, 1, 1, 0)
    assert java("int a; /* x */") == (1, 1, 1, 0)


def test_a_line_comment_does_not_stop_the_scan_so_a_block_opener_after_it_opens_a_block() -> None:
    assert java("// a /* b\nint x;\n*/\nint y;\n") == (4, 1, 1, 3)


def test_a_block_opener_overlapping_a_line_comment_marker_opens_a_block_as_in_coderadar() -> None:
    # "//*" holds "//" at 0 and "/*" at 1: both markers count.
    assert java("//**********\nint x;\n") == (2, 0, 0, 2)
    # "/*/" holds "/*" at 0 and "*/" at 1: opened and closed again.
    assert java("/*/\nint x;\n") == (2, 1, 1, 1)


def test_a_quote_inside_a_line_comment_still_toggles_the_string_state() -> None:
    # The quote opens a string, so the "/*" after it is inside the string and opens nothing.
    assert java('// say "hi /* there\nint x;\n') == (2, 1, 1, 1)
    # Two quotes close the string again: the opener counts.
    assert java('// say "hi" /* there\nint x;\n*/\n') == (3, 0, 0, 3)


def test_quotes_inside_a_block_comment_are_ignored() -> None:
    assert java('/* he said "stop */\nint x;\n') == (2, 1, 1, 1)
    assert java('/*\n "*/\nint x;\n') == (3, 1, 1, 2)


def test_block_markers_inside_strings_do_nothing() -> None:
    assert java('String s = "/*";\nint x;\n') == (2, 2, 2, 0)
    assert java('/*\n*/ String s = "/*";\nint x;\n') == (3, 1, 1, 2)


def test_escaped_quotes_are_not_special() -> None:
    # The escaped quote closes the string, so the opener after it opens a block.
    assert java('String s = "a\\"b /* c";\nint x;\n') == (2, 1, 1, 1)


def test_the_string_state_resets_every_line() -> None:
    assert java('String s = "unclosed;\n/* now a comment\n*/\nint x;\n') == (4, 2, 2, 2)


def test_a_block_comment_with_blank_lines_inside_counts_them_as_blank() -> None:
    source = "/*\n\n   text\n   \t\n*/\nint a;\n"
    assert java(source) == (6, 1, 1, 3)
    counts = count_lines(source.encode(), JAVA)
    assert counts.blank == 2


def test_header_and_footer_lines_are_sloc_but_not_eloc_in_java() -> None:
    source = "package a;\nimport java.util.List;\n  import static x.Y;\npublic class A\n{\n  int x;\n}\n"
    assert java(source) == (7, 7, 3, 0)
    # Only a lone brace is a footer; "};" and "} else {" are code.
    assert java("};\n} else {\n") == (2, 2, 2, 0)
    # coderadar's rule is the regex \\s*import.*, so a line merely starting with "import" counts too.
    assert java("importantCall();\n") == (1, 1, 0, 0)


def test_header_footer_is_a_java_rule_only() -> None:
    assert count_lines(b"import os\n{\n}\n", PROFILES_BY_EXTENSION["py"]) == LineCounts(3, 3, 0, 3, 0)
    assert count_lines(b"{\n}\n", PROFILES_BY_EXTENSION["c"]) == LineCounts(2, 2, 0, 2, 0)


def test_a_header_line_inside_a_block_comment_is_a_comment() -> None:
    assert java("/*\nimport x;\n}\n*/\n") == (4, 0, 0, 4)


def test_lines_split_on_lf_cr_and_crlf_and_a_trailing_break_adds_no_line() -> None:
    assert java("") == (0, 0, 0, 0)
    assert java("\n") == (1, 0, 0, 0)
    assert java("int a;") == (1, 1, 1, 0)
    assert java("int a;\n") == (1, 1, 1, 0)
    assert java("int a;\n\n") == (2, 1, 1, 0)
    assert java("int a;\r\nint b;\r\n") == (2, 2, 2, 0)
    assert java("int a;\rint b;\r") == (2, 2, 2, 0)
    assert java("/*\r\r  x\r*/\rint a;\r") == (5, 1, 1, 3)
    assert java("a;\r\n\rb;\n\r\nc;") == (5, 3, 3, 0)
    # \r\n is one break, \n\r is two.
    assert java("a;\n\rb;") == (3, 2, 2, 0)


def test_blank_means_nothing_above_space_after_trim() -> None:
    assert java(" \t\x0b\x0c\x00\x1f\n") == (1, 0, 0, 0)
    assert java("\xa0\n") == (1, 1, 1, 0)  # a no-break space is no blank to String.trim()


def test_a_byte_order_mark_is_ignored() -> None:
    assert java(b"\xef\xbb\xbf// comment\nint a;\n") == (2, 1, 1, 1)
    assert java(b"\xef\xbb\xbf") == (0, 0, 0, 0)


def test_an_unclosed_block_runs_to_the_end() -> None:
    assert java("int a;\n/* open\n\nint b;\nint c;") == (5, 1, 1, 3)


def test_several_blocks_on_one_line_leave_the_state_of_the_last_marker() -> None:
    assert java("int a; /* x */ int b; /* y\nstill comment\n*/ /* z */\nint c;\n") == (4, 2, 2, 2)
    assert java("/* a */ /* b */ /* c\nint b;\n*/ int c; /* d */ int e; /* f\nint g;\n") == (4, 0, 0, 4)


def test_unknown_kinds_are_not_accepted_and_get_no_metrics() -> None:
    analyzer = LocAnalyzer()
    for path in ("README.md", "data.json", "LICENSE", "a/b/c", "image.png", ".bashrc", "archive.tar.gz"):
        assert not analyzer.accepts(path), path
        assert analyzer.analyze(path, b"x\n").metrics == {}


def test_metric_ids_end_with_the_lower_cased_extension() -> None:
    analyzer = LocAnalyzer()
    assert analyzer.accepts("src/Foo.JAVA")
    assert set(analyzer.analyze("src/Foo.JAVA", b"int a;\n").metrics) == {
        "coderadar:size:loc:java",
        "coderadar:size:sloc:java",
        "coderadar:size:cloc:java",
        "coderadar:size:eloc:java",
    }
    assert set(analyzer.analyze("x/pom.xml", b"<a/>\n").metrics) == {
        "coderadar:size:loc:xml",
        "coderadar:size:sloc:xml",
        "coderadar:size:cloc:xml",
        "coderadar:size:eloc:xml",
    }
    assert "coderadar:size:loc:dockerfile" in analyzer.analyze("docker/Dockerfile", b"FROM x\n").metrics


def test_zero_values_are_returned_for_an_accepted_file() -> None:
    assert LocAnalyzer().analyze("Empty.java", b"").metrics == {
        "coderadar:size:loc:java": 0,
        "coderadar:size:sloc:java": 0,
        "coderadar:size:cloc:java": 0,
        "coderadar:size:eloc:java": 0,
    }


def test_cache_keys_depend_on_the_extension_only() -> None:
    analyzer = LocAnalyzer()
    assert analyzer.cache_key("a/Foo.java") == analyzer.cache_key("b/c/Bar.java")
    assert analyzer.cache_key("a/Foo.java") == analyzer.cache_key("Foo.JAVA")
    assert analyzer.cache_key("a.c") != analyzer.cache_key("a.h")  # same profile, other metric ids
    assert analyzer.cache_key("a.c").startswith(LOC_ANALYZER_NAME + "@")


def test_metrics_lists_four_descriptors_for_every_known_kind() -> None:
    descriptors = LocAnalyzer().metrics()
    ids = {d.id for d in descriptors}
    assert len(ids) == len(descriptors) == 4 * len({*PROFILES_BY_EXTENSION, *PROFILES_BY_FILE_NAME})
    assert {"coderadar:size:loc:java", "coderadar:size:eloc:py", "coderadar:size:cloc:makefile"} <= ids
    assert all(d.display_name and d.description for d in descriptors)


def test_profile_lookup() -> None:
    assert profile_for("a/B.java") == ("java", JAVA)
    assert profile_for("a/b.xml") == ("xml", XML)
    assert profile_for("Makefile") == ("makefile", PROFILES_BY_FILE_NAME["makefile"])
    assert profile_for("a.unknown") is None
    assert profile_for("Dockerfile.dev") is None


# --- The fast counter against the literal reading of the rules -------------------------------------

_TOKENS = [
    "/*", "*/", "//", '"', "'", "`", '"""', "'''", "#", "--", "--[[", "]]", "<!--", "-->", "{-", "-}",
    "<#", "#>", ";", "%", "!", "{", "}", "import x;", "a", "b = 1", " ", "  ", "\t", "\x0c", "\\",
    "=begin", "=end", "=pod", "=head1", "=cut", "/", "*", "-", "<", ">", "TODO", "é",
]
_BREAKS = ["\n", "\n", "\n", "\r\n", "\r"]


def _random_source(rng: random.Random) -> bytes:
    parts: list[str] = []
    for _ in range(rng.randint(0, 14)):
        for _ in range(rng.randint(0, 6)):
            parts.append(rng.choice(_TOKENS))
        parts.append(rng.choice(_BREAKS))
    if parts and rng.random() < 0.3:
        parts.pop()
    return "".join(parts).encode()


def _all_profiles() -> list[LocProfile]:
    return list({p.name: p for p in (*PROFILES_BY_EXTENSION.values(), *PROFILES_BY_FILE_NAME.values())}.values())


def _check(content: bytes, profile: LocProfile) -> None:
    classes = loc_reference.classify(content, profile)
    loc, sloc, cloc, eloc = loc_reference.counts(classes)
    got = count_lines(content, profile)
    assert (got.loc, got.sloc, got.cloc, got.eloc, got.blank) == (loc, sloc, cloc, eloc, classes.count("b")), (
        profile.name,
        content,
        classes,
    )
    assert got.loc == got.blank + got.cloc + got.sloc
    assert 0 <= got.eloc <= got.sloc


@pytest.mark.parametrize("profile", _all_profiles(), ids=lambda p: p.name)
def test_the_fast_counter_agrees_with_the_literal_rules_on_generated_sources(profile: LocProfile) -> None:
    rng = random.Random(f"loc-{profile.name}")
    for _ in range(600):
        _check(_random_source(rng), profile)


def _real_sources(limit: int) -> list[Path]:
    roots = [Path(__file__).resolve().parents[2] / "domain", Path(sysconfig.get_paths()["stdlib"])]
    found: list[Path] = []
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in sorted(names):
                if profile_for(name) is not None:
                    found.append(Path(dirpath) / name)
                    if len(found) >= limit:
                        return found
    return found


def test_the_fast_counter_agrees_with_the_literal_rules_on_real_files() -> None:
    files = _real_sources(250)
    assert files
    for path in files:
        found = profile_for(path.name)
        assert found is not None
        _check(path.read_bytes(), found[1])
        # The same text as Java, to put the header rule and C-style markers through real code.
        _check(path.read_bytes(), JAVA)
