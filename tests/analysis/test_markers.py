from __future__ import annotations

from domain.analysis.analyzer import FileAnalyzer, Finding
from domain.analysis.markers import MARKER_ANALYZER_NAME, MarkerAnalyzer

TODO = "codeannals:markers:todo"
FIXME = "codeannals:markers:fixme"
HACK = "codeannals:markers:hack"
XXX = "codeannals:markers:xxx"


def test_markers_in_java_comments_are_counted_and_reported_with_their_text() -> None:
    source = b"""int a; // TODO: fix this
String s = "// TODO not a comment";
/* FIXME one
 * HACK two XXX
 */ int b; // XXXX is no marker, nor TODOS
String t = "/* TODO inside a string */"; /* XXX: real */
"""
    result = MarkerAnalyzer().analyze("src/A.java", source)
    assert result.metrics == {TODO: 1, FIXME: 1, HACK: 1, XXX: 2}
    assert result.findings == [
        Finding(TODO, 1, 1, 10, 14, "TODO: fix this"),
        Finding(FIXME, 3, 3, 3, 8, "FIXME one"),
        Finding(HACK, 4, 4, 3, 7, "HACK two XXX"),
        Finding(XXX, 4, 4, 12, 15, "XXX"),
        Finding(XXX, 6, 6, 44, 47, "XXX: real"),
    ]


def test_python_comments_and_docstrings_count_but_strings_do_not() -> None:
    source = b'''def f():
    """TODO: document
    FIXME later"""
    x = "TODO"  # HACK: works for now
    y = 'XXX'
'''
    result = MarkerAnalyzer().analyze("pkg/mod.py", source)
    assert result.metrics == {TODO: 1, FIXME: 1, HACK: 1, XXX: 0}
    assert [(f.metric, f.line_start, f.message) for f in result.findings] == [
        (TODO, 2, "TODO: document"),
        (FIXME, 3, "FIXME later"),
        (HACK, 4, "HACK: works for now"),
    ]


def test_other_languages_use_their_own_comment_markers() -> None:
    analyzer = MarkerAnalyzer()
    assert analyzer.analyze("a.sql", b"SELECT 1; -- TODO index\nSELECT 'TODO';\n").metrics[TODO] == 1
    assert analyzer.analyze("a.xml", b'<a b="TODO"/>\n<!-- FIXME: x\n  TODO y -->\n').metrics == {
        TODO: 1,
        FIXME: 1,
        HACK: 0,
        XXX: 0,
    }
    rb = b"=begin\nTODO in a block\n=end\nputs 'TODO'\n# FIXME\n"
    assert analyzer.analyze("a.rb", rb).metrics == {TODO: 1, FIXME: 1, HACK: 0, XXX: 0}
    lua = b"--[[ TODO one\nTODO two ]] print('TODO')\n-- HACK\n"
    assert analyzer.analyze("a.lua", lua).metrics == {TODO: 2, FIXME: 0, HACK: 1, XXX: 0}
    assert analyzer.analyze("Dockerfile", b"# TODO pin\nRUN echo TODO\n").metrics[TODO] == 1


def test_markers_are_case_sensitive_whole_words() -> None:
    result = MarkerAnalyzer().analyze("a.c", b"// todo, Todo, TODOs, _TODO, TODO_X, XXXX\n// (TODO) FIXME: HACK!\n")
    assert result.metrics == {TODO: 1, FIXME: 1, HACK: 1, XXX: 0}


def test_line_breaks_of_every_kind_give_the_right_line_numbers() -> None:
    result = MarkerAnalyzer().analyze("a.js", b"a();\r\n// TODO one\rb();\r/*\r\n FIXME two\n*/")
    assert [(f.metric, f.line_start, f.line_end) for f in result.findings] == [(TODO, 2, 2), (FIXME, 5, 5)]


def test_non_utf8_content_does_not_break_it() -> None:
    result = MarkerAnalyzer().analyze("a.c", b"// \xff\xfe TODO: caf\xe9\n")
    assert result.metrics[TODO] == 1
    assert result.findings[0].message.startswith("TODO: caf")


def test_a_file_without_markers_gets_zeros_and_unknown_kinds_get_nothing() -> None:
    analyzer = MarkerAnalyzer()
    assert analyzer.analyze("a.go", b"package main\n").metrics == {TODO: 0, FIXME: 0, HACK: 0, XXX: 0}
    assert not analyzer.accepts("notes.txt")
    assert analyzer.analyze("notes.txt", b"TODO\n").metrics == {}


def test_the_analyzer_describes_itself() -> None:
    analyzer = MarkerAnalyzer()
    assert isinstance(analyzer, FileAnalyzer)
    assert analyzer.name == MARKER_ANALYZER_NAME
    assert [m.id for m in analyzer.metrics()] == [TODO, FIXME, HACK, XXX]
    # Same profile, same result: the cache key follows the profile, not the extension.
    assert analyzer.cache_key("a.c") == analyzer.cache_key("b/c.h")
    assert analyzer.cache_key("a.c") != analyzer.cache_key("a.py")


def test_long_messages_are_cut() -> None:
    result = MarkerAnalyzer().analyze("a.py", b"# TODO " + b"x" * 500 + b"\n")
    assert len(result.findings[0].message) == 200
