"""Unified diffs in ``git diff`` format.

Lines are compared with a Myers (minimal) diff like git's default algorithm; changes are slid
down over equal lines as far as they go (git's compaction without the indent heuristic), hunks
have 3 lines of context and are joined when at most 6 lines apart, and hunk headers carry git's
default function-name context (the last line before the hunk starting with a letter, ``_`` or
``$``). Headers follow git: ``diff --git``, ``new file mode``, ``deleted file mode``,
``old mode``/``new mode``, ``similarity index`` with ``rename from``/``rename to``, ``index``,
``---``/``+++``; ``\\ No newline at end of file``; ``Binary files a/x and b/x differ``.
Content is decoded as UTF-8 with replacement characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from interfaces.history.model import ChangeKind, FileChange

__all__ = ["added_lines", "diff_lines", "file_diff", "is_binary", "unified_hunks"]

_FIRST_FEW_BYTES = 8000
_NULL_ID = "0" * 7
_MAX_EDIT_COST = 20_000  # beyond this many edits, diff the middle as one replaced block


def is_binary(data: bytes) -> bool:
    """git's rule: a NUL byte among the first 8000 bytes."""
    return b"\0" in data[:_FIRST_FEW_BYTES]


def _split_lines(data: bytes) -> list[bytes]:
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
        return [line + b"\n" for line in lines]
    return [line + b"\n" for line in lines[:-1]] + [lines[-1]]


