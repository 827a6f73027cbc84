"""Queries the API (and other contexts) ask of the history read model.

Tables (all keyed by ``project_id``, the project's public numeric id; written only by
``projections/history/history.py`` from the ``history`` event log):

``history_imports``
    One row per project: its current import job (``job_uuid``, ``generation``), ``status`` (PENDING,
    RUNNING, DONE, FAILED), ``commits`` recorded so far, ``total`` when known, ``batches``,
    ``failure_reason``, ``worker``, ``refresh_requested``, ``vcs_online``, ``default_branch`` (the
    repository's HEAD), ``runs`` finished, ``created_at``/``updated_at``/``finished_at`` (ISO, UTC).
``history_commits``
    One row per recorded commit of the current generation. ``idx`` is the commit's place in import
    order (0, 1, 2, ...: parents always before children, so ``idx`` is a topological order and is
    fixed by the event log). ``hash`` (full hex), ``author_name``, ``author_email`` (as written),
    ``email_key`` (lower-cased: the contributor key), ``author_time`` and ``committer_time`` (epoch
    **milliseconds**), ``author_tz`` (seconds east of UTC), ``message`` (full), ``parent_count``,
    ``batch_seq``, ``reachable`` (from a ref as last recorded: views show only these), ``analyzed``
    (always FALSE here; the analysis context may set it from its own projection, and must replay
    its marks if this read model is rebuilt).
``history_commit_parents``
    ``(idx, position) -> parent_hash`` with ``parent_idx`` (NULL when the parent was not recorded,
    e.g. it is older than the project's startDate).
``history_file_changes``
    What each commit changed against its first parent, as git computes it with rename detection
    (``domain/history/records.py``; a merge's DELETEs and RENAMEs against its other parents are kept
    in the batch events only, see ``projections/history/history.py``): ``kind`` (ADD, MODIFY,
    DELETE, RENAME), ``path``, ``old_path`` (RENAME:
    the old path; DELETE: the deleted path), ``old_blob``/``new_blob`` (full hex), ``old_mode``/
    ``new_mode``, ``similarity``. A root commit lists every file as ADD.
``history_refs``
    The project's branches and tags as last recorded: ``ref`` (full name), ``name`` (short),
    ``is_tag``, ``commit_hash`` (annotated tags peeled), ``commit_idx``.
``history_contributors`` / ``history_contributor_emails`` / ``history_contributor_names``
    Contributors: ``id`` (fixed by the event log), ``display_name``, ``merged_into`` (set when merged
    away); each lower-cased e-mail belongs to one contributor; every (e-mail, name) seen with its
    ``seen`` order. They survive re-imports; a contributor is listed while one of its e-mails has a
    reachable commit.
``history_contributor_projects``
    Which project a ``ProjectContributors`` aggregate belongs to.

Commit hashes: lookups take a full hash or a prefix (at least 7 hex digits) and consider reachable
commits only. Ancestry is followed through ``history_commit_parents`` (:func:`ancestry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.history.records import ADD, MODIFY, RENAME
from projections.store import ReadStore, Row, Tx

COMMIT_COLUMNS = "c.idx, c.hash, c.author_name, c.author_email, c.email_key, c.author_time, c.message, c.analyzed"

_CHUNK = 500


def _commit(row: Row) -> dict[str, Any]:
    return {**row, "analyzed": bool(row["analyzed"])}


def _marks(values: Iterable[Any]) -> str:
    return ", ".join(["%s"] * len(list(values)))


# --- imports ----------------------------------------------------------------------------------------
def import_status(store: ReadStore, project_id: int) -> Row | None:
    return store.fetchone(
        "SELECT project_id, project_uuid, job_uuid, generation, status, commits, total, batches, failure_reason, "
        "worker, refresh_requested, vcs_online, default_branch, runs, created_at, updated_at, finished_at "
        "FROM history_imports WHERE project_id=%s",
        (project_id,),
    )


def imported_default_branches(store: ReadStore) -> dict[int, str]:
    """The default branch each project's import found in its repository (projects whose import found one)."""
    rows = store.fetchall("SELECT project_id, default_branch FROM history_imports WHERE default_branch IS NOT NULL")
    return {int(r["project_id"]): str(r["default_branch"]) for r in rows}


def recorded_hashes(store: ReadStore, project_id: int) -> set[str]:
    """Every commit recorded for the project's current generation, reachable or not."""
    return {str(r["hash"]) for r in store.fetchall("SELECT hash FROM history_commits WHERE project_id=%s",
                                                    (project_id,))}


