"""Real git repositories for the git adapter's tests, built with the ``git`` CLI, and parsers of
what ``git`` itself says about them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

AUTHORS = {
    "alice": ("Alice Example", "alice@example.com"),
    "bob": ("Bob Builder", "Bob@Example.org"),
    "chloé": ("Chloé Dupont", "chloe@example.fr"),
}


def run_git(cwd: Path, *args: str, env: Mapping[str, str] | None = None, input: bytes | None = None) -> bytes:
    full_env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
        **(env or {}),
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=full_env, input=input, capture_output=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


@dataclass
class GitRepo:
    """A working repository with deterministic commit times (one minute apart)."""

    path: Path
    clock: int = 1_700_000_000
    commits: dict[str, str] = field(default_factory=dict)  # label -> hash

    @classmethod
    def init(cls, path: Path, branch: str = "main") -> GitRepo:
        path.mkdir(parents=True, exist_ok=True)
        run_git(path, "init", "-q", "-b", branch)
        run_git(path, "config", "core.autocrlf", "false")
        run_git(path, "config", "user.name", "Committer")
        run_git(path, "config", "user.email", "committer@example.com")
        return cls(path)

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        return run_git(self.path, "-c", "core.quotePath=false", *args, env=env).decode("utf-8")

    def write(self, name: str, content: str | bytes) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    def remove(self, name: str) -> None:
        self.git("rm", "-q", "--", name)

    def move(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)

    def commit(
        self,
        message: str,
        author: str = "alice",
        label: str | None = None,
        tz: str = "+0200",
        allow_empty: bool = False,
        stage: bool = True,
    ) -> str:
        self.clock += 60
        name, email = AUTHORS[author]
        date = f"{self.clock} {tz}"
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": "Committer",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_COMMITTER_DATE": date,
        }
        if stage:
            self.git("add", "-A")
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, env=env)
        sha = self.head()
        if label:
            self.commits[label] = sha
        return sha

    def merge(self, branch: str, message: str, label: str | None = None, author: str = "bob") -> str:
        """Merge ``branch`` without committing; the caller may change files, then we commit."""
        self.clock += 60
        name, email = AUTHORS[author]
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": f"{self.clock} +0000",
            "GIT_COMMITTER_NAME": "Committer",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_COMMITTER_DATE": f"{self.clock} +0000",
        }
        self.git("merge", "-q", "--no-ff", "--no-edit", "-m", message, branch, env=env)
        sha = self.head()
        if label:
            self.commits[label] = sha
        return sha

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


# --------------------------------------------------------------------------------------------
# what git says


@dataclass(frozen=True)
class GitChange:
    status: str  # A, M, D, R (T shows up as M)
    path: str
    old_path: str | None = None
    score: int | None = None


def diff_tree(repo: Path, old: str | None, new: str, threshold: int = 60) -> set[GitChange]:
    """``git diff-tree -r -M<threshold>%`` (``--root`` when ``old`` is None), gitlinks left out."""
    args = ["-c", "core.quotePath=false", "diff-tree", "-r", "-z", f"-M{threshold}%", "--raw", "--no-abbrev"]
    args += ["--root", new] if old is None else [old, new]
    out = run_git(repo, *args).decode("utf-8", "surrogateescape")
    fields = out.split("\0")
    if old is None and fields and fields[0] == new:
        fields = fields[1:]
    changes: set[GitChange] = set()
    i = 0
    while i < len(fields) - 1:
        meta = fields[i]
        if not meta.startswith(":"):
            i += 1
            continue
        old_mode, new_mode, _, _, status = meta[1:].split(" ")
        if status.startswith(("R", "C")):
            old_path, path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path, path = None, fields[i + 1]
            i += 2
        if "160000" in (old_mode, new_mode):
            continue
        kind = status[0]
        if kind == "R":
            changes.add(GitChange("R", path, old_path, int(status[1:])))
        elif kind in "MT":
            changes.add(GitChange("M", path))
        else:
            changes.add(GitChange(kind, path))
    return changes


def rev_list(repo: Path, *args: str) -> list[str]:
    return run_git(repo, "rev-list", *args).decode().split()
