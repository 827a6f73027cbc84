"""Queries of the behavioural read model (``projections/behaviour/behaviour.py``).

Tables (keyed by ``project_id``):

``behaviour_imports``
    The project's current import job (``job_uuid``, ``generation``).
``behaviour_refs``
    ``ref`` (full name) -> ``hash``, as the last finished import run left them.
``behaviour_commits``
    Every recorded commit: ``idx`` (import order, parents first), ``hash``, ``author_time`` (epoch ms),
    ``email_key`` (lower-cased), ``parents`` (import orders, git's order, comma-separated; -1 for a
    parent not recorded), ``is_merge``.
``behaviour_changes``
    Each commit's changes against its first parent: ``kind`` (ADD, MODIFY, DELETE, RENAME), ``path``,
    ``old_path`` (RENAME only).
``behaviour_heads``
    The default branch's head whose statistics are stored (``ref``, ``head_idx``, ``head_hash``,
    ``pair_cap``).
``behaviour_tree``
    The paths present at that head.
``behaviour_files``
    Per file present at that head and changed in its history: ``revisions``, ``last_change`` (epoch
    ms), ``authors`` (``email<TAB>commits`` lines), ``sizes`` (``size:commits,...``: commits by the
    number of files they change).
``behaviour_pairs``
    Files changed together (``path < coupled``) by commits of at most ``pair_cap`` files, at least
    ``PAIR_MIN_SHARED`` (2) times: ``shared`` (all of them), ``sizes`` (by commit size).
"""

from __future__ import annotations

from projections.behaviour.behaviour import PAIR_MIN_SHARED
from projections.behaviour.stats import FileStat, Stats, decode_authors, decode_counts
from projections.behaviour.window import stored_tree, window_stats
from projections.process_cache import LatestPerProject
from projections.store import ReadStore, Row, Tx


def stored_head(store: ReadStore, project_id: int) -> Row | None:
    return store.fetchone("SELECT ref, head_idx, head_hash, pair_cap FROM behaviour_heads WHERE project_id=%s",
                          (project_id,))


# projects whose stored head statistics stay decoded in this process
_stored_cache: LatestPerProject[tuple[dict[str, FileStat], dict[tuple[str, str], tuple[int, dict[int, int]]]]] = \
    LatestPerProject(size=8)


def _stored_stats(tx: Tx, project_id: int, head: Row) -> tuple[dict[str, FileStat],
                                                                dict[tuple[str, str], tuple[int, dict[int, int]]]]:
    """The stored head's file and pair rows, decoded once per process and head: the rows change only
    when the head moves (a new ``behaviour_heads`` row) or the model is rebuilt (the same answers).
    Callers must not change what they are given."""
    key = (project_id, int(head["head_idx"]), str(head["head_hash"]), int(head["pair_cap"]),
           int(tx.scalar("SELECT COUNT(*) FROM behaviour_files WHERE project_id=%s", (project_id,)) or 0))
    found = _stored_cache.get(project_id, key)
    if found is not None:
        return found
    files = {
        str(r["path"]): FileStat(int(r["revisions"]), int(r["last_change"]), decode_authors(str(r["authors"])),
                                 decode_counts(str(r["sizes"])))
        for r in tx.fetchall(
            "SELECT path, revisions, last_change, authors, sizes FROM behaviour_files WHERE project_id=%s",
            (project_id,))
    }
    pairs = {(str(r["path"]), str(r["coupled"])): (int(r["shared"]), decode_counts(str(r["sizes"])))
             for r in tx.fetchall("SELECT path, coupled, shared, sizes FROM behaviour_pairs WHERE project_id=%s",
                                  (project_id,))}
    _stored_cache.put(project_id, key, (files, pairs))
    return files, pairs


def stats(store: ReadStore, project_id: int, head_idx: int, since: int | None = None,
          pairs: int | None = None, min_shared: int = 1) -> Stats:
    """The statistics of the window reachable from ``head_idx`` and authored at or after ``since``;
    with the pairs of files changed together by commits of at most ``pairs`` files (with at least
    ``min_shared`` such commits: fewer may be left out) when ``pairs`` is given.

    The default branch's head without ``since`` is read from the stored statistics (decoded once per
    process and head); any other window is computed from the commit rows (the stored tree serves a
    ``since`` at that head)."""
    head = stored_head(store, project_id)
    at_head = head is not None and int(head["head_idx"]) == head_idx
    cap = 0 if pairs is None else pairs
    with store.read() as tx:
        if head is not None and at_head and since is None and (
                pairs is None or (cap <= int(head["pair_cap"]) and min_shared >= PAIR_MIN_SHARED)):
            files, stored_pairs = _stored_stats(tx, project_id, head)
            found: dict[tuple[str, str], dict[int, int]] = {}
            if pairs is not None:
                least = max(1, min_shared)
                found = {pair: sizes for pair, (shared, sizes) in stored_pairs.items() if shared >= least}
            return Stats(dict(files), found, int(head["pair_cap"]))
        tree = stored_tree(tx, project_id) if at_head else None
        result, _ = window_stats(tx, project_id, head_idx, since, cap, tree)
        return result
