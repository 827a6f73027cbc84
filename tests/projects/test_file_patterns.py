from __future__ import annotations

import random

import pytest

from domain.projects.file_patterns import (
    FilePattern,
    FilePatternSet,
    InclusionType,
    normalize_pattern,
    parse_inclusion_type,
    pattern_matches,
)
from domain.shared.errors import Invalid


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # ** spans any depth, zero directories included
        ("**/*.java", "Foo.java", True),
        ("**/*.java", "src/main/java/Foo.java", True),
        ("**/*.java", "src/Foo.javax", False),
        ("**/*.java", "src/Foo.java/readme.txt", False),
        ("src/**", "src/a.py", True),
        ("src/**", "src/a/b/c.py", True),
        ("src/**", "src", True),
        ("src/**", "srcx/a.py", False),
        ("src/**", "lib/src/a.py", False),
        ("**/test/**", "test/A.java", True),
        ("**/test/**", "a/b/test/c/A.java", True),
        ("**/test/**", "a/tests/A.java", False),
        ("**/test/**", "a/latest/A.java", False),
        ("src/**/*.py", "src/a.py", True),
        ("src/**/*.py", "src/x/y/a.py", True),
        ("src/**/*.py", "a.py", False),
        ("**", "anything/at/all.txt", True),
        ("**/**/*.c", "a/b.c", True),
        # * stays within one segment
        ("*.java", "Foo.java", True),
        ("*.java", "src/Foo.java", False),
        ("src/*.java", "src/Foo.java", True),
        ("src/*.java", "src/a/Foo.java", False),
        ("src/*/*.java", "src/a/Foo.java", True),
        ("*", "a", True),
        ("*", "a/b", False),
        ("a**b/*.c", "aXYb/x.c", True),
        # ? is one character within a segment
        ("src/?.py", "src/a.py", True),
        ("src/?.py", "src/ab.py", False),
        ("src/?.py", "src/.py", False),
        ("a?c/x", "a/c/x", False),
        ("Foo?.java", "Foo1.java", True),
        # everything else is literal, case-sensitive
        ("src/a+b(1).[x]", "src/a+b(1).[x]", True),
        ("src/A.java", "src/a.java", False),
        ("docs/", "docs/a/b.md", True),
    ],
)
def test_ant_style_matching(pattern: str, path: str, expected: bool) -> None:
    assert pattern_matches(pattern, path) is expected


def test_exclude_wins_over_include() -> None:
    patterns = FilePatternSet.of(include=["**/*.java", "**/*.xml"], exclude=["**/test/**", "**/generated/*.java"])
    assert patterns.matches("src/main/java/Foo.java")
    assert patterns.matches("pom.xml")
    assert not patterns.matches("src/test/java/FooTest.java")
    assert not patterns.matches("test/pom.xml")
    assert not patterns.matches("src/generated/Gen.java")
    assert patterns.matches("src/generated/deeper/Gen.java")
    assert not patterns.matches("README.md")
    assert patterns.filter(["a.java", "test/b.java", "c.txt", "d/e.xml"]) == ["a.java", "d/e.xml"]


def test_without_an_include_pattern_nothing_matches() -> None:
    only_excludes = FilePatternSet.of(exclude=["**/*.txt"])
    assert not only_excludes.has_includes
    assert not only_excludes.matches("a.java")
    empty = FilePatternSet([])
    assert not empty.has_includes
    assert not empty.matches("a.java")
    assert FilePatternSet.of(include=["**"]).has_includes


def test_built_from_file_pattern_records() -> None:
    patterns = FilePatternSet(
        [FilePattern("**/*.py", InclusionType.INCLUDE), FilePattern("**/migrations/**", InclusionType.EXCLUDE)]
    )
    assert patterns.matches("app/models.py")
    assert not patterns.matches("app/migrations/0001_initial.py")
    assert patterns.matches("/app/models.py")  # a leading slash on the path is tolerated


def test_many_patterns_compile_into_one_matcher_that_stays_fast_enough() -> None:
    includes = [f"module{i}/**/*.java" for i in range(300)]
    patterns = FilePatternSet.of(include=includes, exclude=["**/test/**"])
    assert patterns.matches("module299/src/A.java")
    assert not patterns.matches("module299/test/A.java")
    assert not patterns.matches("module300/src/A.java")


@pytest.mark.parametrize(
    ("pattern", "normalized"),
    [
        ("**/*.java", "**/*.java"),
        ("  src/**  ", "src/**"),
        ("src\\main\\**", "src/main/**"),
        ("./src//**", "src/**"),
        ("docs/", "docs/"),
    ],
)
def test_normalization(pattern: str, normalized: str) -> None:
    assert normalize_pattern(pattern) == normalized


@pytest.mark.parametrize(
    "pattern",
    ["", "   ", "a\x00b", "a\nb", "/src/**", "\\src", "C:/src/**", "c:\\x", "../x", "src/../../etc", "x" * 1025,
     "./", "."],
)
def test_invalid_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(Invalid):
        normalize_pattern(pattern)
    with pytest.raises(Invalid):
        FilePatternSet.of(include=[pattern])


def test_inclusion_types() -> None:
    assert parse_inclusion_type("INCLUDE") is InclusionType.INCLUDE
    assert parse_inclusion_type("EXCLUDE") is InclusionType.EXCLUDE
    for bad in ("include", "", "BOTH"):
        with pytest.raises(Invalid, match="INCLUDE or EXCLUDE"):
            parse_inclusion_type(bad)


def _glob_segment(glob: str, name: str) -> bool:
    """``*`` and ``?`` within one segment, by dynamic programming."""
    reachable = {0}
    for char in glob:
        if char == "*":
            reachable = set(range(min(reachable), len(name) + 1)) if reachable else set()
        else:
            reachable = {i + 1 for i in reachable if i < len(name) and (char == "?" or name[i] == char)}
    return len(name) in reachable


def _reference_match(pattern: list[str], path: list[str]) -> bool:
    """Segment by segment, ``**`` taking any number of segments; a trailing ``**`` also zero."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_reference_match(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and _glob_segment(head, path[0]) and _reference_match(rest, path[1:])


def test_matching_agrees_with_a_plain_recursive_matcher() -> None:
    rng = random.Random("patterns")
    pieces = ["**", "*", "a", "b", "ab", "a*", "*b", "?", "a?b", "*a*", "**", "x.java", "*.java"]
    names = ["a", "b", "ab", "ba", "aab", "x.java", "y.java", "abab", "b.java"]
    checked = 0
    for _ in range(3000):
        pattern = "/".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        path = "/".join(rng.choice(names) for _ in range(rng.randint(1, 6)))
        segments = normalize_pattern(pattern).split("/")
        expected = _reference_match(segments, path.split("/"))
        # Ant: a pattern ending in "**" also matches the directory it names.
        if not expected and len(segments) > 1 and segments[-1] == "**":
            expected = _reference_match(segments[:-1], path.split("/"))
        assert pattern_matches(pattern, path) is expected, (pattern, path)
        checked += expected
    assert checked > 200  # the generator produces matches, not only misses


def test_adversarial_patterns_match_in_polynomial_time() -> None:
    # A backtracking translation needs longer than the age of the universe for these.
    star_heavy = "*a" * 12 + "*b"
    assert not pattern_matches(star_heavy, "a" * 250)
    assert pattern_matches(star_heavy, "a" * 250 + "b")
    deep = "**/a*/" * 8 + "**/b"
    assert not pattern_matches(deep, "a/" * 200 + "c")
    assert pattern_matches(deep, "a/" * 200 + "b")