def _myers(a: Sequence[int], b: Sequence[int]) -> list[tuple[int, int]] | None:
    """Matched (i, j) pairs of a shortest edit script (Myers 1986), None when it needs more
    than ``_MAX_EDIT_COST`` edits."""
    n, m = len(a), len(b)
    v: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(n + m + 1):
        if d > _MAX_EDIT_COST:
            return None
        trace.append(dict(v))
        done = False
        for k in range(-d, d + 1, 2):
            # down (b[y - 1] inserted) or right (a[x - 1] deleted), whichever reaches further
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[k] = x
            if x >= n and y >= m:
                done = True
                break
        if done:
            break
    pairs: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        before = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and before[k - 1] < before[k + 1]) else k - 1
        prev_x = before[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x -= 1
            y -= 1
            pairs.append((x, y))
        x, y = prev_x, prev_y
    pairs.reverse()
    return pairs


def diff_lines(a: Sequence[bytes], b: Sequence[bytes]) -> tuple[list[bool], list[bool]]:
    """(changed flags for a, changed flags for b) of a minimal diff, each run of changed lines
    slid down as far as equal lines allow (as git's compaction does)."""
    n, m = len(a), len(b)
    start = 0
    while start < n and start < m and a[start] == b[start]:
        start += 1
    end_a, end_b = n, m
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    ids: dict[bytes, int] = {}
    ia = [ids.setdefault(line, len(ids)) for line in a[start:end_a]]
    ib = [ids.setdefault(line, len(ids)) for line in b[start:end_b]]
    changed_a = [False] * n
    changed_b = [False] * m
    pairs = _myers(ia, ib)
    if pairs is None:  # a huge rewrite: everything between the common ends is changed
        pairs = []
    matched_a = {i + start for i, _ in pairs}
    matched_b = {j + start for _, j in pairs}
    for i in range(start, end_a):
        changed_a[i] = i not in matched_a
    for j in range(start, end_b):
        changed_b[j] = j not in matched_b
    _slide_down(a, changed_a)
    _slide_down(b, changed_b)
    return changed_a, changed_b


def _slide_down(lines: Sequence[bytes], changed: list[bool]) -> None:
    """Move each run of changed lines down while the line after it equals its first line.

    The unchanged lines keep the same contents in the same order, so they still pair with the
    other file's unchanged lines; this is how git places an ambiguous insertion or deletion.
    """
    n = len(lines)
    i = 0
    while i < n:
        if not changed[i]:
            i += 1
            continue
        start = i
        while i < n and changed[i]:
            i += 1
        end = i  # run [start, end)
        while end < n and not changed[end] and lines[start] == lines[end]:
            changed[start] = False
            changed[end] = True
            start += 1
            end += 1
            while end < n and changed[end]:  # ran into the next run: they are one now
                end += 1
        i = end


def _range(start: int, count: int) -> str:
    if count == 1:
        return str(start + 1)
    if count == 0:
        return f"{start},0"
    return f"{start + 1},{count}"


def _func_line(a: Sequence[bytes], before: int) -> bytes:
    for i in range(before - 1, -1, -1):
        line = a[i]
        if line[:1].isalpha() or line[:1] in (b"_", b"$"):
            return line[:80].rstrip()
    return b""


def unified_hunks(a: Sequence[bytes], b: Sequence[bytes], context: int = 3) -> list[bytes]:
    """The hunks (``@@`` headers and lines, each ending with a newline) of a diff of a and b."""
    changed_a, changed_b = diff_lines(a, b)
    # walk both files in step to build (op, line) with positions
    ops: list[tuple[str, int, int]] = []  # (' ', i, j) | ('-', i, j) | ('+', i, j)
    i = j = 0
    n, m = len(a), len(b)
    while i < n or j < m:
        if i < n and changed_a[i]:
            ops.append(("-", i, j))
            i += 1
        elif j < m and changed_b[j]:
            ops.append(("+", i, j))
            j += 1
        else:
            ops.append((" ", i, j))
            i += 1
            j += 1
    change_at = [k for k, op in enumerate(ops) if op[0] != " "]
    if not change_at:
        return []
    groups: list[tuple[int, int]] = []
    first = last = change_at[0]
    for k in change_at[1:]:
        if k - last - 1 > 2 * context:
            groups.append((first, last))
            first = k
        last = k
    groups.append((first, last))
    out: list[bytes] = []
    for first, last in groups:
        lo = max(0, first - context)
        hi = min(len(ops), last + context + 1)
        chunk = ops[lo:hi]
        old_start = chunk[0][1]
        new_start = chunk[0][2]
        old_count = sum(1 for op in chunk if op[0] != "+")
        new_count = sum(1 for op in chunk if op[0] != "-")
        func = _func_line(a, old_start)
        header = f"@@ -{_range(old_start, old_count)} +{_range(new_start, new_count)} @@".encode()
        out.append(header + (b" " + func if func else b"") + b"\n")
        for op, oi, nj in chunk:
            line = a[oi] if op in (" ", "-") else b[nj]
            out.append(op.encode() + line)
            if not line.endswith(b"\n"):
                out.append(b"\n\\ No newline at end of file\n")
    return out


def file_diff(
    change: FileChange,
    read_blob: Callable[[str], bytes],
    context: int = 3,
) -> str:
    """The ``git diff`` text of one FileChange."""
    old_path = change.old_path if change.old_path is not None else change.path
    new_path = change.path
    header: list[str] = [f"diff --git a/{old_path} b/{new_path}"]
    old_mode = change.old_mode
    new_mode = change.new_mode
    if change.kind is ChangeKind.ADD:
        header.append(f"new file mode {new_mode:o}")
    elif change.kind is ChangeKind.DELETE:
        header.append(f"deleted file mode {old_mode:o}")
    elif old_mode != new_mode and old_mode is not None and new_mode is not None:
        header.append(f"old mode {old_mode:o}")
        header.append(f"new mode {new_mode:o}")
    if change.kind is ChangeKind.RENAME:
        header.append(f"similarity index {change.similarity}%")
        header.append(f"rename from {old_path}")
        header.append(f"rename to {new_path}")
    old_data = read_blob(change.old_blob) if change.old_blob else b""
    new_data = read_blob(change.new_blob) if change.new_blob else b""
    if change.kind is ChangeKind.RENAME and change.old_blob == change.new_blob and old_mode == new_mode:
        return "\n".join(header) + "\n"
    old_id = change.old_blob[:7] if change.old_blob else _NULL_ID
    new_id = change.new_blob[:7] if change.new_blob else _NULL_ID
    index = f"index {old_id}..{new_id}"
    if (change.kind is ChangeKind.MODIFY and old_mode == new_mode) or (
        change.kind is ChangeKind.RENAME and old_mode == new_mode
    ):
        index += f" {new_mode:o}"
    header.append(index)
    a_name = "/dev/null" if change.kind is ChangeKind.ADD else f"a/{old_path}"
    b_name = "/dev/null" if change.kind is ChangeKind.DELETE else f"b/{new_path}"
    if is_binary(old_data) or is_binary(new_data):
        header.append(f"Binary files {a_name} and {b_name} differ")
        return "\n".join(header) + "\n"
    hunks = unified_hunks(_split_lines(old_data), _split_lines(new_data), context)
    if not hunks:
        return "\n".join(header) + "\n"
    header.append(f"--- {a_name}")
    header.append(f"+++ {b_name}")
    return "\n".join(header) + "\n" + b"".join(hunks).decode("utf-8", "replace")


def added_lines(change: FileChange, read_blob: Callable[[str], bytes]) -> list[int]:
    """The new-side line numbers (from 1) a change adds or changes against its old side, as
    ``git diff -U0`` shows them; [] for deletions, pure renames and binary files."""
    if change.kind is ChangeKind.DELETE or not change.new_blob:
        return []
    old_data = read_blob(change.old_blob) if change.old_blob else b""
    new_data = read_blob(change.new_blob)
    if is_binary(old_data) or is_binary(new_data):
        return []
    _, changed = diff_lines(_split_lines(old_data), _split_lines(new_data))
    return [number for number, flag in enumerate(changed, start=1) if flag]
