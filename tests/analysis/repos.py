"""Repositories for the analysis tests: the seed-like example with values worked out by hand, and random
histories with branches, merges, renames and deletions (checked against measuring every tree)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.support.gitrepo import GitRepo

LOC_ANALYZER = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
JAVA = [f"coderadar:size:{m}:java" for m in ("loc", "sloc", "cloc", "eloc")]
LOC, SLOC, CLOC, ELOC = JAVA

# --- the example ----------------------------------------------------------------------------------------
# Every content with its line counts (loc, sloc, cloc, eloc), counted by hand with coderadar's rules.
FINDING = "package x;\n\nimport a.B;\n\n/** A finding. */\npublic class Finding {\n  int line;\n  String message;\n}\n"
# 1 package: code; 2 blank; 3 import: header; 4 blank; 5 javadoc: comment; 6-8 code; 9 "}": footer.
FINDING_COUNTS = (9, 6, 1, 4)
UTIL_1 = "class Util {\n  // helper\n  int a;\n}\n"
UTIL_1_COUNTS = (4, 3, 1, 2)
UTIL_2 = "class Util {\n  // helper\n  int a;\n  int b;\n}\n"
UTIL_2_COUNTS = (5, 4, 1, 3)
RANDOM_1 = "public class this does not compile"  # the seed's example file: 1/1/1 (no trailing newline)
RANDOM_1_COUNTS = (1, 1, 0, 1)
RANDOM_2 = "public class this does not compile\n// This test still does not compile"
RANDOM_2_COUNTS = (2, 1, 1, 1)
# The seed's GetMetricsForCommitCommand.java (seed 5.3.2: eloc 7, sloc 14, loc 17).
COMMAND = (
    "package io.reflectoring.coderadar.query.port.driver;\n\nimport lombok.AllArgsConstructor;\nimport lombok.Data;\n"
    "import lombok.NoArgsConstructor;\n\nimport javax.validation.constraints.NotEmpty;\n"
    "import javax.validation.constraints.NotNull;\nimport java.util.List;\n\n@Data\n@NoArgsConstructor\n"
    "@AllArgsConstructor\npublic class GetMetricsForCommitCommand {\n  @NotNull @NotEmpty String commitChange;\n"
    "  @NotNull List<String> metrics;\n}\n"
)
COMMAND_COUNTS = (17, 14, 0, 7)
SKIPPED = "class Skip {\n}\n"  # under an EXCLUDE pattern: never measured

PATTERNS = [["**/*.java", "INCLUDE"], ["**/excluded/**", "EXCLUDE"]]
MODULES = ["src/", "src/lib/", "testModule1/"]


def counts(values: tuple[int, int, int, int]) -> dict[str, int]:
    return dict(zip(JAVA, values, strict=True))


@dataclass
class Example:
    repo: GitRepo
    commits: dict[str, str]  # name -> hash
    files: dict[str, dict[str, dict[str, int]]]  # name -> path -> values (zeros included)
    totals: dict[str, dict[str, int]]  # name -> metric -> total


def example(path: Path) -> Example:
    """main: c1 (alice) Finding, Util, an excluded file and a README; c2 (bob) NewRandomFile;
    feature from c2: f1 (carol) moves Util to src/lib/, f2 (carol) changes it; main: c3 (alice) deletes
    Finding and adds GetMetricsForCommitCommand; c4 (bob) merges feature; c5 (alice) moves NewRandomFile
    into testModule1/sub/ and changes it."""
    repo = GitRepo(path)
    c: dict[str, str] = {}
    c["c1"] = repo.commit("Initial", {
        "Finding.java": FINDING, "src/core/Util.java": UTIL_1, "src/excluded/Skip.java": SKIPPED,
        "README.md": "# Example\n",
    }, author="alice")
    c["c2"] = repo.commit("Random file", {"testModule1/NewRandomFile.java": RANDOM_1}, author="bob")
    repo.checkout("feature", create=True)
    repo.move("src/core/Util.java", "src/lib/Util.java")
    c["f1"] = repo.commit("Move Util", author="carol")
    c["f2"] = repo.commit("Util grows", {"src/lib/Util.java": UTIL_2}, author="carol")
    repo.checkout("main")
    c["c3"] = repo.commit("Command instead of Finding", {
        "Finding.java": None, "GetMetricsForCommitCommand.java": COMMAND}, author="alice")
    c["c4"] = repo.merge("feature", "Merge feature", author="bob")
    repo.move("testModule1/NewRandomFile.java", "testModule1/sub/NewRandomFile.java")
    c["c5"] = repo.commit("Move and change the random file", {"testModule1/sub/NewRandomFile.java": RANDOM_2},
                          author="alice")
    f = {
        "Finding.java": counts(FINDING_COUNTS),
        "src/core/Util.java": counts(UTIL_1_COUNTS),
        "testModule1/NewRandomFile.java": counts(RANDOM_1_COUNTS),
    }
    files = {
        "c1": {k: f[k] for k in ("Finding.java", "src/core/Util.java")},
        "c2": dict(f),
        "f1": {"Finding.java": f["Finding.java"], "src/lib/Util.java": counts(UTIL_1_COUNTS),
               "testModule1/NewRandomFile.java": f["testModule1/NewRandomFile.java"]},
        "f2": {"Finding.java": f["Finding.java"], "src/lib/Util.java": counts(UTIL_2_COUNTS),
               "testModule1/NewRandomFile.java": f["testModule1/NewRandomFile.java"]},
        "c3": {"src/core/Util.java": counts(UTIL_1_COUNTS), "GetMetricsForCommitCommand.java": counts(COMMAND_COUNTS),
               "testModule1/NewRandomFile.java": f["testModule1/NewRandomFile.java"]},
        "c4": {"src/lib/Util.java": counts(UTIL_2_COUNTS), "GetMetricsForCommitCommand.java": counts(COMMAND_COUNTS),
               "testModule1/NewRandomFile.java": f["testModule1/NewRandomFile.java"]},
        "c5": {"src/lib/Util.java": counts(UTIL_2_COUNTS), "GetMetricsForCommitCommand.java": counts(COMMAND_COUNTS),
               "testModule1/sub/NewRandomFile.java": counts(RANDOM_2_COUNTS)},
    }
    # The totals, added up by hand (loc, sloc, cloc, eloc).
    totals = {
        "c1": counts((13, 9, 2, 6)),
        "c2": counts((14, 10, 2, 7)),
        "f1": counts((14, 10, 2, 7)),
        "f2": counts((15, 11, 2, 8)),
        "c3": counts((22, 18, 1, 10)),
        "c4": counts((23, 19, 1, 11)),
        "c5": counts((24, 19, 2, 11)),
    }
    return Example(repo, c, files, totals)


# --- random histories -------------------------------------------------------------------------------------
def _java(rng: random.Random, name: str) -> str:
    body = []
    for i in range(rng.randint(0, 12)):
        kind = rng.random()
        if kind < 0.2:
            body.append(f"  // note {rng.randint(0, 3)}")
        elif kind < 0.3:
            body.append("")
        elif kind < 0.35:
            body.append("  /* block")
            body.append("     still comment */")
        else:
            body.append(f"  int f{i} = {rng.randint(0, 5)};")
    return f"import a.{name};\n\nclass {name} {{\n" + "\n".join(body) + "\n}\n"


def random_repo(path: Path, seed: int, steps: int = 60) -> GitRepo:
    """Commits on main and two branches (merged back now and then, and sometimes the other way):
    additions, changes, deletions, renames, moves, identical contents on several branches, and files the
    patterns leave out."""
    rng = random.Random(seed)
    repo = GitRepo(path)
    repo.commit("init", {"src/A.java": _java(rng, "A"), "src/B.java": _java(rng, "B"), "docs/x.md": "x\n",
                         "tools/run.py": "# run\nprint(1)\n"}, author="alice")
    branches = ["main"]
    current = "main"
    shared = _java(random.Random(seed + 1), "Shared")
    deleted: list[str] = []
    for step in range(steps):
        target = rng.choice(["main", "main", "dev", "topic"])
        if target not in branches:
            repo.checkout(target, create=True)
            branches.append(target)
        elif target != current:
            repo.checkout(target)
        current = target
        files = [p for p in repo.files("HEAD") if p.endswith(".java")]
        roll = rng.random()
        author = rng.choice(["alice", "bob", "carol"])
        if roll < 0.12 and len(branches) > 1:
            other = rng.choice([b for b in branches if b != current])
            try:
                repo.merge(other, f"merge {other} into {current}", author=author)
            except AssertionError:
                repo.git("merge", "--abort")
                repo.git("checkout", "-q", "-f", current)
            continue
        if roll < 0.25 and files:
            old = rng.choice(files)
            new = f"src/{rng.choice(['m', 'n', 'm/deep'])}/R{step}.java"
            repo.move(old, new)
            change = {new: _java(rng, f"R{step}")} if rng.random() < 0.3 else None
            repo.commit(f"move {old}", change, author=author)
        elif roll < 0.35 and len(files) > 2:
            victim = rng.choice(files)
            deleted.append(victim)
            repo.commit(f"delete {step}", {victim: None}, author=author)
        elif roll < 0.4 and deleted and deleted[-1] not in files:
            repo.commit(f"resurrect {step}", {deleted[-1]: _java(rng, f"Back{step}")}, author=author)
        elif roll < 0.45:
            repo.commit(f"shared {step}", {f"src/s/Shared{step % 3}.java": shared}, author=author, allow_empty=True)
        elif roll < 0.5:
            repo.commit(f"other {step}", {f"docs/n{step}.md": f"{step}\n",
                                          "src/excluded/E.java": f"class E{step} {{}}\n"}, author=author)
        else:
            edits = {p: _java(rng, f"C{step}") for p in rng.sample(files, min(len(files), rng.randint(1, 3)))}
            if rng.random() < 0.3:
                edits[f"src/{rng.choice(['m', 'n'])}/N{step}.java"] = _java(rng, f"N{step}")
            repo.commit(f"change {step}", edits, author=author)
    repo.checkout("main")
    return repo


def generated(path: Path, commits: int, seed: int = 5, files: int = 30) -> GitRepo:
    """A longer history made quickly with ``git fast-import``: Java files changed, added, deleted and
    renamed on main, with a side branch merged back every 20 commits (so there are forks and merges)."""
    import subprocess

    rng = random.Random(seed)
    repo = GitRepo(path)
    alive = [f"src/p{i % 4}/F{i}.java" for i in range(files)]
    counter = files
    stream: list[bytes] = []
    mark = 0
    when = 1_600_000_000

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n" % len(raw) + raw + b"\n"

    def commit(ref: str, ops: list[bytes], parents: list[int]) -> int:
        nonlocal mark, when
        mark += 1
        when += 60
        name = ["Alice <alice@example.org>", "Bob <bob@example.org>", "Carol <carol@example.org>"][mark % 3]
        stream.append(f"commit {ref}\nmark :{mark}\nauthor {name} {when} +0000\ncommitter {name} {when} +0000\n"
                      .encode())
        stream.append(data(f"commit {mark}"))
        if parents:
            stream.append(f"from :{parents[0]}\n".encode())
            stream.extend(f"merge :{p}\n".encode() for p in parents[1:])
        stream.extend(ops)
        stream.append(b"\n")
        return mark

    def edit(name: str) -> bytes:
        return f"M 100644 inline {name}\n".encode() + data(_java(rng, f"C{rng.randint(0, 40)}"))

    head = commit("refs/heads/main", [edit(f) for f in alive], [])
    made = 1
    while made < commits:
        if made % 20 == 0 and commits - made >= 3:
            side = commit("refs/heads/side", [edit(rng.choice(alive))], [head])
            head = commit("refs/heads/main", [edit(rng.choice(alive))], [head])
            head = commit("refs/heads/main", [], [head, side])
            made += 3
            continue
        roll = rng.random()
        ops: list[bytes] = []
        if roll < 0.1 and len(alive) > 5:
            ops.append(f"D {alive.pop(rng.randrange(len(alive)))}\n".encode())
        elif roll < 0.2:
            old = alive.pop(rng.randrange(len(alive)))
            new = f"src/p{counter % 4}/R{counter}.java"
            counter += 1
            alive.append(new)
            ops.append(f"R {old} {new}\n".encode())
        elif roll < 0.3:
            new = f"src/p{counter % 4}/N{counter}.java"
            counter += 1
            alive.append(new)
            ops.append(edit(new))
        touched = {op.split(b" ")[1].strip() for op in ops if op[:1] in (b"R", b"D")}
        ops.extend(edit(f) for f in rng.sample(alive, min(len(alive), rng.randint(1, 3))) if f.encode() not in touched)
        head = commit("refs/heads/main", ops, [head])
        made += 1
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream), check=True,
                   capture_output=True)
    repo.git("checkout", "-q", "-f", "main")
    return repo
