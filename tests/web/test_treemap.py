"""The code map's treemap columns: directories sum their files, chains of single directories show as
one node, every node names its parent by index."""

from __future__ import annotations

from interfaces.web.projects import _treemap


def test_directories_sum_files_and_single_child_chains_collapse() -> None:
    tree = _treemap({"a/b/c/X.java": {"loc": 3, "todo": 3}, "a/b/c/Y.java": {"loc": 2}, "a/z/Z.java": {"loc": 1}},
                    "loc", "todo")
    rows = list(zip(tree["paths"], tree["labels"], tree["parents"], tree["values"], tree["kinds"], strict=True))
    assert rows == [
        ("", "/", -1, 6.0, "dir"),
        ("a", "a", 0, 6.0, "dir"),
        ("a/b/c", "b/c", 1, 5.0, "dir"),
        ("a/b/c/X.java", "X.java", 2, 3.0, "file"),
        ("a/b/c/Y.java", "Y.java", 2, 2.0, "file"),
        ("a/z", "z", 1, 1.0, "dir"),
        ("a/z/Z.java", "Z.java", 5, 1.0, "file"),
    ]
    colours = dict(zip(tree["paths"], tree["colours"], strict=True))
    assert colours["a/b/c/X.java"] == 3 and colours["a/b/c"] == 3 / 5  # a directory: colour per area unit


def test_a_comparison_colours_files_by_their_change() -> None:
    tree = _treemap({"n/New.java": {"loc": 1}, "n/Old.java": {"loc": 2}, "n/Same.java": {"loc": 3}}, "loc", "loc",
                    {"n/New.java": "added", "n/Old.java": "deleted"})
    kinds = dict(zip(tree["paths"], tree["kinds"], strict=True))
    colours = dict(zip(tree["paths"], tree["colours"], strict=True))
    assert kinds == {"": "dir", "n": "dir", "n/New.java": "added", "n/Old.java": "deleted",
                     "n/Same.java": "unchanged"}
    assert (colours["n/New.java"], colours["n/Old.java"], colours["n/Same.java"]) == (1, 3, 0)
