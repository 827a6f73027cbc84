from __future__ import annotations

import pytest

from domain.projects.modules import ModuleIndex, module_of, normalize_module_path
from domain.shared.errors import Invalid


@pytest.mark.parametrize(
    ("path", "normalized"),
    [
        ("module-path", "module-path/"),
        ("test-module/", "test-module/"),
        ("/core/src", "core/src/"),
        ("/core/src/", "core/src/"),
        ("  core  ", "core/"),
        ("a b/c.d", "a b/c.d/"),
    ],
)
def test_module_paths_are_stored_without_leading_and_with_trailing_slash(path: str, normalized: str) -> None:
    assert normalize_module_path(path) == normalized


@pytest.mark.parametrize(
    "path", ["", "  ", "/", "a//b", "//a", "a//", "../a", "a/../b", "a/..", "./a", "a\\b", "a\x00b", "x" * 1025]
)
def test_bad_module_paths_are_refused(path: str) -> None:
    with pytest.raises(Invalid):
        normalize_module_path(path)


def test_a_file_belongs_to_the_deepest_module_containing_it() -> None:
    modules = ["test-module/", "test-module/src/", "test-module/src/asd/", "test-module2/"]
    assert module_of("test-module/src/asd/A.java", modules) == "test-module/src/asd/"
    assert module_of("test-module/src/B.java", modules) == "test-module/src/"
    assert module_of("test-module/pom.xml", modules) == "test-module/"
    assert module_of("test-module2/x/y/C.java", modules) == "test-module2/"
    assert module_of("test-module3/C.java", modules) is None  # a shared name prefix is not a directory
    assert module_of("test-module", modules) is None  # a file named like a module
    assert module_of("README.md", modules) is None
    assert module_of("test-module/src/A.java", []) is None


def test_the_index_finds_modules_and_the_parents_of_modules() -> None:
    index = ModuleIndex(["a/", "a/b/c/", "x/"])
    assert index.module_of("a/b/c/d/e.txt") == "a/b/c/"
    assert index.module_of("a/b/e.txt") == "a/"
    assert index.parent_of("a/b/c/") == "a/"
    assert index.parent_of("a/") is None
    assert index.parent_of("x/") is None


def test_the_index_tolerates_paths_without_trailing_slash() -> None:
    assert ModuleIndex(["core"]).module_of("core/A.java") == "core/"
