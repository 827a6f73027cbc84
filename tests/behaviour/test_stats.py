"""The per-file statistics of a window (``projections/behaviour/stats.py``) on small histories written
as change lists: renames (also onto a path that exists), deletions and re-additions, a branch that
keeps changing a file another branch deleted, merges that only move files, and changeset sizes."""

from __future__ import annotations

from projections.behaviour.stats import (
    Change,
    CommitRow,
    compute,
    decode_authors,
    decode_counts,
    encode_authors,
    encode_counts,
    tree_at,
)


def run(history: list[tuple[bool, list[Change]]], alive: set[str], cap: int = 30) -> tuple[dict[str, int],
                                                                                          dict[tuple[str, str], int]]:
    commits = [CommitRow(i, 1000 * i, f"a{i % 2}@x", merge) for i, (merge, _) in enumerate(history)]
    changes = {i: rows for i, (_, rows) in enumerate(history)}
    stats = compute(commits, changes, alive, cap)
    return ({p: s.revisions for p, s in stats.files.items()},
            {pair: sum(sizes.values()) for pair, sizes in stats.pairs.items()})


def test_a_rename_carries_the_history_and_counts_as_a_change() -> None:
    files, pairs = run([
        (False, [("ADD", "a", None), ("ADD", "b", None)]),
        (False, [("MODIFY", "a", None), ("MODIFY", "b", None)]),
        (False, [("RENAME", "c", "a")]),
        (False, [("MODIFY", "c", None), ("MODIFY", "b", None)]),
    ], {"b", "c"})
    assert files == {"b": 3, "c": 4}
    assert pairs == {("b", "c"): 3}


def test_a_deleted_file_added_again_is_a_new_file_but_a_branch_that_kept_changing_it_revives_it() -> None:
    files, _ = run([
        (False, [("ADD", "a", None)]),
        (False, [("MODIFY", "a", None)]),
        (False, [("DELETE", "a", None)]),
        (False, [("ADD", "a", None)]),
    ], {"a"})
    assert files == {"a": 1}
    files, _ = run([
        (False, [("ADD", "a", None)]),
        (False, [("DELETE", "a", None)]),  # on one branch
        (False, [("MODIFY", "a", None)]),  # on another, which did not see the deletion
    ], {"a"})
    assert files == {"a": 2}


def test_merges_move_files_but_count_for_nothing_and_large_commits_keep_no_pairs() -> None:
    files, pairs = run([
        (False, [("ADD", "a", None), ("ADD", "b", None), ("ADD", "x", None)]),
        (True, [("RENAME", "c", "a"), ("MODIFY", "b", None)]),
        (False, [("MODIFY", "c", None), ("MODIFY", "b", None)]),
    ], {"b", "c", "x"}, cap=2)
    assert files == {"b": 2, "c": 2, "x": 1}
    assert pairs == {("b", "c"): 1}  # the first commit (3 files) is above the cap


def test_a_rename_onto_a_file_that_exists_joins_the_two_histories() -> None:
    files, _ = run([
        (False, [("ADD", "a", None)]),
        (False, [("ADD", "b", None)]),
        (False, [("RENAME", "b", "a")]),
    ], {"b"})
    assert files == {"b": 3}


def test_the_tree_of_a_first_parent_line_and_the_text_forms() -> None:
    changes: dict[int, list[Change]] = {0: [("ADD", "a", None), ("ADD", "b", None)], 1: [("RENAME", "c", "a")],
                                        2: [("DELETE", "b", None)]}
    assert tree_at([0, 1, 2], changes) == {"c"}
    assert tree_at([0, 1], changes) == {"b", "c"}
    assert decode_counts(encode_counts({3: 2, 30: 1})) == {3: 2, 30: 1}
    assert decode_authors(encode_authors({"a:b@x": 2, "c@y": 1})) == {"a:b@x": 2, "c@y": 1}
