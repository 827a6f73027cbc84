"""Expected patch figures computed the independent way: ``git diff -U0`` hunks and the report itself."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def git_patch_lines(repo: Path, commit: str) -> dict[str, list[int]]:
    """Path -> new-side line numbers that ``git diff -U0 <commit>^ <commit>`` adds."""
    parents = subprocess.run(["git", "rev-list", "--parents", "-n1", commit], cwd=repo, check=True,
                             capture_output=True, text=True).stdout.split()[1:]
    base = parents[0] if parents else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
    out = subprocess.run(["git", "diff", "-U0", "--no-color", "--no-renames", base, commit], cwd=repo, check=True,
                         capture_output=True, text=True).stdout
    lines: dict[str, list[int]] = {}
    path: str | None = None
    for text in out.splitlines():
        if text.startswith("+++ "):
            path = None if text[4:] == "/dev/null" else text[6:]
        elif path is not None and (m := _HUNK.match(text)):
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            lines.setdefault(path, []).extend(range(start, start + count))
    return lines


def expected(patch: dict[str, list[int]], hits: dict[str, dict[int, int]]) -> dict[str, tuple[int, int, list[int]]]:
    """Repository path -> (patch covered, patch missed, missed patch lines) from line hit counts."""
    out = {}
    for path, counts in hits.items():
        lines = [n for n in patch.get(path, []) if n in counts]
        missed = [n for n in lines if counts[n] == 0]
        out[path] = (len(lines) - len(missed), len(missed), missed)
    return out
