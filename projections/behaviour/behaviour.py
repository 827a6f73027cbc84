"""Read model of behavioural code analysis (hotspots, coupling, ownership, truck factor, code age).

Follows the ``history`` log on its own (it never reads another read model, so it rebuilds alone):

- every recorded commit with what the analysis needs (author time, lower-cased e-mail, parents as
  import orders, merge or not) and its first-parent file changes (kind, path, old path);
- when an import run finishes, the statistics of the default branch's head over its whole history
  (``behaviour_files``: revisions, last change, commits per e-mail and per changeset size, for each
  file present at the head; ``behaviour_pairs``: files changed together at least
  :data:`PAIR_MIN_SHARED` times by commits of at most :data:`PAIR_CAP` files, shared commits per
  changeset size; ``behaviour_tree``: the files at the head).

Queries about that head without ``since`` read those rows; every other window (a ``since``, another
commit, a ``maxChangesetSize`` above :data:`PAIR_CAP`, a ``minShared`` below :data:`PAIR_MIN_SHARED`)
is computed from the commit and change rows.
Contributors are resolved from e-mails at query time, so merging contributors needs no rebuild.
"""

from __future__ import annotations

from typing import Any

from domain.history.import_job import CommitBatch, ImportJob
from domain.history.records import packed_commits
from projections.behaviour.stats import encode_authors, encode_counts
from projections.behaviour.window import window_stats
from projections.projection import Envelope, Projection, handles
from projections.store import Tx, indexes_by_hash, insert_many

PAIR_CAP = 50  # commits of more files than this are not kept in the stored pairs
PAIR_MIN_SHARED = 2  # pairs changed together fewer times are not stored (a query asking for them computes)
DATA_TABLES = ("behaviour_commits", "behaviour_changes", "behaviour_refs")
SNAPSHOT_TABLES = ("behaviour_heads", "behaviour_tree", "behaviour_files", "behaviour_pairs")
_LOOKUP_CHUNK = 500


