"""Real git repositories for tests, built and questioned with the git CLI."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

AUTHORS = {
    "alice": ("Alice Liddell", "alice@example.org"),
    "alice2": ("alice", "Alice@Example.org"),  # the same person: another name, the e-mail in other case
    "bob": ("Bob Builder", "bob@example.org"),
    "carol": ("Carol", "carol@example.org"),
}


@dataclass(frozen=True)
class LogEntry:
    hash: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: int  # epoch seconds
    subject: str
    body: str  # the full message (%B)


class GitRepo:
    """A repository at ``path`` (with a work tree). Commit times advance one minute per commit from
    ``start`` unless given, so every commit has its own author time."""

    def __init__(self, path: Path, start: int = 1_600_000_000, branch: str = "main") -> None:
        self.path = path
        self.clock = start
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", "Committer")
        self.git("config", "user.email", "committer@example.org")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")

    @classmethod
    def existing(cls, path: Path) -> GitRepo:
        """A repository made earlier (by :class:`GitRepo` or :func:`generate`), for reading."""
        repo = cls.__new__(cls)
        repo.path, repo.clock = path, 0
        return repo

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.path), **(env or {})}
        result = subprocess.run(["git", *args], cwd=self.path, env=full_env, capture_output=True, check=False)
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode("utf-8", "replace")

    # --- writing ------------------------------------------------------------------------------------
    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write (text or bytes) or delete (None) files, and stage everything."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "-q", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
            self.git("add", "--", name)

    def commit(self, message: str, files: Mapping[str, str | bytes | None] | None = None, author: str = "alice",
               when: int | None = None, allow_empty: bool = False) -> str:
        if files:
            self.write(files)
        name, email = AUTHORS[author]
        self.clock = when if when is not None else self.clock + 60
        stamp = f"{self.clock} +0000"
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
               "GIT_COMMITTER_DATE": stamp}
        args = ["commit", "-q", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, env=env)
        return self.head()

    def move(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def merge(self, branch: str, message: str, author: str = "alice") -> str:
        name, email = AUTHORS[author]
        self.clock += 60
        stamp = f"{self.clock} +0000"
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
               "GIT_COMMITTER_DATE": stamp}
        self.git("merge", "-q", "--no-ff", "-m", message, branch, env=env)
        return self.head()

    def checkout(self, branch: str, create: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if create else []), branch)

    def tag(self, name: str, annotated: bool = False) -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", f"tag {name}", env={"GIT_COMMITTER_DATE": f"{self.clock} +0000"})
        else:
            self.git("tag", name)

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev).strip()

    # --- reading ------------------------------------------------------------------------------------
    def log(self, *revs: str) -> list[LogEntry]:
        """Commits reachable from ``revs`` (default: every branch and tag), newest author time first."""
        fmt = "%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%s%x1f%B%x1e"
        out = self.git("log", f"--format={fmt}", *(revs or ("--branches", "--tags")))
        entries = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            h, parents, an, ae, at, subject, body = record.split("\x1f")
            entries.append(LogEntry(h, tuple(parents.split()), an, ae, int(at), subject, body))
        entries.sort(key=lambda e: -e.author_time)
        return entries

    def files(self, rev: str) -> list[str]:
        return sorted(self.git("ls-tree", "-r", "--name-only", "-z", rev).split("\0")[:-1])

    def show(self, rev: str, path: str) -> bytes:
        full_env = {**os.environ, "HOME": str(self.path)}
        return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=self.path, env=full_env, capture_output=True,
                              check=True).stdout

    def name_status(self, rev: str) -> list[tuple[str, ...]]:
        """``git diff-tree -M --name-status`` against the first parent (the root: every file added)."""
        parents = self.git("rev-list", "--parents", "-n", "1", rev).split()[1:]
        args = ["diff-tree", "-r", "-M", "--name-status", "--no-commit-id", "-z"]
        if parents:
            args += [parents[0], rev]
        else:
            args += ["--root", rev]
        fields = self.git(*args).split("\0")[:-1]
        out: list[tuple[str, ...]] = []
        i = 0
        while i < len(fields):
            status = fields[i]
            if status.startswith(("R", "C")):
                out.append((status[0], fields[i + 1], fields[i + 2]))
                i += 3
            else:
                out.append((status, fields[i + 1]))
                i += 2
        return out

    def diff(self, rev: str, path: str) -> str:
        """``git diff`` of one file against the first parent (renames followed), hunks only."""
        parents = self.git("rev-list", "--parents", "-n", "1", rev).split()[1:]
        base = parents[0] if parents else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
        text = self.git("diff", "-M", base, rev, "--", *self._diff_paths(base, rev, path))
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.startswith("@@"):
                return "".join(lines[i:])
        return ""

    def _diff_paths(self, base: str, rev: str, path: str) -> list[str]:
        fields = self.git("diff", "-M", "--name-status", "-z", base, rev).split("\0")[:-1]
        i = 0
        while i < len(fields):
            if fields[i].startswith("R"):
                if fields[i + 2] == path:
                    return [fields[i + 1], path]
                i += 3
            else:
                i += 2
        return [path]

    def ref_heads(self) -> dict[str, str]:
        """Short ref name -> peeled commit, for branches and tags."""
        out = self.git("for-each-ref", "--format=%(refname)%09%(objectname)%09%(*objectname)", "refs/heads",
                       "refs/tags")
        heads: dict[str, str] = {}
        for line in out.splitlines():
            ref, obj, peeled = [*line.split("\t"), ""][:3]
            heads[ref] = peeled or obj
        return heads


def generate(path: Path, commits: int, start: int = 1_500_000_000, files: int = 40, branch_every: int = 25,
             seed: int = 7) -> GitRepo:
    """A repository with ``commits`` commits made quickly with ``git fast-import``: several authors,
    changes, additions, deletions and renames, and a side branch merged back every ``branch_every``
    commits (so the history has merges). Deterministic for a given seed."""
    import random

    rng = random.Random(seed)
    repo = GitRepo(path, start=start)
    authors = list(AUTHORS.values())
    alive = [f"src/m{i % 5}/F{i}.txt" for i in range(files)]
    counter = files
    stream: list[bytes] = []
    mark = 0
    when = start

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n" % len(raw) + raw + b"\n"

    def commit(ref: str, message: str, ops: list[bytes], parents: list[int]) -> int:
        nonlocal mark, when
        mark += 1
        when += 60
        name, email = authors[mark % len(authors)]
        stream.append(f"commit {ref}\nmark :{mark}\n".encode())
        stream.append(f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n".encode())
        stream.append(data(message))
        if parents:
            stream.append(f"from :{parents[0]}\n".encode())
            for p in parents[1:]:
                stream.append(f"merge :{p}\n".encode())
        stream.extend(ops)
        stream.append(b"\n")
        return mark

    def content(seed_text: str) -> str:
        return "".join(f"line {seed_text} {j} {rng.randint(0, 9)}\n" for j in range(rng.randint(3, 30)))

    first_ops = []
    for f in alive:
        first_ops.append(f"M 100644 inline {f}\n".encode() + data(content(f)))
    main_head = commit("refs/heads/main", "initial", first_ops, [])
    made = 1
    while made < commits:
        if branch_every and made % branch_every == 0 and commits - made >= 3:
            side = commit("refs/heads/side", f"side work {made}", [
                f"M 100644 inline {rng.choice(alive)}\n".encode() + data(content(str(made)))], [main_head])
            main_head = commit("refs/heads/main", f"main work {made + 1}", [
                f"M 100644 inline {rng.choice(alive)}\n".encode() + data(content(str(made + 1)))], [main_head])
            main_head = commit("refs/heads/main", f"merge side at {made + 2}", [], [main_head, side])
            made += 3
            continue
        roll = rng.random()
        ops: list[bytes] = []
        if roll < 0.1 and len(alive) > 5:
            victim = alive.pop(rng.randrange(len(alive)))
            ops.append(f"D {victim}\n".encode())
        elif roll < 0.2:
            old = alive.pop(rng.randrange(len(alive)))
            new = f"src/m{counter % 5}/R{counter}.txt"
            counter += 1
            alive.append(new)
            ops.append(f"R {old} {new}\n".encode())
        elif roll < 0.3:
            new = f"src/m{counter % 5}/N{counter}.txt"
            counter += 1
            alive.append(new)
            ops.append(f"M 100644 inline {new}\n".encode() + data(content(new)))
        for f in rng.sample(alive, min(len(alive), rng.randint(1, 3))):
            if not any(op.startswith(f"R {f} ".encode()) or op.startswith(f"D {f}\n".encode()) for op in ops):
                ops.append(f"M 100644 inline {f}\n".encode() + data(content(f"{f}{made}")))
        main_head = commit("refs/heads/main", f"change {made}\n\nmore about change {made}\n", ops, [main_head])
        made += 1
    import subprocess as sp

    sp.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream), check=True,
           env={**os.environ, "HOME": str(path)})
    repo.git("reset", "-q", "--hard", "main")
    repo.clock = when
    return repo
