"""Read model of imported git history: imports, commits, parents, file changes, refs, contributors.

The tables are described in ``projections/history/queries.py``. Rows are keyed by the project's
public numeric id (carried in the events). Only the current generation's import shows: a newer
generation's ``ImportJob.Created`` clears the project's commits, file changes and refs, and batches
of a superseded job are ignored. Contributors (and their merges and names) survive re-imports.

Commits are recorded unreachable; when a run finishes (``ImportJob.Finished``, which carries the refs
as they are now) the projection marks every commit reachable from a ref, so a half-imported run is
never shown, and commits a force-push left behind disappear from the views.

File changes: the read model keeps each commit's changes against its first parent, the ones every
view reads (changed files, file histories, contributors per path, critical files, the analysis). A
merge's DELETEs and RENAMEs against its other parents stay in the batch events only: no view reads
them, and in a history with long-lived branches merged again and again they are nine in ten of all
changes (the same ones repeated at every merge: 2.5 of spring-boot's 2.7 million).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.domain import DomainEvent

from domain.history.contributors import ProjectContributors
from domain.history.import_job import CommitBatch, ImportJob
from domain.history.records import packed_commits
from projections.projection import Envelope, Projection, handles
from projections.store import Tx, indexes_by_hash, insert_many

# A contributor id (and the order names were first seen in) is fixed by the event log: the position of
# the batch event where the e-mail (or name) first appeared, times this, plus the commit's place in it.
SEEN_FACTOR = 1024
PROJECT_DATA_TABLES = ("history_commits", "history_commit_parents", "history_file_changes", "history_refs")
CONTRIBUTOR_TABLES = ("history_contributors", "history_contributor_emails", "history_contributor_names")
_LOOKUP_CHUNK = 500
COMMIT_COLUMNS = ("project_id", "idx", "hash", "author_name", "author_email", "email_key", "author_time", "author_tz",
                  "committer_time", "message", "parent_count", "batch_seq", "reachable", "analyzed")
PARENT_COLUMNS = ("project_id", "idx", "position", "parent_hash", "parent_idx")
CHANGE_COLUMNS = ("project_id", "idx", "kind", "path", "old_path", "old_blob", "new_blob", "old_mode",
                  "new_mode", "similarity")


def ref_name(ref: str) -> tuple[str, bool]:
    """(short name, is a tag) of a full ref name."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/"):], False
    if ref.startswith("refs/tags/"):
        return ref[len("refs/tags/"):], True
    return ref, False