class BehaviourProjection(Projection):
    name = "behaviour"
    version = 1
    follows = ("history",)
    tables = {
        "behaviour_imports": """CREATE TABLE behaviour_imports (
            project_id BIGINT PRIMARY KEY, job_uuid TEXT NOT NULL UNIQUE, generation BIGINT NOT NULL)""",
        "behaviour_refs": """CREATE TABLE behaviour_refs (
            project_id BIGINT NOT NULL, ref TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (project_id, ref))""",
        "behaviour_commits": """CREATE TABLE behaviour_commits (
            project_id BIGINT NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, author_time BIGINT NOT NULL,
            email_key TEXT NOT NULL, parents TEXT NOT NULL, is_merge BOOLEAN NOT NULL,
            PRIMARY KEY (project_id, idx))""",
        "behaviour_changes": """CREATE TABLE behaviour_changes (
            project_id BIGINT NOT NULL, idx BIGINT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, old_path TEXT)""",
        "behaviour_heads": """CREATE TABLE behaviour_heads (
            project_id BIGINT PRIMARY KEY, ref TEXT NOT NULL, head_idx BIGINT NOT NULL, head_hash TEXT NOT NULL,
            pair_cap BIGINT NOT NULL)""",
        "behaviour_tree": """CREATE TABLE behaviour_tree (
            project_id BIGINT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (project_id, path))""",
        "behaviour_files": """CREATE TABLE behaviour_files (
            project_id BIGINT NOT NULL, path TEXT NOT NULL, revisions BIGINT NOT NULL, last_change BIGINT NOT NULL,
            authors TEXT NOT NULL, sizes TEXT NOT NULL, PRIMARY KEY (project_id, path))""",
        "behaviour_pairs": """CREATE TABLE behaviour_pairs (
            project_id BIGINT NOT NULL, path TEXT NOT NULL, coupled TEXT NOT NULL, shared BIGINT NOT NULL,
            sizes TEXT NOT NULL)""",
    }
    indexes = [
        "CREATE UNIQUE INDEX behaviour_commits_hash ON behaviour_commits (project_id, hash)",
        "CREATE INDEX behaviour_commits_time ON behaviour_commits (project_id, author_time)",
        "CREATE INDEX behaviour_changes_commit ON behaviour_changes (project_id, idx)",
        "CREATE INDEX behaviour_pairs_shared ON behaviour_pairs (project_id, shared)",
    ]

    @staticmethod
    def _project(tx: Tx, job_uuid: str) -> int | None:
        value = tx.scalar("SELECT project_id FROM behaviour_imports WHERE job_uuid=%s", (job_uuid,))
        return None if value is None else int(value)

    @staticmethod
    def _clear(tx: Tx, project_id: int, tables: tuple[str, ...]) -> None:
        for table in tables:
            tx.write(f"DELETE FROM {table} WHERE project_id=%s", (project_id,))

    @handles(ImportJob.Created)
    def job_created(self, tx: Tx, e: Envelope[ImportJob.Created]) -> None:
        ev = e.event
        project_id = int(ev.project_num)
        generation = tx.scalar("SELECT generation FROM behaviour_imports WHERE project_id=%s", (project_id,))
        if generation is not None:
            if int(generation) >= int(ev.generation):
                return  # an older generation created late
            self._clear(tx, project_id, (*DATA_TABLES, *SNAPSHOT_TABLES, "behaviour_imports"))
        tx.write("INSERT INTO behaviour_imports (project_id, job_uuid, generation) VALUES (%s, %s, %s)",
                 (project_id, str(ev.originator_id), int(ev.generation)))

    @handles(ImportJob.Cancelled)
    def job_cancelled(self, tx: Tx, e: Envelope[ImportJob.Cancelled]) -> None:
        project_id = self._project(tx, str(e.event.originator_id))
        if project_id is not None:
            self._clear(tx, project_id, (*DATA_TABLES, *SNAPSHOT_TABLES, "behaviour_imports"))

    @handles(CommitBatch.Created)
    def batch_created(self, tx: Tx, e: Envelope[CommitBatch.Created]) -> None:
        ev = e.event
        project_id = self._project(tx, str(ev.job_id))
        if project_id is None:
            return  # a superseded job's batch
        base = int(ev.first_index)
        facts = packed_commits(ev.commits)
        in_batch: dict[str, int] = {}
        unresolved: set[str] = set()
        for i, f in enumerate(facts):
            in_batch[f.hash] = base + i
        for f in facts:
            unresolved.update(p for p in f.parents if p not in in_batch)
        known = self._indexes(tx, project_id, unresolved) if unresolved else {}
        commits: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        for i, f in enumerate(facts):
            idx = base + i
            parents = [in_batch.get(p, known.get(p, -1)) for p in f.parents]
            commits.append((project_id, idx, f.hash, int(f.author_time) * 1000, str(f.author_email).lower(),
                            ",".join(str(p) for p in parents), len(parents) > 1))
            for kind, path, old_path, _, _, _, _, _, parent in f.changes:
                if not parent:  # against the first parent only
                    changes.append((project_id, idx, kind, path, old_path if kind == "RENAME" else None))
        insert_many(tx, "behaviour_commits",
                    ("project_id", "idx", "hash", "author_time", "email_key", "parents", "is_merge"), commits)
        insert_many(tx, "behaviour_changes", ("project_id", "idx", "kind", "path", "old_path"), changes)

    @staticmethod
    def _indexes(tx: Tx, project_id: int, hashes: set[str]) -> dict[str, int]:
        return indexes_by_hash(tx, "behaviour_commits", project_id, hashes, _LOOKUP_CHUNK)

    @handles(ImportJob.Finished)
    def job_finished(self, tx: Tx, e: Envelope[ImportJob.Finished]) -> None:
        ev = e.event
        project_id = self._project(tx, str(ev.originator_id))
        if project_id is None:
            return
        for ref in ev.removed:
            tx.write("DELETE FROM behaviour_refs WHERE project_id=%s AND ref=%s", (project_id, ref))
        for ref, sha in sorted(dict(ev.refs).items()):
            tx.write("DELETE FROM behaviour_refs WHERE project_id=%s AND ref=%s", (project_id, ref))
            tx.write("INSERT INTO behaviour_refs (project_id, ref, hash) VALUES (%s, %s, %s)", (project_id, ref, sha))
        if not ev.default_branch:
            return
        ref = f"refs/heads/{ev.default_branch}"
        head = tx.fetchone(
            "SELECT c.idx, c.hash FROM behaviour_refs r JOIN behaviour_commits c ON c.project_id = r.project_id "
            "AND c.hash = r.hash WHERE r.project_id=%s AND r.ref=%s", (project_id, ref))
        if head is None:
            return
        stored = tx.fetchone("SELECT ref, head_idx, pair_cap FROM behaviour_heads WHERE project_id=%s", (project_id,))
        if stored is not None and stored["ref"] == ref and int(stored["head_idx"]) == int(head["idx"]) \
                and int(stored["pair_cap"]) == PAIR_CAP:
            return  # nothing new on the default branch
        self.store_head(tx, project_id, ref, int(head["idx"]), str(head["hash"]))

    @classmethod
    def store_head(cls, tx: Tx, project_id: int, ref: str, head_idx: int, head_hash: str) -> None:
        stats, tree = window_stats(tx, project_id, head_idx, None, PAIR_CAP)
        for table in SNAPSHOT_TABLES:
            tx.execute(f"DELETE FROM {table} WHERE project_id=%s", (project_id,))
        tx.execute("INSERT INTO behaviour_heads (project_id, ref, head_idx, head_hash, pair_cap) "
                   "VALUES (%s, %s, %s, %s, %s)", (project_id, ref, head_idx, head_hash, PAIR_CAP))
        insert_many(tx, "behaviour_tree", ("project_id", "path"), [(project_id, p) for p in sorted(tree)])
        insert_many(tx, "behaviour_files", ("project_id", "path", "revisions", "last_change", "authors", "sizes"), [
            (project_id, path, s.revisions, s.last_change,
             encode_authors(s.authors), encode_counts(s.sizes))
            for path, s in stats.files.items()
        ])
        insert_many(tx, "behaviour_pairs", ("project_id", "path", "coupled", "shared", "sizes"), [
            (project_id, a, b, shared, encode_counts(counts)) for (a, b), counts in stats.pairs.items()
            if (shared := sum(counts.values())) >= PAIR_MIN_SHARED
        ])
