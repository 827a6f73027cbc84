from __future__ import annotations

import lizard
import pytest

from domain.analysis.analyzer import FileAnalyzer, Finding
from interfaces.analysis.complexity import (
    COMPLEX_FUNCTIONS,
    COMPLEXITY_ANALYZER_NAME,
    CYCLOMATIC,
    FUNCTIONS,
    MAX_FUNCTION,
    ComplexityAnalyzer,
    language_of,
)

PYTHON = b"""def simple(x):
    return x + 1


def branchy(items, limit):
    total = 0
    for item in items:
        if item > limit:
            total += item
        elif item < 0 and limit:
            total -= item
        while total > 100:
            total //= 2
    return total


class Box:
    def get(self, key):
        if key:
            return key
        return None
"""

JAVA = b"""public class Grades {
    public int add(int a, int b) {
        return a + b;
    }

    public String grade(int score, boolean bonus) {
        if (score > 90 || bonus) {
            return "A";
        } else if (score > 80) {
            return "B";
        } else if (score > 70) {
            return "C";
        }
        for (int i = 0; i < 3; i++) {
            while (score < 10 && i > 0) {
                score++;
            }
        }
        switch (score) {
            case 1: return "D";
            case 2: return "E";
            default: return score > 5 ? "F" : "G";
        }
    }
}
"""


def _lizard(path: str, content: bytes) -> list[tuple[str, int, int, int]]:
    info = lizard.analyze_file.analyze_source_code(path, content.decode())
    return [(f.name, f.cyclomatic_complexity, f.start_line, f.end_line) for f in info.function_list]


def test_python_complexity_matches_lizard_and_mccabe() -> None:
    # simple: 1; branchy: 1 + for + if + elif + and + while = 6; get: 1 + if = 2.
    assert _lizard("pkg/sample.py", PYTHON) == [("simple", 1, 1, 2), ("branchy", 6, 5, 14), ("get", 2, 18, 21)]
    result = ComplexityAnalyzer(threshold=5).analyze("pkg/sample.py", PYTHON)
    assert result.metrics == {CYCLOMATIC: 9, MAX_FUNCTION: 6, FUNCTIONS: 3, COMPLEX_FUNCTIONS: 1}
    assert result.findings == [
        Finding(COMPLEX_FUNCTIONS, 5, 14, message="function branchy has cyclomatic complexity 6 (threshold 5)")
    ]


def test_java_complexity_matches_lizard_with_the_default_threshold() -> None:
    # grade: 1 + if + || + else if + else if + for + while + && + 2 cases + ?: = 11.
    assert _lizard("Grades.java", JAVA) == [("Grades::add", 1, 2, 4), ("Grades::grade", 11, 6, 24)]
    result = ComplexityAnalyzer().analyze("src/Grades.java", JAVA)
    assert result.metrics == {CYCLOMATIC: 12, MAX_FUNCTION: 11, FUNCTIONS: 2, COMPLEX_FUNCTIONS: 1}
    assert result.findings == [
        Finding(
            COMPLEX_FUNCTIONS, 6, 24, message="function Grades::grade has cyclomatic complexity 11 (threshold 10)"
        )
    ]


def test_a_function_at_the_threshold_is_not_reported() -> None:
    result = ComplexityAnalyzer(threshold=11).analyze("Grades.java", JAVA)
    assert result.findings == []
    assert result.metrics[COMPLEX_FUNCTIONS] == 0


def test_a_file_without_functions_gets_zeros() -> None:
    result = ComplexityAnalyzer().analyze("conf.py", b"X = 1\n")
    assert result.metrics == {CYCLOMATIC: 0, MAX_FUNCTION: 0, FUNCTIONS: 0, COMPLEX_FUNCTIONS: 0}
    assert ComplexityAnalyzer().analyze("empty.go", b"").metrics[FUNCTIONS] == 0


def test_bad_bytes_do_not_break_it() -> None:
    result = ComplexityAnalyzer().analyze("a.c", b"\xef\xbb\xbfint f(int x) { if (x) { return 1; } return \xff; }\n")
    assert result.metrics[FUNCTIONS] == 1
    assert result.metrics[CYCLOMATIC] == 2


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.py", "python"), ("A.java", "java"), ("a.c", "cpp"), ("a.hpp", "cpp"), ("a.cs", "csharp"),
        ("a.js", "javascript"), ("a.ts", "typescript"), ("a.tsx", "tsx"), ("a.go", "go"), ("a.rs", "rust"),
        ("a.kt", "kotlin"), ("a.swift", "swift"), ("a.rb", "ruby"), ("a.php", "php"), ("a.scala", "scala"),
        ("a.lua", "lua"), ("a.R", "r"), ("a.pl", "perl"), ("a.sql", "plsql"), ("a.erl", "erlang"),
        ("a.f90", "fortran"), ("a.zig", "zig"), ("a.sol", "solidity"), ("a.m", "objectivec"),
    ],
)
def test_every_lizard_language_is_accepted(path: str, language: str) -> None:
    assert language_of(path) == language
    assert ComplexityAnalyzer().accepts(path)


def test_kinds_lizard_cannot_read_are_not_accepted() -> None:
    analyzer = ComplexityAnalyzer()
    for path in ("README.md", "a.xml", "Makefile", "a.yml", "noext"):
        assert not analyzer.accepts(path), path
        assert analyzer.analyze(path, b"x").metrics == {}


def test_the_cache_key_holds_the_threshold_and_the_language() -> None:
    ten, twenty = ComplexityAnalyzer(10), ComplexityAnalyzer(20)
    assert ten.cache_key("a/A.java") == ten.cache_key("b/B.java")
    assert ten.cache_key("A.java") != twenty.cache_key("A.java")
    assert ten.cache_key("a.c") == ten.cache_key("a.h")  # one lizard reader
    assert ten.cache_key("a.c") != ten.cache_key("a.py")
    assert "threshold=10" in ten.cache_key("a.py")


def test_the_analyzer_describes_itself() -> None:
    analyzer = ComplexityAnalyzer()
    assert isinstance(analyzer, FileAnalyzer)
    assert analyzer.name == COMPLEXITY_ANALYZER_NAME
    assert [m.id for m in analyzer.metrics()] == [CYCLOMATIC, MAX_FUNCTION, FUNCTIONS, COMPLEX_FUNCTIONS]
