"""Reading a window of commits from the behavioural read model's own tables: the commits reachable
from a head (through ``behaviour_commits.parents``), those at or after ``since``, their changes, and
the tree at the head (its first-parent line's changes). Shared by the projection (which stores the
statistics of each default-branch head) and the queries (which compute any other window)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from projections.behaviour.stats import Change, CommitRow, Stats, compute, tree_at
from projections.process_cache import LatestPerProject
from projections.store import Tx

_ORDER = {"DELETE": 0, "RENAME": 1}


@dataclass(frozen=True)
class Graph:
    """Every recorded commit up to a head: parents (import orders, git's order) and the commit rows."""

    parents: dict[int, list[int]]
    rows: dict[int, CommitRow]

    def ancestry(self, head: int) -> set[int]:
        seen: set[int] = set()
        stack = [head]
        while stack:
            idx = stack.pop()
            if idx not in seen and idx in self.rows:
                seen.add(idx)
                stack.extend(self.parents.get(idx, ()))
        return seen

    def first_parent_line(self, head: int) -> list[int]:
        """The head's first-parent line, oldest first."""
        line: list[int] = []
        current: int | None = head
        while current is not None and current in self.rows:
            line.append(current)
            parents = self.parents.get(current)
            current = parents[0] if parents else None
        line.reverse()
        return line


def graph(tx: Tx, project_id: int, head: int) -> Graph:
    parents: dict[int, list[int]] = {}
    rows: dict[int, CommitRow] = {}
    for r in tx.fetchall(
        "SELECT idx, author_time, email_key, parents, is_merge FROM behaviour_commits "
        "WHERE project_id=%s AND idx <= %s",
        (project_id, head),
    ):
        idx = int(r["idx"])
        rows[idx] = CommitRow(idx, int(r["author_time"]), str(r["email_key"]), bool(r["is_merge"]))
        text = str(r["parents"])
        if text:
            parents[idx] = [int(p) for p in text.split(",") if int(p) >= 0]
    return Graph(parents, rows)


def changes_of(tx: Tx, project_id: int, head: int, since: int | None = None,
               only: set[int] | None = None) -> dict[int, list[Change]]:
    """The changes of the commits up to ``head`` (authored at or after ``since``; of ``only`` when given)."""
    if since is None:
        rows = tx.fetchall(
            "SELECT idx, kind, path, old_path FROM behaviour_changes WHERE project_id=%s AND idx <= %s",
            (project_id, head),
        )
    else:
        rows = tx.fetchall(
            "SELECT ch.idx, ch.kind, ch.path, ch.old_path FROM behaviour_changes ch JOIN behaviour_commits c "
            "ON c.project_id = ch.project_id AND c.idx = ch.idx WHERE c.project_id=%s AND c.idx <= %s "
            "AND c.author_time >= %s",
            (project_id, head, since),
        )
    out: dict[int, list[Change]] = {}
    for r in rows:
        idx = int(r["idx"])
        if only is not None and idx not in only:
            continue
        out.setdefault(idx, []).append((str(r["kind"]), str(r["path"]), r["old_path"]))
    for changes in out.values():
        changes.sort(key=lambda c: (_ORDER.get(c[0], 2), c[1]))  # deletions, then renames, then the rest
    return out


def stored_tree(tx: Tx, project_id: int) -> set[str]:
    return {str(r["path"]) for r in tx.fetchall("SELECT path FROM behaviour_tree WHERE project_id=%s", (project_id,))}


@dataclass
class _Loaded:
    """A project's commit graph and first-parent changes, loaded once per process and import state,
    with the ancestries asked for so far."""

    graph: Graph
    changes: dict[int, list[Change]]
    ancestries: dict[int, frozenset[int]]

    def ancestry(self, head: int) -> frozenset[int]:
        found = self.ancestries.get(head)
        if found is None:
            found = self.ancestries[head] = frozenset(self.graph.ancestry(head))
            while len(self.ancestries) > 16:
                self.ancestries.pop(next(iter(self.ancestries)))
        return found


_loaded: LatestPerProject[_Loaded] = LatestPerProject(size=2)  # projects whose history stays loaded here


def _load(tx: Tx, project_id: int) -> _Loaded:
    """Every recorded commit and change of the project. Rows are only ever added (a commit with its
    changes, in one transaction) until a new import generation clears them, so the import job and the
    number of commits and changes name what is loaded."""
    job = tx.scalar("SELECT job_uuid FROM behaviour_imports WHERE project_id=%s", (project_id,))
    commits = int(tx.scalar("SELECT COUNT(*) FROM behaviour_commits WHERE project_id=%s", (project_id,)) or 0)
    changed = int(tx.scalar("SELECT COUNT(*) FROM behaviour_changes WHERE project_id=%s", (project_id,)) or 0)
    key = (project_id, str(job), commits, changed)
    found = _loaded.get(project_id, key)
    if found is not None:
        return found
    g = graph(tx, project_id, 2**62)
    changes: dict[int, list[Change]] = {}
    intern = sys.intern
    for r in tx.fetchall("SELECT idx, kind, path, old_path FROM behaviour_changes WHERE project_id=%s",
                         (project_id,)):
        old = r["old_path"]
        changes.setdefault(int(r["idx"]), []).append(
            (intern(str(r["kind"])), intern(str(r["path"])), None if old is None else intern(str(old))))
    for rows in changes.values():
        rows.sort(key=lambda c: (_ORDER.get(c[0], 2), c[1]))  # deletions, then renames, then the rest
    loaded = _Loaded(g, changes, {})
    _loaded.put(project_id, key, loaded)
    return loaded


def window_stats(tx: Tx, project_id: int, head: int, since: int | None, pair_cap: int,
                 tree: set[str] | None = None) -> tuple[Stats, set[str]]:
    """The statistics of the window (reachable from ``head``, authored at or after ``since``) and the
    tree at ``head`` (``tree`` when the caller knows it). The project's commits and changes are read
    once per process and import state (``_load``)."""
    loaded = _load(tx, project_id)
    g = loaded.graph
    members = loaded.ancestry(head)
    in_window = members if since is None else {i for i in members if g.rows[i].author_time >= since}
    every = loaded.changes
    changes = {i: every[i] for i in in_window if i in every}
    if tree is None:
        line = g.first_parent_line(head)
        tree = tree_at(line, {i: every[i] for i in line if i in every})
    commits = [g.rows[i] for i in in_window]
    return compute(commits, changes, tree, pair_cap), tree
