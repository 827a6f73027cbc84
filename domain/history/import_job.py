"""Importing a project's git history: one ``ImportJob`` per project and generation, and one immutable
``CommitBatch`` per batch of recorded commits.

A *generation* starts when a project is created or its ``vcsUrl`` or ``startDate`` changes (its
number is the project aggregate's version at that event); the new generation's job supersedes the
previous one, whose data leaves the views. Within a generation a job runs many times: the first
import, then every poll or refresh that finds new commits or moved refs.

Claiming and leases: a worker claims a job with a ``Claimed`` event carrying a lease expiry; every
recorded batch renews it. Two workers claiming at once conflict on the job's version, so one wins.
A worker whose lease expired (it died) can be replaced: another worker claims the job, and the dead
worker's next save conflicts.

Exactly once: a batch is saved together with the job's ``BatchRecorded`` event in one save; the
batch's id is derived from (job id, seq), so a batch can only ever be recorded once, and progress
moves with the data. The job's state stays small (counters, refs); commits live in the batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.history.records import CommitRecord, decode_commits, encode_commits, join_packed, packed_commits
from domain.shared.ids import index_id
from domain.shared.leases import LeasedJob, failure_reason


class ImportStatus(StrEnum):
    PENDING = "PENDING"  # not imported yet, or released half-way by a worker that stopped
    RUNNING = "RUNNING"  # a worker holds the lease
    DONE = "DONE"  # the refs and every commit reachable from them are recorded
    FAILED = "FAILED"  # the last attempt failed (failure_reason says why); earlier data stays
    SUPERSEDED = "SUPERSEDED"  # a newer generation replaced this job
    CANCELLED = "CANCELLED"  # the project was deleted


TERMINAL = (ImportStatus.SUPERSEDED, ImportStatus.CANCELLED)


def job_id(project_id: UUID, generation: int) -> UUID:
    return index_id("history-import-job", f"{project_id}:{generation}")


def batch_id(job: UUID, seq: int) -> UUID:
    return index_id("history-commit-batch", f"{job}:{seq}")


@dataclass(frozen=True)
class PackedCommits:
    """Commit records already packed for an event (see ``domain.history.records``)."""

    text: str
    count: int

    @staticmethod
    def of(records: list[CommitRecord]) -> PackedCommits:
        return PackedCommits(encode_commits(records), len(records))

    @staticmethod
    def join(packed_commits: list[str]) -> PackedCommits:
        return PackedCommits(join_packed(packed_commits), len(packed_commits))


class CommitBatch(Aggregate):
    """A batch of commits recorded by one import job. Never changes after it is created."""

    class Created(Aggregate.Created):
        job_id: UUID
        project_id: UUID
        project_num: int
        generation: int
        seq: int
        first_index: int
        commits: str  # packed commit records (domain.history.records.encode_commits)
        actor: str

    @staticmethod
    def create_id(job_id: UUID, seq: int) -> UUID:
        return batch_id(job_id, seq)

    @event(Created)
    def __init__(self, job_id: UUID, project_id: UUID, project_num: int, generation: int, seq: int,
                 first_index: int, commits: str, actor: str) -> None:
        self.job_id = job_id
        self.project_id = project_id
        self.project_num = project_num
        self.generation = generation
        self.seq = seq
        self.first_index = first_index
        self.commits = commits

    def records(self) -> list[CommitRecord]:
        return decode_commits(self.commits)

    def hashes(self) -> list[str]:
        return [str(c.hash) for c in packed_commits(self.commits)]


class ImportJob(LeasedJob):
    """One generation of a project's history import: status, lease, progress and recorded refs."""

    noun = "import job"

    class Created(Aggregate.Created):
        project_id: UUID
        project_num: int
        generation: int
        vcs_url: str
        start_date: int | None
        vcs_online: bool
        actor: str

    class Claimed(LeasedJob.Claimed):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = ImportStatus.RUNNING
            aggregate.planned = None
            aggregate.commits_at_run_start = aggregate.commits

    class Planned(Aggregate.Event):
        new_commits: int
        lease_until: float
        actor: str

    class BatchRecorded(Aggregate.Event):
        seq: int
        batch_id: UUID
        count: int
        first_index: int
        lease_until: float
        actor: str

    class Finished(Aggregate.Event):
        refs: dict[str, str]  # refs added or moved: full name (refs/heads/x, refs/tags/y) -> commit hash
        removed: list[str]  # refs gone from the repository
        default_branch: str | None
        actor: str

    class Failed(LeasedJob.Failed):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = ImportStatus.FAILED
            aggregate.planned = None
            aggregate.refresh_requested = False

    class Released(LeasedJob.Released):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = ImportStatus.PENDING

    class RefreshRequested(Aggregate.Event):
        actor: str

    class OnlineChanged(Aggregate.Event):
        vcs_online: bool
        actor: str

    class Superseded(Aggregate.Event):
        by_generation: int
        actor: str

    class Cancelled(Aggregate.Event):
        actor: str

    @staticmethod
    def create_id(project_id: UUID, generation: int) -> UUID:
        return job_id(project_id, generation)

    @event(Created)
    def __init__(self, project_id: UUID, project_num: int, generation: int, vcs_url: str, start_date: int | None,
                 vcs_online: bool, actor: str) -> None:
        self.project_id = project_id
        self.project_num = project_num
        self.generation = generation
        self.vcs_url = vcs_url
        self.start_date = start_date
        self.vcs_online = vcs_online
        self.status = ImportStatus.PENDING
        self.worker: str | None = None
        self.lease_until = 0.0
        self.seq = 0  # batches recorded
        self.commits = 0  # commits recorded
        self.planned: int | None = None  # commits the current run will record, once known
        self.run_start_seq = 0  # batches recorded before the current run (finished runs)
        self.refs: dict[str, str] = {}
        self.default_branch: str | None = None
        self.failure_reason: str | None = None
        self.refresh_requested = False
        self.runs = 0  # runs finished
        self.commits_at_run_start = 0

    # --- queries ----------------------------------------------------------------------------
    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def _claims_open(self) -> bool:
        return not self.terminal

    def _under_lease(self) -> bool:
        return self.status is ImportStatus.RUNNING

    def _claim_refused(self) -> str | None:
        return f"import job is {ImportStatus(self.status).value.lower()}" if self.terminal else None

    @property
    def total(self) -> int | None:
        """Commits this generation will have once the current run is done, when known."""
        if self.status is ImportStatus.DONE:
            return self.commits
        if self.planned is None:
            return None
        recorded_this_run = self.commits - self.commits_at_run_start
        return self.commits + max(0, self.planned - recorded_this_run)

    # --- commands ---------------------------------------------------------------------------
    # claim(), release(): LeasedJob (PENDING, DONE, FAILED, or RUNNING under an expired lease can be
    # claimed; Conflict if another worker holds it or the job is no longer current)
    def plan(self, new_commits: int, worker: str, now: float, lease_seconds: float, actor: str) -> None:
        """Say how many commits this run will record (progress shows a total from now on)."""
        self._check_holder(worker)
        self._planned(new_commits=int(new_commits), lease_until=now + lease_seconds, actor=actor)

    @event(Planned)
    def _planned(self, new_commits: int, lease_until: float, actor: str) -> None:
        self.planned = new_commits
        self.lease_until = lease_until

    def record_batch(self, commits: list[CommitRecord] | PackedCommits, worker: str, now: float,
                     lease_seconds: float, actor: str) -> CommitBatch:
        """A new batch of commits (parents before children; records, or already packed) and the
        event that records it: save the answer together with this job."""
        self._check_holder(worker)
        packed = commits if isinstance(commits, PackedCommits) else PackedCommits.of(commits)
        if packed.count < 1:
            raise ValueError("a batch holds at least one commit")
        seq = self.seq + 1
        batch = CommitBatch(
            job_id=self.id, project_id=self.project_id, project_num=self.project_num, generation=self.generation,
            seq=seq, first_index=self.commits, commits=packed.text, actor=actor,
        )
        self._batch_recorded(seq=seq, batch_id=batch.id, count=packed.count, first_index=self.commits,
                             lease_until=now + lease_seconds, actor=actor)
        return batch

    @event(BatchRecorded)
    def _batch_recorded(self, seq: int, batch_id: UUID, count: int, first_index: int, lease_until: float,
                        actor: str) -> None:
        self.seq = seq
        self.commits = first_index + count
        self.lease_until = lease_until

    def finish(self, refs: dict[str, str], default_branch: str | None, worker: str, actor: str) -> None:
        """Record the refs as they are now (every commit they reach is recorded): the run is done."""
        self._check_holder(worker)
        changed = {name: sha for name, sha in refs.items() if self.refs.get(name) != sha}
        removed = sorted(set(self.refs) - set(refs))
        self._finished(refs=changed, removed=removed, default_branch=default_branch, actor=actor)

    @event(Finished)
    def _finished(self, refs: dict[str, str], removed: list[str], default_branch: str | None, actor: str) -> None:
        self.refs.update(refs)
        for name in removed:
            self.refs.pop(name, None)
        self.default_branch = default_branch
        self.status = ImportStatus.DONE
        self.worker = None
        self.lease_until = 0.0
        self.planned = None
        self.run_start_seq = self.seq
        self.failure_reason = None
        self.refresh_requested = False
        self.runs += 1

    def fail(self, reason: str, actor: str) -> bool:
        """Mark the job failed with a readable reason; False (no event) when it already failed so."""
        if self.terminal:
            return False
        reason = failure_reason(reason, "the import failed")
        if self.status is ImportStatus.FAILED and self.failure_reason == reason and not self.refresh_requested:
            return False
        self._record_failure(reason, actor)
        return True

    def request_refresh(self, actor: str) -> None:
        if self.terminal or self.refresh_requested:
            return
        self._refresh_requested(actor=actor)

    @event(RefreshRequested)
    def _refresh_requested(self, actor: str) -> None:
        self.refresh_requested = True

    def set_online(self, vcs_online: bool, actor: str) -> None:
        if self.terminal or bool(vcs_online) == self.vcs_online:
            return
        self._online_changed(vcs_online=bool(vcs_online), actor=actor)

    @event(OnlineChanged)
    def _online_changed(self, vcs_online: bool, actor: str) -> None:
        self.vcs_online = vcs_online

    def supersede(self, by_generation: int, actor: str) -> None:
        if self.terminal:
            return
        self._superseded(by_generation=by_generation, actor=actor)

    @event(Superseded)
    def _superseded(self, by_generation: int, actor: str) -> None:
        self.status = ImportStatus.SUPERSEDED
        self.worker = None

    def cancel(self, actor: str) -> None:
        if self.status is ImportStatus.CANCELLED:
            return
        self._cancelled(actor=actor)

    @event(Cancelled)
    def _cancelled(self, actor: str) -> None:
        self.status = ImportStatus.CANCELLED
        self.worker = None
