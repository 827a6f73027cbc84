"""Commits packed for the batch events: the fast path (each change object packed once) gives exactly
the packing of the whole record, for first-parent changes and the repeated changes of merges; and
worker processes pack exactly what one process packs."""

from __future__ import annotations

import json
from pathlib import Path

from domain.history.records import decode_commits, encode_commit, join_packed
from interfaces.history import GitReader
from interfaces.history.importing import DulwichHistoryReader, commit_record, packed_commit
from tests.support.gitrepo import GitRepo, generate


def test_packed_commits_equal_the_packed_records(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("root", {"a.txt": "a\n" * 20, "ünï/côde.py": "x = 1\n", "gone.txt": "bye\n"})
    repo.checkout("maint", create=True)
    repo.commit("on maint", {"m.txt": "m\n"}, author="bob")
    repo.checkout("main")
    repo.move("a.txt", "b.txt")
    repo.commit("rename and delete", {"gone.txt": None, "ünï/côde.py": "x = 2\n"})
    for i in range(3):  # the same other-parent changes at every merge
        repo.merge("maint", f"merge {i}")
        repo.checkout("maint")
        repo.commit(f"maint {i}", {"m.txt": f"m{i}\n"}, author="bob")
        repo.checkout("main")
    with GitReader(repo.path) as reader:
        infos = list(reader.commits())
        packed = [packed_commit(info, reader.changes(info)) for info in infos]
        whole = [encode_commit(commit_record(info, reader.changes(info))) for info in infos]
    assert packed == whole
    assert any(c[8] > 0 for fact in json.loads(join_packed(packed)) for c in fact[11])  # merges' changes
    records = decode_commits(join_packed(packed))
    assert [r.hash for r in records] == [i.hash for i in infos]
    assert any(c.path == "ünï/côde.py" for r in records for c in r.changes)


def test_changes_computed_in_processes_equal_those_computed_in_process(tmp_path: Path) -> None:
    repo = generate(tmp_path / "big", commits=120, files=20, branch_every=10)
    alone = DulwichHistoryReader(repo.path)
    pooled = DulwichHistoryReader(repo.path, processes=2, min_commits=50)
    try:
        hashes = alone.plan(None, lambda _h: False)
        assert pooled.plan(None, lambda _h: False) == hashes and len(hashes) >= 120
        assert list(pooled.packed(hashes)) == list(alone.packed(hashes))
    finally:
        alone.close()
        pooled.close()