# --- refs -------------------------------------------------------------------------------------------
def refs(store: ReadStore, project_id: int) -> list[Row]:
    """Branches (by name), then tags (by name): ``name``, ``ref``, ``is_tag``, ``commit_hash``, ``commit_idx``."""
    rows = store.fetchall(
        "SELECT name, ref, is_tag, commit_hash, commit_idx FROM history_refs WHERE project_id=%s", (project_id,)
    )
    out = [{**r, "is_tag": bool(r["is_tag"])} for r in rows]
    out.sort(key=lambda r: (r["is_tag"], r["name"]))
    return out


def ref_by_name(store: ReadStore, project_id: int, name: str) -> Row | None:
    """A branch by short name (``main``), else a tag by that name, else a full ref name."""
    for ref in (f"refs/heads/{name}", f"refs/tags/{name}", name):
        row = store.fetchone(
            "SELECT name, ref, is_tag, commit_hash, commit_idx FROM history_refs WHERE project_id=%s AND ref=%s",
            (project_id, ref),
        )
        if row is not None:
            return {**row, "is_tag": bool(row["is_tag"])}
    return None


# --- commits ----------------------------------------------------------------------------------------
def commits_by_prefix(store: ReadStore, project_id: int, prefix: str, limit: int = 2) -> list[dict[str, Any]]:
    """Reachable commits whose hash starts with ``prefix`` (lower-case hex), at most ``limit``."""
    rows = store.fetchall(
        f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.hash >= %s AND c.hash < %s "
        "AND c.reachable ORDER BY c.hash LIMIT %s",
        (project_id, prefix, prefix + "g", limit),
    )
    return [_commit(r) for r in rows]


def commit_at(store: ReadStore, project_id: int, idx: int) -> dict[str, Any] | None:
    row = store.fetchone(f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.idx=%s",
                         (project_id, idx))
    return None if row is None else _commit(row)


def ancestry(tx: Tx, project_id: int, head_idx: int) -> set[int]:
    """The import orders (``idx``) of every recorded commit in the ancestry of ``head_idx``, itself
    included. Parents are always recorded before their children, so only rows up to it are read."""
    parents: dict[int, list[int]] = {}
    for row in tx.fetchall(
        "SELECT idx, parent_idx FROM history_commit_parents WHERE project_id=%s AND idx <= %s "
        "AND parent_idx IS NOT NULL",
        (project_id, head_idx),
    ):
        parents.setdefault(int(row["idx"]), []).append(int(row["parent_idx"]))
    seen: set[int] = set()
    stack = [head_idx]
    while stack:
        idx = stack.pop()
        if idx not in seen:
            seen.add(idx)
            stack.extend(parents.get(idx, ()))
    return seen


