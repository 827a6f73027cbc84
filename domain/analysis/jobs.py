"""Analysing a project's commits: one ``ProjectAnalysis`` per project, one immutable ``MeasurementBatch``
per batch of analysed commits.

``ProjectAnalysis`` holds the project's analysis *generation* (a reset starts a new one: every result
of the old one leaves the views), the current job (status, branches, the configuration it runs with,
the worker holding it and its lease, progress) and whether new commits are analysed automatically
(once a job has finished, until the next reset).

Claiming and leases: a worker claims a running job with a ``Claimed`` event carrying a lease expiry;
every recorded batch renews it. Two workers claiming at once conflict on the aggregate's version, so
one wins. When the holder dies its lease runs out and another worker claims the job; the dead
worker's next save conflicts.

Configuration changes: a generation's commits are recorded with one configuration (file patterns
and analyzers). Starting a job with another configuration once some are recorded ``Reconfigured`` the
analysis: a new generation starts that records the commits again but *carries* the measurements of
the generations before it (results are kept by measurement key and content), so only what the new
configuration lacks is measured; an analyzer disabled and enabled again is not measured again.

Exactly once: a batch is saved together with the ``BatchRecorded`` event in one save; its id is
derived from (project, generation, batch number), so the same batch can never be recorded twice, and
progress moves with the data. Stopping, resetting or starting another job changes the aggregate's
version, so a worker still busy with the old job loses its next save and records nothing more.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Unprocessable
from domain.shared.ids import index_id
from domain.shared.leases import LeasedJob, failure_reason


class JobStatus(StrEnum):
    NONE = "NONE"  # no job since the project's analysis was created or reset
    RUNNING = "RUNNING"  # started; a worker holds it or will claim it
    DONE = "DONE"  # every planned commit is analysed
    STOPPED = "STOPPED"  # stopped by a user half-way (what was recorded stays)
    FAILED = "FAILED"  # the worker could not go on (failure_reason says why)


def analysis_id(project_id: UUID) -> UUID:
    return index_id("analysis-project", str(project_id))


def batch_id(project_id: UUID, generation: int, seq: int) -> UUID:
    return index_id("analysis-batch", f"{project_id}:{generation}:{seq}")


class MeasurementBatch(Aggregate):
    """What one batch of analysed commits recorded (``domain.analysis.records``). Never changes."""

    class Created(Aggregate.Created):
        project_id: UUID
        project_num: int
        generation: int
        seq: int
        job: int
        payload: str  # packed BatchRecord (domain.analysis.records.encode_batch)
        actor: str

    @staticmethod
    def create_id(project_id: UUID, generation: int, seq: int) -> UUID:
        return batch_id(project_id, generation, seq)

    @event(Created)
    def __init__(self, project_id: UUID, project_num: int, generation: int, seq: int, job: int, payload: str,
                 actor: str) -> None:
        self.project_id = project_id
        self.project_num = project_num
        self.generation = generation
        self.seq = seq
        self.job = job
        self.payload = payload


class ProjectAnalysis(LeasedJob):
    """A project's analysis: generation, current job, lease and progress. See the module doc."""

    noun = "the analysis"

    class Created(Aggregate.Created):
        project_id: UUID
        project_num: int
        actor: str

    class Started(Aggregate.Event):
        job: int
        branches: list[str]  # empty: every branch
        automatic: bool  # started by the server for commits imported after an analysis
        patterns: list[list[str]]  # [pattern, INCLUDE|EXCLUDE]
        analyzers: list[list[Any]]  # [analyzer name, parameters]
        actor: str

    class Claimed(LeasedJob.Claimed):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.todo = None

    class Planned(Aggregate.Event):
        todo: int  # commits this run of the job still has to analyse
        lease_until: float
        actor: str

    class BatchRecorded(Aggregate.Event):
        seq: int
        batch_id: UUID
        commits: int
        measured: int
        failures: int
        lease_until: float
        actor: str

    class Renewed(Aggregate.Event):
        lease_until: float
        actor: str

    class Finished(Aggregate.Event):
        actor: str

    class Stopped(Aggregate.Event):
        actor: str

    class Released(LeasedJob.Released):
        pass

    class Failed(LeasedJob.Failed):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.status = JobStatus.FAILED

    class Reset(Aggregate.Event):
        actor: str

    class Reconfigured(Aggregate.Event):
        """A new generation that carries the measurements of the one before (see the module doc)."""

        carried: list[list[int]]  # [generation, batches] whose measurements the new generation reuses
        change: str  # what changed, for people (the analysis status shows it)
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return analysis_id(project_id)

    @event(Created)
    def __init__(self, project_id: UUID, project_num: int, actor: str) -> None:
        self.project_id = project_id
        self.project_num = project_num
        self.generation = 0
        self.status = JobStatus.NONE
        self.job = 0  # jobs started so far (the current job's number)
        self.branches: list[str] = []
        self.automatic = False
        self.patterns: list[list[str]] = []
        self.analyzers: list[list[Any]] = []
        self.worker: str | None = None
        self.lease_until = 0.0
        self.seq = 0  # batches recorded in this generation
        self.commits = 0  # commits analysed in this generation
        self.job_commits = 0  # commits the current job analysed
        self.todo: int | None = None  # commits the current run still has to analyse, once planned
        self.measured = 0  # file contents measured by the current job
        self.failures = 0  # measurements of the current job that failed
        self.auto = False  # analyse new commits automatically (a job finished since the last reset)
        self.auto_branches: list[str] = []
        self.failure_reason: str | None = None
        self.recorded_with: dict[str, Any] | None = None  # the configuration of the generation's batches
        self.carried: list[list[int]] = []  # [generation, batches] whose measurements this generation reuses
        self.change: str | None = None  # what the last reconfiguration changed

    # --- queries ----------------------------------------------------------------------------
    @property
    def state(self) -> JobStatus:
        """The status as an enum (a snapshot gives it back as plain text)."""
        return JobStatus(self.status)

    @property
    def running(self) -> bool:
        return self.state is JobStatus.RUNNING

    def _claims_open(self) -> bool:
        return self.running

    def _under_lease(self) -> bool:
        return self.worker is not None

    def _claim_refused(self) -> str | None:
        return None if self.running else f"no analysis is running (status {self.state.value})"

    def _holder_state(self) -> str:
        return f"status {self.state.value}"

    def configuration(self) -> dict[str, Any]:
        return {"patterns": [list(p) for p in self.patterns], "analyzers": [list(a) for a in self.analyzers]}

    def generation_configuration(self) -> dict[str, Any]:
        """What the generation's recorded batches were measured with (canonical form)."""
        # An aggregate (or snapshot) from before configurations were followed has no ``recorded_with``.
        recorded: dict[str, Any] | None = getattr(self, "recorded_with", None)
        if recorded is not None:
            return recorded
        return canonical_configuration(self.patterns, self.analyzers)

    def carried_generations(self) -> list[list[int]]:
        """[generation, batches] of the generations whose measurements this one reuses."""
        return [list(c) for c in getattr(self, "carried", [])]

    # --- commands ---------------------------------------------------------------------------
    def start(self, branches: list[str], patterns: list[list[str]], analyzers: list[list[Any]], automatic: bool,
              actor: str) -> int:
        """Start a job with the configuration it will run with; answers its number. Unprocessable
        while a job runs."""
        if self.running:
            raise Unprocessable("An analysis is already running for this project; stop it first.")
        wanted = canonical_configuration(patterns, analyzers)
        if self.seq > 0 and wanted != self.generation_configuration():
            carried = [*self.carried_generations(), [self.generation, self.seq]]
            self._reconfigured(carried=carried, change=describe_change(self.generation_configuration(), wanted),
                               actor=actor)
        job = self.job + 1
        self._started(job=job, branches=list(branches), automatic=bool(automatic),
                      patterns=[list(p) for p in patterns], analyzers=[list(a) for a in analyzers], actor=actor)
        return job

    @event(Started)
    def _started(self, job: int, branches: list[str], automatic: bool, patterns: list[list[str]],
                 analyzers: list[list[Any]], actor: str) -> None:
        self.job = job
        self.status = JobStatus.RUNNING
        self.branches = list(branches)
        self.automatic = automatic
        self.patterns = patterns
        self.analyzers = analyzers
        self.worker = None
        self.lease_until = 0.0
        self.job_commits = 0
        self.todo = None
        self.measured = 0
        self.failures = 0
        self.failure_reason = None
        if not automatic:
            self.auto_branches = list(branches)
        if self.seq == 0:
            self.recorded_with = canonical_configuration(patterns, analyzers)

    # claim(), release(): LeasedJob (a running job can be claimed while nobody holds it or the
    # holder's lease ran out)

    def plan(self, todo: int, worker: str, now: float, lease_seconds: float, actor: str) -> None:
        self._check_holder(worker)
        self._planned(todo=int(todo), lease_until=now + lease_seconds, actor=actor)

    @event(Planned)
    def _planned(self, todo: int, lease_until: float, actor: str) -> None:
        self.todo = todo
        self.lease_until = lease_until

    def record_batch(self, payload: str, commits: int, measured: int, failures: int, worker: str, now: float,
                     lease_seconds: float, actor: str) -> MeasurementBatch:
        """A new batch and the event that records it: save the answer together with this aggregate."""
        self._check_holder(worker)
        seq = self.seq + 1
        batch = MeasurementBatch(project_id=self.project_id, project_num=self.project_num,
                                 generation=self.generation, seq=seq, job=self.job, payload=payload, actor=actor)
        self._batch_recorded(seq=seq, batch_id=batch.id, commits=int(commits), measured=int(measured),
                             failures=int(failures), lease_until=now + lease_seconds, actor=actor)
        return batch

    @event(BatchRecorded)
    def _batch_recorded(self, seq: int, batch_id: UUID, commits: int, measured: int, failures: int,
                        lease_until: float, actor: str) -> None:
        self.seq = seq
        self.commits += commits
        self.job_commits += commits
        if self.todo is not None:
            self.todo = max(0, self.todo - commits)
        self.measured += measured
        self.failures += failures
        self.lease_until = lease_until

    def renew(self, worker: str, now: float, lease_seconds: float, actor: str) -> None:
        self._check_holder(worker)
        self._renewed(lease_until=now + lease_seconds, actor=actor)

    @event(Renewed)
    def _renewed(self, lease_until: float, actor: str) -> None:
        self.lease_until = lease_until

    def finish(self, worker: str, actor: str) -> None:
        self._check_holder(worker)
        self._finished(actor=actor)

    @event(Finished)
    def _finished(self, actor: str) -> None:
        self.status = JobStatus.DONE
        self.worker = None
        self.lease_until = 0.0
        self.todo = 0
        self.auto = True

    def stop(self, actor: str) -> bool:
        """Stop the running job (what it recorded stays); False when none runs."""
        if not self.running:
            return False
        self._stopped(actor=actor)
        return True

    @event(Stopped)
    def _stopped(self, actor: str) -> None:
        self.status = JobStatus.STOPPED
        self.worker = None
        self.lease_until = 0.0

    def fail(self, reason: str, actor: str) -> None:
        if not self.running:
            return
        self._record_failure(failure_reason(reason, "the analysis failed"), actor)

    def reset(self, actor: str) -> None:
        """Forget every result: a new generation starts, a running job ends, nothing is analysed
        automatically until the next analysis."""
        self._reset(actor=actor)

    @event(Reset)
    def _reset(self, actor: str) -> None:
        self.generation += 1
        self.status = JobStatus.NONE
        self.worker = None
        self.lease_until = 0.0
        self.seq = 0
        self.commits = 0
        self.job_commits = 0
        self.todo = None
        self.measured = 0
        self.failures = 0
        self.auto = False
        self.failure_reason = None
        self.recorded_with = None
        self.carried = []
        self.change = None

    @event(Reconfigured)
    def _reconfigured(self, carried: list[list[int]], change: str, actor: str) -> None:
        self.generation += 1
        self.seq = 0
        self.commits = 0
        self.recorded_with = None
        self.carried = [list(c) for c in carried]
        self.change = change


def canonical_configuration(patterns: list[list[str]] | Any, analyzers: list[list[Any]] | Any) -> dict[str, Any]:
    """A configuration in a form where equal means "measures the same": patterns are a set (EXCLUDE
    wins wherever it is), analyzers sorted by name with sorted parameters."""
    return {
        "patterns": sorted([str(p), str(t)] for p, t in patterns),
        "analyzers": sorted([str(n), sorted([str(k), v] for k, v in dict(p or {}).items())] for n, p in analyzers),
    }


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed between two canonical configurations, for people."""
    parts = []
    old = {a[0]: a[1] for a in before["analyzers"]}
    new = {a[0]: a[1] for a in after["analyzers"]}
    if added := [n for n in new if n not in old]:
        parts.append("analyzers enabled: " + ", ".join(added))
    if removed := [n for n in old if n not in new]:
        parts.append("analyzers disabled: " + ", ".join(removed))
    if changed := [n for n in new if n in old and new[n] != old[n]]:
        parts.append("analyzer parameters changed: " + ", ".join(changed))
    if before["patterns"] != after["patterns"]:
        parts.append("file patterns changed")
    return "; ".join(parts) or "configuration changed"
