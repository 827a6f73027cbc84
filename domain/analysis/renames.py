"""Pure rules over sets of files: pairing renames by content, and keeping names unique in order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def unique(names: Iterable[str]) -> list[str]:
    """The names in their first order, each once."""
    return list(dict.fromkeys(names))


def exact_renames(deleted: Mapping[str, str], added: Mapping[str, str]) -> dict[str, str]:
    """Renames with identical content (git's first pass): for each added path in path order, the first
    unused deleted path with the same blob, preferring one with the same file name. New -> old path."""
    by_blob: dict[str, list[str]] = {}
    for path in sorted(deleted):
        by_blob.setdefault(deleted[path], []).append(path)
    used: set[str] = set()
    out: dict[str, str] = {}
    for path in sorted(added):
        candidates = [p for p in by_blob.get(added[path], ()) if p not in used]
        if not candidates:
            continue
        name = path.rsplit("/", 1)[-1]
        same_name = [p for p in candidates if p.rsplit("/", 1)[-1] == name]
        old = (same_name or candidates)[0]
        used.add(old)
        out[path] = old
    return out