def ancestry_commits(store: ReadStore, project_id: int, head_idx: int,
                     email_keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The commits in the ancestry of ``head_idx`` (itself included), newest first (author time, then
    import order); only those by the given lower-cased e-mails when ``email_keys`` is given."""
    where, params = "", []
    if email_keys is not None:
        keys = sorted(set(email_keys))
        if not keys:
            return []
        where = f" AND c.email_key IN ({_marks(keys)})"
        params = keys
    with store.read() as tx:
        members = ancestry(tx, project_id, head_idx)
        rows = tx.fetchall(
            f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.idx <= %s{where} "
            "ORDER BY c.author_time DESC, c.idx DESC",
            (project_id, head_idx, *params),
        )
    return [_commit(r) for r in rows if int(r["idx"]) in members]


def commit_log(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    """Every reachable commit, newest first, with ``parents`` (full hashes, git's order) and ``refs``
    (rows of :func:`refs` pointing at it)."""
    with store.read() as tx:
        rows = tx.fetchall(
            f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.reachable "
            "ORDER BY c.author_time DESC, c.idx DESC",
            (project_id,),
        )
        parents: dict[int, list[str]] = {}
        for p in tx.fetchall(
            "SELECT p.idx, p.parent_hash FROM history_commit_parents p JOIN history_commits c "
            "ON c.project_id = p.project_id AND c.idx = p.idx WHERE p.project_id=%s AND c.reachable "
            "ORDER BY p.idx, p.position",
            (project_id,),
        ):
            parents.setdefault(int(p["idx"]), []).append(str(p["parent_hash"]))
    by_commit: dict[str, list[Row]] = {}
    for ref in refs(store, project_id):
        by_commit.setdefault(str(ref["commit_hash"]), []).append(ref)
    return [
        {**_commit(r), "parents": parents.get(int(r["idx"]), []), "refs": by_commit.get(str(r["hash"]), [])}
        for r in rows
    ]


def commit_changes(store: ReadStore, project_id: int, idx: int) -> list[Row]:
    """A commit's file changes against its first parent (the read model keeps only those), by path."""
    return store.fetchall(
        "SELECT kind, path, old_path, old_blob, new_blob, old_mode, new_mode, similarity "
        "FROM history_file_changes WHERE project_id=%s AND idx=%s ORDER BY path",
        (project_id, idx),
    )


def commits_in_order(store: ReadStore, project_id: int, after_idx: int = -1, limit: int = 1000) -> list[Row]:
    """Recorded commits in import order (parents first) after ``after_idx``: ``idx``, ``hash``,
    ``author_time``, ``reachable``, ``parents`` (full hashes) - for process managers (analysis)."""
    with store.read() as tx:
        rows = tx.fetchall(
            "SELECT idx, hash, author_time, reachable FROM history_commits WHERE project_id=%s AND idx > %s "
            "ORDER BY idx LIMIT %s",
            (project_id, after_idx, limit),
        )
        if not rows:
            return []
        parents: dict[int, list[str]] = {}
        for p in tx.fetchall(
            "SELECT idx, parent_hash FROM history_commit_parents WHERE project_id=%s AND idx > %s AND idx <= %s "
            "ORDER BY idx, position",
            (project_id, after_idx, int(rows[-1]["idx"])),
        ):
            parents.setdefault(int(p["idx"]), []).append(str(p["parent_hash"]))
    return [{**r, "reachable": bool(r["reachable"]), "parents": parents.get(int(r["idx"]), [])} for r in rows]


# --- contributors -----------------------------------------------------------------------------------
def _assemble(tx: Tx, project_id: int, rows: list[Row]) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    emails: dict[int, list[tuple[int, str]]] = {}
    owner: dict[str, int] = {}
    for row in tx.fetchall(
        f"SELECT email, contributor_id, seen FROM history_contributor_emails WHERE project_id=%s "
        f"AND contributor_id IN ({_marks(ids)})",
        (project_id, *ids),
    ):
        emails.setdefault(int(row["contributor_id"]), []).append((int(row["seen"]), str(row["email"])))
        owner[str(row["email"])] = int(row["contributor_id"])
    names: dict[int, list[tuple[int, str]]] = {}
    for row in tx.fetchall("SELECT email, name, seen FROM history_contributor_names WHERE project_id=%s",
                           (project_id,)):
        contributor = owner.get(str(row["email"]))
        if contributor is not None:
            names.setdefault(contributor, []).append((int(row["seen"]), str(row["name"])))
    out = []
    for r in rows:
        cid = int(r["id"])
        out.append({
            "id": cid,
            "project_id": int(r["project_id"]),
            "display_name": str(r["display_name"]),
            "names": list(dict.fromkeys(n for _, n in sorted(names.get(cid, [])))),
            "emails": [e for _, e in sorted(emails.get(cid, []))],
        })
    return out


def contributors(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    """The project's contributors with at least one reachable commit, by id: ``id``, ``display_name``,
    ``names`` (first seen first), ``emails`` (lower-cased, first seen first)."""
    with store.read() as tx:
        rows = tx.fetchall(
            "SELECT c.id, c.project_id, c.display_name FROM history_contributors c WHERE c.project_id=%s "
            "AND c.merged_into IS NULL AND EXISTS (SELECT 1 FROM history_contributor_emails e "
            "JOIN history_commits m ON m.project_id = e.project_id AND m.email_key = e.email "
            "WHERE e.project_id = c.project_id AND e.contributor_id = c.id AND m.reachable) ORDER BY c.id",
            (project_id,),
        )
        return _assemble(tx, project_id, rows)


def contributor(store: ReadStore, contributor_id: int) -> dict[str, Any] | None:
    """One contributor (not merged away), with its ``project_id``."""
    with store.read() as tx:
        row = tx.fetchone(
            "SELECT id, project_id, display_name FROM history_contributors WHERE id=%s AND merged_into IS NULL",
            (contributor_id,),
        )
        if row is None:
            return None
        return _assemble(tx, int(row["project_id"]), [row])[0]


def contributors_by_id(store: ReadStore, project_id: int, ids: Iterable[int]) -> list[dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    with store.read() as tx:
        rows = tx.fetchall(
            f"SELECT id, project_id, display_name FROM history_contributors WHERE project_id=%s "
            f"AND merged_into IS NULL AND id IN ({_marks(wanted)}) ORDER BY id",
            (project_id, *wanted),
        )
        return _assemble(tx, project_id, rows)


def contributor_of_email(store: ReadStore, project_id: int, email: str) -> int | None:
    value = store.scalar("SELECT contributor_id FROM history_contributor_emails WHERE project_id=%s AND email=%s",
                         (project_id, email.lower()))
    return None if value is None else int(value)


def contributor_emails(store: ReadStore, project_id: int) -> dict[str, int]:
    """Lower-cased e-mail -> contributor id, for the whole project."""
    return {str(r["email"]): int(r["contributor_id"]) for r in store.fetchall(
        "SELECT email, contributor_id FROM history_contributor_emails WHERE project_id=%s", (project_id,))}


def emails_of_contributor(store: ReadStore, project_id: int, contributor_id: int) -> list[str]:
    return [str(r["email"]) for r in store.fetchall(
        "SELECT email FROM history_contributor_emails WHERE project_id=%s AND contributor_id=%s ORDER BY seen",
        (project_id, contributor_id))]


# --- file histories (contributors per path, critical files) ------------------------------------------
@dataclass
class FileTouch:
    """A commit that changed a file (not a merge): its import order, author and time (epoch ms)."""

    idx: int
    email_key: str
    author_time: int


@dataclass
class FileHistory:
    path: str
    touches: list[FileTouch] = field(default_factory=list)  # newest (highest idx) first


def file_histories(store: ReadStore, project_id: int, head_idx: int, paths: Iterable[str]) -> dict[str, FileHistory]:
    """For each path alive at the commit ``head_idx``: the commits in its ancestry that changed that
    file (added, modified, or renamed it) under its current name or any earlier name (renames are
    followed back: a change to ``old`` before the commit that renamed ``old`` to ``new`` counts for
    ``new``). Merge commits are left out (their changes are the merged commits'). Deletions of an
    earlier file at the same path do not count."""
    targets = set(paths)
    if not targets:
        return {}
    with store.read() as tx:
        members = ancestry(tx, project_id, head_idx)
        renames = tx.fetchall(
            "SELECT idx, path, old_path FROM history_file_changes WHERE project_id=%s AND idx <= %s "
            "AND kind = %s ORDER BY idx DESC",
            (project_id, head_idx, RENAME),
        )
        # name -> [(file it stands for, valid for commits with idx below this)]
        names: dict[str, list[tuple[str, float]]] = {t: [(t, float("inf"))] for t in targets}
        for r in renames:
            idx, new, old = int(r["idx"]), str(r["path"]), r["old_path"]
            if old is None or idx not in members:
                continue
            for target, until in list(names.get(new, ())):
                if idx < until:
                    names.setdefault(str(old), []).append((target, idx))
        select = (
            "SELECT f.idx, f.path, c.email_key, c.author_time FROM history_file_changes f "
            "JOIN history_commits c ON c.project_id = f.project_id AND c.idx = f.idx "
            "WHERE f.project_id=%s AND f.idx <= %s AND c.parent_count <= 1 AND f.kind IN (%s, %s, %s)"
        )
        base = (project_id, head_idx, ADD, MODIFY, RENAME)
        rows: list[Row] = []
        wanted = sorted(names)
        if len(wanted) <= _CHUNK:
            rows = tx.fetchall(select + f" AND f.path IN ({_marks(wanted)})", (*base, *wanted))
        else:
            rows = tx.fetchall(select, base)
    histories = {t: FileHistory(t) for t in targets}
    seen: set[tuple[str, int]] = set()
    for r in sorted(rows, key=lambda row: -int(row["idx"])):
        idx = int(r["idx"])
        if idx not in members:
            continue
        for target, until in names.get(str(r["path"]), ()):
            if idx < until and (target, idx) not in seen:
                seen.add((target, idx))
                histories[target].touches.append(FileTouch(idx, str(r["email_key"]), int(r["author_time"])))
    return histories


def commits_by_idx(store: ReadStore, project_id: int, indexes: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(indexes))
    out: dict[int, dict[str, Any]] = {}
    with store.read() as tx:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            for r in tx.fetchall(
                f"SELECT {COMMIT_COLUMNS} FROM history_commits c WHERE c.project_id=%s AND c.idx IN ({_marks(chunk)})",
                (project_id, *chunk),
            ):
                out[int(r["idx"])] = _commit(r)
    return out