class HistoryProjection(Projection):
    name = "history"
    version = 6
    follows = ("history",)
    tables = {
        "history_imports": """CREATE TABLE history_imports (
            project_id BIGINT PRIMARY KEY, project_uuid TEXT NOT NULL, job_uuid TEXT NOT NULL UNIQUE,
            generation BIGINT NOT NULL, status TEXT NOT NULL, commits BIGINT NOT NULL, total BIGINT,
            batches BIGINT NOT NULL, failure_reason TEXT, worker TEXT, refresh_requested BOOLEAN NOT NULL,
            vcs_online BOOLEAN NOT NULL, default_branch TEXT, runs BIGINT NOT NULL, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, finished_at TEXT)""",
        "history_commits": """CREATE TABLE history_commits (
            project_id BIGINT NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, author_name TEXT NOT NULL,
            author_email TEXT NOT NULL, email_key TEXT NOT NULL, author_time BIGINT NOT NULL,
            author_tz BIGINT NOT NULL, committer_time BIGINT NOT NULL, message TEXT NOT NULL,
            parent_count BIGINT NOT NULL, batch_seq BIGINT NOT NULL, reachable BOOLEAN NOT NULL,
            analyzed BOOLEAN NOT NULL, PRIMARY KEY (project_id, idx))""",
        "history_commit_parents": """CREATE TABLE history_commit_parents (
            project_id BIGINT NOT NULL, idx BIGINT NOT NULL, position BIGINT NOT NULL, parent_hash TEXT NOT NULL,
            parent_idx BIGINT, PRIMARY KEY (project_id, idx, position))""",
        "history_file_changes": """CREATE TABLE history_file_changes (
            project_id BIGINT NOT NULL, idx BIGINT NOT NULL, kind TEXT NOT NULL,
            path TEXT NOT NULL, old_path TEXT, old_blob TEXT, new_blob TEXT, old_mode BIGINT, new_mode BIGINT,
            similarity BIGINT)""",
        "history_refs": """CREATE TABLE history_refs (
            project_id BIGINT NOT NULL, ref TEXT NOT NULL, name TEXT NOT NULL, is_tag BOOLEAN NOT NULL,
            commit_hash TEXT NOT NULL, commit_idx BIGINT, PRIMARY KEY (project_id, ref))""",
        "history_contributors": """CREATE TABLE history_contributors (
            id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, display_name TEXT NOT NULL, merged_into BIGINT)""",
        "history_contributor_emails": """CREATE TABLE history_contributor_emails (
            project_id BIGINT NOT NULL, email TEXT NOT NULL, contributor_id BIGINT NOT NULL, seen BIGINT NOT NULL,
            PRIMARY KEY (project_id, email))""",
        "history_contributor_names": """CREATE TABLE history_contributor_names (
            project_id BIGINT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL, seen BIGINT NOT NULL,
            PRIMARY KEY (project_id, email, name))""",
        "history_contributor_projects": """CREATE TABLE history_contributor_projects (
            aggregate_uuid TEXT PRIMARY KEY, project_id BIGINT NOT NULL)""",
    }
    indexes = [
        "CREATE UNIQUE INDEX history_commits_hash ON history_commits (project_id, hash)",
        "CREATE INDEX history_commits_time ON history_commits (project_id, author_time)",
        "CREATE INDEX history_commits_email ON history_commits (project_id, email_key)",
        "CREATE INDEX history_file_changes_commit ON history_file_changes (project_id, idx)",
        "CREATE INDEX history_file_changes_path ON history_file_changes (project_id, path)",
        "CREATE INDEX history_contributors_project ON history_contributors (project_id)",
        "CREATE INDEX history_contributor_emails_id ON history_contributor_emails (contributor_id)",
    ]

    # --- import jobs ------------------------------------------------------------------------------
    @staticmethod
    def _current(tx: Tx, e: Envelope[DomainEvent]) -> int | None:
        """The project of a job event, when the job is the project's current one."""
        value = tx.scalar("SELECT project_id FROM history_imports WHERE job_uuid=%s", (str(e.event.originator_id),))
        return None if value is None else int(value)

    def _set(self, tx: Tx, e: Envelope[DomainEvent], **values: Any) -> None:
        assignments = ", ".join(f"{column}=%s" for column in values)
        tx.write(
            f"UPDATE history_imports SET {assignments}, updated_at=%s WHERE job_uuid=%s",
            (*values.values(), e.occurred_at, str(e.event.originator_id)),
        )

    @handles(ImportJob.Created)
    def job_created(self, tx: Tx, e: Envelope[ImportJob.Created]) -> None:
        ev = e.event
        project_id = int(ev.project_num)
        row = tx.fetchone("SELECT generation FROM history_imports WHERE project_id=%s", (project_id,))
        if row is not None:
            if int(row["generation"]) >= int(ev.generation):
                return  # an older generation created late: never current
            self._clear(tx, project_id, PROJECT_DATA_TABLES)
            tx.write("DELETE FROM history_imports WHERE project_id=%s", (project_id,))
        tx.write(
            "INSERT INTO history_imports (project_id, project_uuid, job_uuid, generation, status, commits, total, "
            "batches, failure_reason, worker, refresh_requested, vcs_online, default_branch, runs, created_at, "
            "updated_at, finished_at) VALUES (%s, %s, %s, %s, %s, 0, NULL, 0, NULL, NULL, FALSE, %s, NULL, 0, %s, %s, "
            "NULL)",
            (project_id, str(ev.project_id), str(ev.originator_id), int(ev.generation), "PENDING",
             bool(ev.vcs_online), e.occurred_at, e.occurred_at),
        )

    @staticmethod
    def _clear(tx: Tx, project_id: int, tables: Iterable[str]) -> None:
        for table in tables:
            tx.write(f"DELETE FROM {table} WHERE project_id=%s", (project_id,))

    @handles(ImportJob.Claimed)
    def job_claimed(self, tx: Tx, e: Envelope[ImportJob.Claimed]) -> None:
        self._set(tx, e, status="RUNNING", worker=e.event.worker, total=None)

    @handles(ImportJob.Planned)
    def job_planned(self, tx: Tx, e: Envelope[ImportJob.Planned]) -> None:
        project_id = self._current(tx, e)
        if project_id is None:
            return
        tx.write(
            "UPDATE history_imports SET total=commits + %s, updated_at=%s WHERE project_id=%s",
            (int(e.event.new_commits), e.occurred_at, project_id),
        )

    @handles(ImportJob.BatchRecorded)
    def batch_recorded(self, tx: Tx, e: Envelope[ImportJob.BatchRecorded]) -> None:
        ev = e.event
        self._set(tx, e, commits=int(ev.first_index) + int(ev.count), batches=int(ev.seq))

    @handles(ImportJob.Failed)
    def job_failed(self, tx: Tx, e: Envelope[ImportJob.Failed]) -> None:
        self._set(tx, e, status="FAILED", failure_reason=e.event.reason, worker=None, total=None,
                  refresh_requested=False)

    @handles(ImportJob.Released)
    def job_released(self, tx: Tx, e: Envelope[ImportJob.Released]) -> None:
        self._set(tx, e, status="PENDING", worker=None)

    @handles(ImportJob.RefreshRequested)
    def refresh_requested(self, tx: Tx, e: Envelope[ImportJob.RefreshRequested]) -> None:
        self._set(tx, e, refresh_requested=True)

    @handles(ImportJob.OnlineChanged)
    def online_changed(self, tx: Tx, e: Envelope[ImportJob.OnlineChanged]) -> None:
        self._set(tx, e, vcs_online=bool(e.event.vcs_online))

    @handles(ImportJob.Cancelled)
    def job_cancelled(self, tx: Tx, e: Envelope[ImportJob.Cancelled]) -> None:
        project_id = self._current(tx, e)
        if project_id is None:
            return
        self._clear(tx, project_id, (*PROJECT_DATA_TABLES, *CONTRIBUTOR_TABLES, "history_contributor_projects"))
        tx.write("DELETE FROM history_imports WHERE project_id=%s", (project_id,))

    @handles(ImportJob.Finished)
    def job_finished(self, tx: Tx, e: Envelope[ImportJob.Finished]) -> None:
        project_id = self._current(tx, e)
        if project_id is None:
            return
        ev = e.event
        for ref in ev.removed:
            tx.write("DELETE FROM history_refs WHERE project_id=%s AND ref=%s", (project_id, ref))
        moved = dict(ev.refs)
        if moved:
            index = self._indexes(tx, project_id, set(moved.values()))
            for ref, sha in sorted(moved.items()):
                name, is_tag = ref_name(ref)
                tx.write("DELETE FROM history_refs WHERE project_id=%s AND ref=%s", (project_id, ref))
                tx.write(
                    "INSERT INTO history_refs (project_id, ref, name, is_tag, commit_hash, commit_idx) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (project_id, ref, name, is_tag, sha, index.get(sha)),
                )
        tx.write(
            "UPDATE history_imports SET status=%s, worker=NULL, total=commits, failure_reason=NULL, "
            "refresh_requested=FALSE, default_branch=%s, runs=runs + 1, updated_at=%s, finished_at=%s "
            "WHERE project_id=%s",
            ("DONE", ev.default_branch, e.occurred_at, e.occurred_at, project_id),
        )
        self._mark_reachable(tx, project_id)

    @staticmethod
    def _indexes(tx: Tx, project_id: int, hashes: set[str]) -> dict[str, int]:
        return indexes_by_hash(tx, "history_commits", project_id, hashes, _LOOKUP_CHUNK)

    @staticmethod
    def _mark_reachable(tx: Tx, project_id: int) -> None:
        """Mark exactly the commits reachable from the project's refs."""
        parents: dict[int, list[int]] = {}
        for row in tx.fetchall(
            "SELECT idx, parent_idx FROM history_commit_parents WHERE project_id=%s AND parent_idx IS NOT NULL",
            (project_id,),
        ):
            parents.setdefault(int(row["idx"]), []).append(int(row["parent_idx"]))
        stack = [int(r["commit_idx"]) for r in tx.fetchall(
            "SELECT commit_idx FROM history_refs WHERE project_id=%s AND commit_idx IS NOT NULL", (project_id,))]
        reachable: set[int] = set()
        while stack:
            idx = stack.pop()
            if idx in reachable:
                continue
            reachable.add(idx)
            stack.extend(parents.get(idx, ()))
        marked = {int(r["idx"]): bool(r["reachable"]) for r in tx.fetchall(
            "SELECT idx, reachable FROM history_commits WHERE project_id=%s", (project_id,))}
        if len(reachable) == len(marked):
            tx.write("UPDATE history_commits SET reachable=TRUE WHERE project_id=%s AND reachable=FALSE",
                     (project_id,))
            return
        flips = [(idx in reachable, project_id, idx) for idx, was in marked.items() if was != (idx in reachable)]
        if flips:
            tx.executemany("UPDATE history_commits SET reachable=%s WHERE project_id=%s AND idx=%s", flips)

    # --- batches of commits -----------------------------------------------------------------------
    @handles(CommitBatch.Created)
    def batch_created(self, tx: Tx, e: Envelope[CommitBatch.Created]) -> None:
        ev = e.event
        project_id = tx.scalar("SELECT project_id FROM history_imports WHERE job_uuid=%s", (str(ev.job_id),))
        if project_id is None:
            return  # a superseded job's batch (or the project is gone)
        project_id = int(project_id)
        facts = packed_commits(ev.commits)
        base = int(ev.first_index)
        seq = int(ev.seq)
        in_batch: dict[str, int] = {}
        commits: list[tuple[Any, ...]] = []
        parents: list[list[Any]] = []
        changes: list[tuple[Any, ...]] = []
        for i, f in enumerate(facts):
            idx = base + i
            in_batch[f.hash] = idx
            commits.append((project_id, idx, f.hash, f.author_name, f.author_email, f.author_email.lower(),
                            int(f.author_time) * 1000, int(f.author_tz), int(f.committer_time) * 1000, f.message,
                            len(f.parents), seq, False, False))
            for position, parent in enumerate(f.parents):
                parents.append([project_id, idx, position, parent, in_batch.get(parent)])
            for kind, path, old_path, old_blob, new_blob, old_mode, new_mode, similarity, parent in f.changes:
                if not parent:  # first-parent changes only: see the module's docstring
                    changes.append((project_id, idx, kind, path, old_path, old_blob, new_blob, old_mode, new_mode,
                                    similarity))
        missing = {p[3] for p in parents if p[4] is None}
        if missing:
            found = self._indexes(tx, project_id, missing)
            for p in parents:
                if p[4] is None:
                    p[4] = found.get(p[3])
        insert_many(tx, "history_commits", COMMIT_COLUMNS, commits)
        insert_many(tx, "history_commit_parents", PARENT_COLUMNS, parents)
        insert_many(tx, "history_file_changes", CHANGE_COLUMNS, changes)
        self._contributors_seen(tx, e, project_id, [(f.author_name, f.author_email) for f in facts])

    def _contributors_seen(self, tx: Tx, e: Envelope[DomainEvent], project_id: int,
                           authors: list[tuple[str, str]]) -> None:
        emails = {str(r["email"]) for r in tx.fetchall(
            "SELECT email FROM history_contributor_emails WHERE project_id=%s", (project_id,))}
        names = {(str(r["email"]), str(r["name"])) for r in tx.fetchall(
            "SELECT email, name FROM history_contributor_names WHERE project_id=%s", (project_id,))}
        new_contributors: list[tuple[Any, ...]] = []
        new_emails: list[tuple[Any, ...]] = []
        new_names: list[tuple[Any, ...]] = []
        for i, (name, email) in enumerate(authors):
            key = email.lower()
            seen = e.position * SEEN_FACTOR + i
            if key not in emails:
                emails.add(key)
                new_contributors.append((seen, project_id, name))
                new_emails.append((project_id, key, seen, seen))
            if (key, name) not in names:
                names.add((key, name))
                new_names.append((project_id, key, name, seen))
        tx.executemany(
            "INSERT INTO history_contributors (id, project_id, display_name, merged_into) VALUES (%s, %s, %s, NULL)",
            new_contributors,
        )
        tx.executemany(
            "INSERT INTO history_contributor_emails (project_id, email, contributor_id, seen) VALUES (%s, %s, %s, %s)",
            new_emails,
        )
        tx.executemany(
            "INSERT INTO history_contributor_names (project_id, email, name, seen) VALUES (%s, %s, %s, %s)", new_names
        )

    # --- contributors: merges and display names ---------------------------------------------------
    @handles(ProjectContributors.Created)
    def contributors_created(self, tx: Tx, e: Envelope[ProjectContributors.Created]) -> None:
        tx.write(
            "INSERT INTO history_contributor_projects (aggregate_uuid, project_id) VALUES (%s, %s)",
            (str(e.event.originator_id), int(e.event.project_num)),
        )

    @staticmethod
    def _contributors_project(tx: Tx, e: Envelope[DomainEvent]) -> int | None:
        value = tx.scalar("SELECT project_id FROM history_contributor_projects WHERE aggregate_uuid=%s",
                          (str(e.event.originator_id),))
        return None if value is None else int(value)

    @handles(ProjectContributors.Merged)
    def contributors_merged(self, tx: Tx, e: Envelope[ProjectContributors.Merged]) -> None:
        project_id = self._contributors_project(tx, e)
        if project_id is None:
            return
        ids = [int(i) for i in e.event.contributor_ids]
        alive = {int(r["id"]) for r in tx.fetchall(
            f"SELECT id FROM history_contributors WHERE project_id=%s AND merged_into IS NULL "
            f"AND id IN ({', '.join(['%s'] * len(ids))})", (project_id, *ids))}
        if ids[0] not in alive:
            return
        survivor = ids[0]
        tx.write("UPDATE history_contributors SET display_name=%s WHERE id=%s", (e.event.display_name, survivor))
        for other in ids[1:]:
            if other not in alive:
                continue
            tx.write(
                "UPDATE history_contributor_emails SET contributor_id=%s WHERE project_id=%s AND contributor_id=%s",
                (survivor, project_id, other),
            )
            tx.write("UPDATE history_contributors SET merged_into=%s WHERE project_id=%s AND (id=%s OR merged_into=%s)",
                     (survivor, project_id, other, other))

    @handles(ProjectContributors.DisplayNameChanged)
    def contributor_renamed(self, tx: Tx, e: Envelope[ProjectContributors.DisplayNameChanged]) -> None:
        project_id = self._contributors_project(tx, e)
        if project_id is None:
            return
        tx.write(
            "UPDATE history_contributors SET display_name=%s WHERE project_id=%s AND id=%s AND merged_into IS NULL",
            (e.event.display_name, project_id, int(e.event.contributor_id)),
        )
