"""The git reader against what ``git`` itself says about real repositories built with the CLI."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interfaces.history import ChangeKind, FileChange, GitReader, GitSourceError, RefKind
from interfaces.history.packs import PackReader
from tests.history.git_helpers import GitChange, GitRepo, diff_tree, rev_list, run_git

LICENSE = "".join(f"// Licensed under the Apache License, line {i} of the header.\n" for i in range(12))


def java(name: str, body_lines: int, seed: int) -> str:
    rnd = random.Random(seed)
    lines = [LICENSE, "package com.acme;\n\n", "import java.util.List;\n\n", f"public class {name} {{\n"]
    for i in range(body_lines):
        lines.append(f"    private int field{i}_{rnd.randrange(10**6)} = {rnd.randrange(1000)};\n")
    lines.append("}\n")
    return "".join(lines)


def edit(text: str, every: int, seed: int) -> str:
    """Change every ``every``-th line: the smaller ``every``, the less similar."""
    rnd = random.Random(seed)
    out = []
    for i, line in enumerate(text.splitlines(keepends=True)):
        out.append(f"    // changed {rnd.randrange(10**9)} line {i}\n" if i % every == every - 1 else line)
    return "".join(out)


def build_history(path: Path) -> GitRepo:
    repo = GitRepo.init(path)
    # root: nested directories, Java, Python, XML, a binary file, an empty file, a symlink
    repo.write("src/main/java/com/acme/App.java", java("App", 30, 1))
    repo.write("src/main/java/com/acme/Util.java", java("Util", 25, 2))
    repo.write("src/main/java/com/acme/Service.java", java("Service", 40, 3))
    repo.write("src/main/java/com/acme/Legacy.java", java("Legacy", 30, 4))
    repo.write("src/main/java/com/acme/Drift.java", java("Drift", 30, 5))
    repo.write("scripts/build.py", "import sys\n\n\ndef main():\n    return 0\n" * 5)
    repo.write("pom.xml", "<project>\n" + "  <dependency>x</dependency>\n" * 20 + "</project>\n")
    repo.write("assets/logo.png", bytes(range(256)) * 8)
    repo.write("docs/empty.txt", "")
    repo.write("docs/ünïcode ßpace.md", "# Ünïcode\n\nsome text\n")
    (repo.path / "link").symlink_to("pom.xml")
    repo.commit("Initial import\n\nWith a body.", "alice", label="root")

    repo.write("src/main/java/com/acme/App.java", java("App", 32, 1))
    repo.write("src/test/java/com/acme/AppTest.java", java("AppTest", 10, 6))
    repo.commit("Modify App and add a test", "bob", label="modify")

    repo.move("src/main/java/com/acme/Util.java", "src/main/java/com/acme/util/Util.java")
    repo.commit("Move Util to its own package (exact rename)", "chloé", label="move", tz="-0500")

    repo.move("src/main/java/com/acme/Service.java", "src/main/java/com/acme/Services.java")
    repo.write("src/main/java/com/acme/Services.java", edit(java("Service", 40, 3), 7, 10))
    repo.commit("Rename Service with edits (similar rename)", "alice", label="similar")

    repo.git("branch", "feature")

    # below the threshold: about half the lines differ, so a delete and an add for -M60%
    repo.remove("src/main/java/com/acme/Drift.java")
    repo.write("src/main/java/com/acme/Drifted.java", edit(java("Drift", 30, 5), 2, 11))
    repo.remove("src/main/java/com/acme/Legacy.java")
    repo.write("assets/logo.png", bytes(range(256)) * 7 + b"\0changed")
    repo.commit("Delete Legacy, replace Drift, change the logo", "bob", label="delete")

    # git's basename pass: a/Foo.java is 95% like c/Bar.java but 85% like b/Foo.java
    base = java("Foo", 60, 20)
    repo.write("moved/a/Foo.java", base)
    repo.commit("Add Foo", "alice", label="add-foo")
    repo.remove("moved/a/Foo.java")
    repo.write("moved/b/Foo.java", edit(base, 7, 21))
    repo.write("moved/c/Bar.java", edit(base, 20, 22))
    repo.commit("Split Foo", "alice", label="basename")

    # exact duplicates: two identical files renamed, the one with the same name wins
    same = java("Same", 10, 30)
    repo.write("dup/one/Same.java", same)
    repo.write("dup/two/Other.java", same)
    repo.commit("Add duplicates", "bob")
    repo.move("dup/one/Same.java", "dup/three/Other.java")
    repo.move("dup/two/Other.java", "dup/four/Same.java")
    repo.commit("Shuffle duplicates", "bob", label="duplicates")

    # a file that becomes a symlink (git's T), a CRLF file renamed with edits, an empty file moved
    (repo.path / "scripts/build.py").unlink()
    (repo.path / "scripts/build.py").symlink_to("../pom.xml")
    crlf = "".join(f"line {i} of a windows file with some text\r\n" for i in range(40))
    repo.write("win/notes.txt", crlf)
    repo.commit("Symlink build.py, add windows notes", "chloé", label="typechange")
    repo.move("win/notes.txt", "win/renamed-notes.txt")
    repo.write("win/renamed-notes.txt", crlf.replace("line 3 ", "LINE 3 ").replace("line 9 ", "LINE 9 "))
    repo.move("docs/empty.txt", "docs/moved/empty.txt")
    repo.commit("Rename windows notes and the empty file", "alice", label="crlf")

    # a submodule entry (gitlink) is ignored
    head = repo.head()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{head},vendor/lib")
    repo.commit("Add a submodule", "bob", label="gitlink", stage=False)
    (repo.path / "vendor/lib").mkdir(parents=True)

    # feature branch: changes, then merged back
    repo.git("checkout", "-q", "feature")
    repo.write("feature/Feature.java", java("Feature", 20, 40))
    repo.write("src/main/java/com/acme/Legacy.java", java("Legacy", 31, 4))
    repo.commit("Feature work", "bob", label="feature-1")
    repo.write("feature/README.md", "feature docs\n")
    repo.commit("Feature docs", "bob", label="feature-2")
    repo.git("checkout", "-q", "main")
    # the merge keeps main's deletion of Legacy (a modify/delete conflict): relative to the
    # feature branch Legacy is deleted, Util moved, Service renamed, Drift replaced...
    with contextlib.suppress(AssertionError):
        repo.git("merge", "-q", "--no-ff", "--no-commit", "feature")
    repo.git("rm", "-q", "-f", "--ignore-unmatch", "src/main/java/com/acme/Legacy.java")
    repo.commit("Merge branch 'feature'", "bob", label="merge")

    repo.git("tag", "v1.0-light")
    repo.git("tag", "-a", "v1.0", "-m", "Release 1.0", env={
        "GIT_COMMITTER_NAME": "Rel", "GIT_COMMITTER_EMAIL": "rel@example.com",
        "GIT_COMMITTER_DATE": f"{repo.clock} +0000",
    })
    repo.git("tag", "-a", "v0.1", "-m", "Old release", repo.commits["root"], env={
        "GIT_COMMITTER_NAME": "Rel", "GIT_COMMITTER_EMAIL": "rel@example.com",
        "GIT_COMMITTER_DATE": f"{repo.clock} +0000",
    })

    # an unmerged branch with its own root-parent line
    repo.git("checkout", "-q", "-b", "topic", repo.commits["modify"])
    repo.write("topic.txt", "topic\n")
    repo.commit("Topic work", "chloé", label="topic")
    repo.git("checkout", "-q", "main")
    return repo


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return build_history(tmp_path_factory.mktemp("history") / "work")


@pytest.fixture
def reader(history: GitRepo) -> GitReader:
    with GitReader(history.path) as r:
        yield r


def as_git(changes: list[FileChange], parent: int = 0) -> set[GitChange]:
    out = set()
    for c in changes:
        if c.parent != parent:
            continue
        if c.kind is ChangeKind.RENAME:
            out.add(GitChange("R", c.path, c.old_path, c.similarity))
        else:
            out.add(GitChange(c.kind.value[0], c.path))
    return out


# ------------------------------------------------------------------------------------------ refs


def test_refs_match_git(history: GitRepo, reader: GitReader) -> None:
    out = history.git("for-each-ref", "--format=%(refname) %(objectname) %(objecttype) %(*objectname)",
                      "refs/heads", "refs/tags")
    expected = {}
    for line in out.splitlines():
        ref, sha, kind, peeled = ([*line.split(" "), ""])[:4]
        expected[ref] = (peeled or sha, sha if kind == "tag" else None)
    refs = reader.refs()
    assert {r.ref: (r.commit, r.tag_object) for r in refs} == expected
    assert {r.name for r in reader.branches()} == {"main", "feature", "topic"}
    assert {r.name for r in reader.tags()} == {"v1.0", "v1.0-light", "v0.1"}
    tag = next(r for r in refs if r.name == "v0.1")
    assert tag.kind is RefKind.TAG and tag.commit == history.commits["root"] and tag.tag_object
    assert reader.default_branch() == "main"


# --------------------------------------------------------------------------------------- commits


def test_commits_are_every_reachable_commit_parents_first(history: GitRepo, reader: GitReader) -> None:
    commits = list(reader.commits())
    hashes = [c.hash for c in commits]
    assert sorted(hashes) == sorted(rev_list(history.path, "--all"))
    position = {h: i for i, h in enumerate(hashes)}
    for c in commits:
        assert all(position[p] < position[c.hash] for p in c.parents)
    assert hashes[0] == history.commits["root"]


def test_commit_fields_match_git_log(history: GitRepo, reader: GitReader) -> None:
    fmt = "%H%x00%P%x00%T%x00%an%x00%ae%x00%at%x00%ai%x00%cn%x00%ce%x00%ct%x00%B%x01"
    out = history.git("log", "--all", f"--format={fmt}")
    expected = {}
    for record in out.split("\x01"):
        record = record.lstrip("\n")
        if not record:
            continue
        h, parents, tree, an, ae, at, ai, cn, ce, ct, body = record.split("\x00")
        expected[h] = (tuple(parents.split()), tree, an, ae, int(at), ai[-5:], cn, ce, int(ct), body)
    for c in reader.commits():
        parents, tree, an, ae, at, tz, cn, ce, ct, body = expected[c.hash]
        assert (c.parents, c.tree, c.author_name, c.author_email) == (parents, tree, an, ae)
        assert (c.author_time, c.committer_name, c.committer_email, c.committer_time) == (at, cn, ce, ct)
        assert c.author_datetime.strftime("%z") == tz
        assert c.message.rstrip("\n") == body.rstrip("\n")
    chloe = reader.commit(history.commits["move"])
    assert chloe.author_name == "Chloé Dupont" and chloe.author_tz_offset == -5 * 3600
    assert reader.commit(history.commits["merge"]).is_merge


def test_commits_since_and_known(history: GitRepo, reader: GitReader) -> None:
    times = {c.hash: c.author_time for c in reader.commits()}
    cut = sorted(times.values())[len(times) // 2]
    since = datetime.fromtimestamp(cut, UTC)
    assert {c.hash for c in reader.commits(since=since)} == {h for h, t in times.items() if t >= cut}
    assert {c.hash for c in reader.commits(since=since.replace(tzinfo=None))} == {
        h for h, t in times.items() if t >= cut
    }

    known_prefix = rev_list(history.path, "--reverse", "--topo-order", history.commits["similar"])
    rest = [c.hash for c in reader.commits(known=set(known_prefix))]
    assert set(rest) == set(times) - set(known_prefix)
    # a predicate works as well, and stop_at_known does not read past known commits
    resumed = [c.hash for c in reader.commits(known=lambda h: h in set(known_prefix), stop_at_known=True)]
    assert resumed == rest


# --------------------------------------------------------------------------------------- changes


def test_first_parent_changes_match_git_for_every_commit(history: GitRepo, reader: GitReader) -> None:
    for commit in reader.commits():
        first = commit.parents[0] if commit.parents else None
        assert as_git(reader.changes(commit)) == diff_tree(history.path, first, commit.hash), commit.message


def test_change_details(history: GitRepo, reader: GitReader) -> None:
    def changes(label: str) -> dict[str, FileChange]:
        return {c.path: c for c in reader.changes(history.commits[label])}

    root = changes("root")
    assert all(c.kind is ChangeKind.ADD and c.old_blob is None for c in root.values())
    assert "vendor/lib" not in changes("gitlink") and not changes("gitlink")
    assert root["link"].new_mode == 0o120000
    ls = history.git("ls-tree", "-r", history.commits["root"])
    blobs = {line.split("\t")[1]: line.split()[2] for line in ls.splitlines()}
    assert {p: c.new_blob for p, c in root.items()} == blobs

    moved = changes("move")["src/main/java/com/acme/util/Util.java"]
    assert moved.kind is ChangeKind.RENAME and moved.similarity == 100
    assert moved.old_path == "src/main/java/com/acme/Util.java" and moved.old_blob == moved.new_blob

    similar = changes("similar")["src/main/java/com/acme/Services.java"]
    assert similar.kind is ChangeKind.RENAME and 60 <= similar.similarity < 100
    assert similar.old_blob != similar.new_blob

    deleted = changes("delete")["src/main/java/com/acme/Legacy.java"]
    assert deleted.kind is ChangeKind.DELETE and deleted.old_path == deleted.path and deleted.new_blob is None
    drift = changes("delete")
    assert drift["src/main/java/com/acme/Drift.java"].kind is ChangeKind.DELETE
    assert drift["src/main/java/com/acme/Drifted.java"].kind is ChangeKind.ADD
    assert drift["assets/logo.png"].kind is ChangeKind.MODIFY

    # git's default threshold (50%) would call Drift a rename: the threshold is a setting
    with GitReader(history.path, rename_threshold=40) as lenient:
        loose = {c.path: c for c in lenient.changes(history.commits["delete"])}
    assert loose["src/main/java/com/acme/Drifted.java"].kind is ChangeKind.RENAME
    assert as_git(list(loose.values())) == diff_tree(
        history.path, history.commits["delete"] + "^", history.commits["delete"], threshold=40
    )

    basename = changes("basename")
    assert basename["moved/b/Foo.java"].old_path == "moved/a/Foo.java"
    assert basename["moved/c/Bar.java"].kind is ChangeKind.ADD

    duplicates = changes("duplicates")
    assert duplicates["dup/four/Same.java"].old_path == "dup/one/Same.java"
    assert duplicates["dup/three/Other.java"].old_path == "dup/two/Other.java"

    typechange = changes("typechange")["scripts/build.py"]
    assert typechange.kind is ChangeKind.MODIFY and (typechange.old_mode, typechange.new_mode) == (0o100644, 0o120000)

    crlf = changes("crlf")
    assert crlf["win/renamed-notes.txt"].kind is ChangeKind.RENAME
    assert crlf["docs/moved/empty.txt"].similarity == 100


def test_merge_changes_from_other_parents_are_deletes_and_renames(history: GitRepo, reader: GitReader) -> None:
    merge = reader.commit(history.commits["merge"])
    changes = reader.changes(merge)
    first = diff_tree(history.path, merge.parents[0], merge.hash)
    assert as_git(changes, 0) == first
    second = {c for c in diff_tree(history.path, merge.parents[1], merge.hash) if c.status in "DR"}
    reported_first = {(c.status, c.path, c.old_path) for c in first}
    expected = {c for c in second if (c.status, c.path, c.old_path) not in reported_first}
    assert as_git(changes, 1) == expected
    assert expected, "the merge should delete and rename files relative to the feature branch"
    assert {c.kind for c in changes if c.parent == 1} <= {ChangeKind.DELETE, ChangeKind.RENAME}
    kinds = {(c.kind, c.path) for c in changes if c.parent == 1}
    assert (ChangeKind.DELETE, "src/main/java/com/acme/Legacy.java") in kinds
    assert changes == sorted(changes, key=lambda c: (c.parent, c.path.encode("utf-8", "surrogateescape")))


def test_walk_yields_commits_with_their_changes(history: GitRepo, reader: GitReader) -> None:
    walked = list(reader.walk())
    assert [c.hash for c, _ in walked] == [c.hash for c in reader.commits()]
    for commit, changes in walked:
        assert changes == reader.changes(commit)


def test_rename_detection_matches_git_on_a_random_history(tmp_path: Path) -> None:
    """Many files, random adds, deletes, moves and edits at different strengths."""
    repo = GitRepo.init(tmp_path / "random")
    rnd = random.Random(7)
    files: dict[str, str] = {}
    for i in range(40):
        name = f"pkg{i % 5}/sub{i % 3}/File{i}.java"
        files[name] = java(f"File{i}", rnd.randrange(5, 60), i)
        repo.write(name, files[name])
    repo.commit("random root")
    for step in range(8):
        for _ in range(rnd.randrange(1, 8)):
            name = rnd.choice(sorted(files))
            action = rnd.random()
            if action < 0.3:  # move, maybe with edits
                new = f"pkg{rnd.randrange(7)}/moved{step}/{rnd.choice(['', 'X'])}{name.rsplit('/', 1)[1]}"
                if new in files:
                    continue
                repo.move(name, new)
                content = files.pop(name)
                if rnd.random() < 0.6:
                    content = edit(content, rnd.choice([2, 3, 4, 6, 10, 30]), rnd.randrange(10**6))
                    repo.write(new, content)
                files[new] = content
            elif action < 0.5:
                repo.remove(name)
                del files[name]
            elif action < 0.8:
                files[name] = edit(files[name], rnd.choice([3, 10]), rnd.randrange(10**6))
                repo.write(name, files[name])
            else:
                new = f"pkg{rnd.randrange(7)}/new{step}/New{rnd.randrange(1000)}.java"
                files[new] = java("New", rnd.randrange(5, 40), rnd.randrange(10**6))
                repo.write(new, files[new])
        repo.commit(f"step {step}", allow_empty=True)
    with GitReader(repo.path) as reader:
        for commit in reader.commits():
            first = commit.parents[0] if commit.parents else None
            assert as_git(reader.changes(commit)) == diff_tree(repo.path, first, commit.hash), commit.message


# ------------------------------------------------------------------------------------- reading


def test_files_match_ls_tree(history: GitRepo, reader: GitReader) -> None:
    for label in ("root", "typechange", "gitlink", "merge"):
        sha = history.commits[label]
        expected = []
        for line in history.git("ls-tree", "-r", "-z", sha).split("\0"):
            if not line:
                continue
            meta, path = line.split("\t", 1)
            mode, kind, blob = meta.split()
            if kind == "blob":
                expected.append((path, blob, int(mode, 8)))
        assert [(f.path, f.blob, f.mode) for f in reader.files(sha)] == expected
    assert any(f.is_symlink for f in reader.files(history.commits["root"]))


def test_blobs_by_id_and_by_path(history: GitRepo, reader: GitReader) -> None:
    sha = history.commits["delete"]
    for path in ("assets/logo.png", "docs/ünïcode ßpace.md", "src/main/java/com/acme/Services.java", "link"):
        blob = history.git("rev-parse", f"{sha}:{path}").strip()
        assert reader.blob_at(sha, path) == blob
        expected = run_git(history.path, "cat-file", "blob", blob)
        assert reader.read_blob(blob) == expected
        assert reader.read_at(sha, path) == expected
    assert reader.blob_at(sha, "src/main/java/com/acme/Legacy.java") is None
    assert reader.blob_at(sha, "src/main/java") is None  # a directory is not a file
    assert reader.blob_at(sha, "no/such/file") is None
    assert reader.read_at(sha, "no/such/file") is None
    with pytest.raises(KeyError):
        reader.read_blob("0" * 40)


def _git_diff(history: GitRepo, label: str, *paths: str) -> str:
    sha = history.commits[label]
    return history.git("diff", "-M60%", "--no-color", "--no-ext-diff", "--no-indent-heuristic",
                       f"{sha}^", sha, "--", *paths)


def test_unified_diffs_like_git(history: GitRepo, reader: GitReader) -> None:
    sha = history.commits
    # modification
    assert reader.diff(sha["modify"], "src/main/java/com/acme/App.java") == _git_diff(
        history, "modify", "src/main/java/com/acme/App.java"
    )
    # added file
    assert reader.diff(sha["modify"], "src/test/java/com/acme/AppTest.java") == _git_diff(
        history, "modify", "src/test/java/com/acme/AppTest.java"
    )
    # deleted file (its old path)
    assert reader.diff(sha["delete"], "src/main/java/com/acme/Legacy.java") == _git_diff(
        history, "delete", "src/main/java/com/acme/Legacy.java"
    )
    # exact and similar renames
    assert reader.diff(sha["move"], "src/main/java/com/acme/util/Util.java") == _git_diff(history, "move")
    assert reader.diff(sha["similar"], "src/main/java/com/acme/Services.java") == _git_diff(history, "similar")
    # binary
    binary = reader.diff(sha["delete"], "assets/logo.png")
    assert binary == _git_diff(history, "delete", "assets/logo.png")
    assert "Binary files a/assets/logo.png and b/assets/logo.png differ" in binary
    # unchanged file: nothing
    assert reader.diff(sha["delete"], "pom.xml") == ""


def test_unified_diff_hunks_on_random_edits(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "diffs")
    rnd = random.Random(11)
    words = ["alpha", "beta", "gamma", "}", "", "return x;", "{"]
    lines = [rnd.choice(words) + "\n" for _ in range(200)]
    repo.write("f.txt", "".join(lines))
    repo.commit("base")
    for step in range(6):
        for _ in range(rnd.randrange(1, 12)):
            i = rnd.randrange(len(lines))
            if rnd.random() < 0.4:
                del lines[i]
            else:
                lines.insert(i, rnd.choice(words) + f" {step}\n")
        text = "".join(lines)
        repo.write("f.txt", text if step % 2 else text.rstrip("\n"))
        sha = repo.commit(f"edit {step}")
        with GitReader(repo.path) as reader:
            mine = reader.diff(sha, "f.txt")
        git = repo.git("diff", "--no-color", "--minimal", "--no-indent-heuristic", f"{sha}^", sha)
        # same file headers and the same lines removed and added (hunk boundaries may differ
        # where git's heuristics place an ambiguous change elsewhere)
        assert mine.splitlines()[:4] == git.splitlines()[:4]

        def body(text: str) -> tuple[list[str], list[str]]:
            rows = [line for line in text.splitlines()[4:] if not line.startswith("@@")]
            return (sorted(r for r in rows if r.startswith("-")), sorted(r for r in rows if r.startswith("+")))

        assert body(mine) == body(git)


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitSourceError):
        GitReader(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitSourceError):
        GitReader(tmp_path / "plain")


def test_objects_borrowed_through_alternates(history: GitRepo, tmp_path: Path) -> None:
    run_git(history.path, "gc", "-q")  # packs to borrow
    shared = tmp_path / "shared.git"
    run_git(tmp_path, "clone", "-q", "--bare", "--shared", str(history.path), str(shared))
    assert (shared / "objects" / "info" / "alternates").exists()
    with GitReader(shared) as borrowed, GitReader(history.path) as original:
        main = history.commits["merge"]
        assert borrowed.changes(main) == original.changes(main)
        assert borrowed.files(main) == original.files(main)
    packs = PackReader(str(shared))  # read from the borrowed packs, not through the slow path
    try:
        found = packs.get(history.commits["merge"].encode())
        assert found is not None and found[0] == 1
    finally:
        packs.close()
