"""Testing use cases: publishing test results and coverage, appending to a run, canceling.

Commands take what the interface layer has already parsed (a :class:`ResultsUpload` of compact case
batches and :class:`CoverageReport` values) and record everything of one request in ONE save, so a
half-recorded upload is never visible: either all its events are stored or none.

Public ids: the command picks the 12-character public id (:meth:`TestingApplication.new_public_id`,
also given to error messages before anything is recorded) and carries it in the ``Created`` event;
the numeric id is the position of that event.

Runs and projects: a run belongs to the user who published it. It may also name a coderadar
project (Testery's ``projectId``, checked by the caller; for Projektor, the one project of the
publisher whose repository URL ends in the run's ``repoName``). Members of that project may read the
run; only its publisher and platform admins may change it. A run also keeps its commit sha, so the
history context can list the runs of a commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Snapshot

from application.shared.base import ContextApplication
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.testing.attachments import AttachmentLimits, StoredAttachment
from domain.testing.coverage import CoverageReport
from domain.testing.performance import PerformanceResult
from domain.testing.run import CleanedUpRun, ProcessingFailure, RunGroup, TestRun, is_public_id, new_public_id
from domain.testing.upload import ResultsUpload

T = TypeVar("T")

SNAPSHOT_AFTER_EVENTS = 8  # a save that adds this many events to a run also stores a snapshot of it


@dataclass(frozen=True)
class Publisher:
    uuid: UUID
    id: int


@dataclass(frozen=True)
class RunFacts:
    """Where a run comes from. ``group``: later uploads with the same group (and repo) append."""

    source: str
    name: str | None = None
    repo: str | None = None
    project_name: str | None = None
    branch: str | None = None
    is_main_branch: bool = False
    commit_sha: str | None = None
    pull_request_number: int | None = None
    ci: bool = False
    group: str | None = None
    build_key: str | None = None
    environment: str | None = None
    project_id: int | None = None


@dataclass(frozen=True)
class Extras:
    """What an upload holds besides results and coverage: k6 performance results, code-quality files
    ({file_name, group_name, contents}) and notes about parts that were left out."""

    performance: tuple[PerformanceResult, ...] = ()
    quality: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.performance and not self.quality


NO_EXTRAS = Extras()


@dataclass(frozen=True)
class Published:
    public_id: str
    created: bool  # False when appended to an earlier run of the same group
    run_id: int | None = None  # the numeric id, when created (the position of its Created event)
    coverage_groups: tuple[str, ...] = ()



class TestingApplication(ContextApplication):
    __test__ = False  # not a pytest test class

    name = "testing"
    is_snapshotting_enabled = True

    def new_public_id(self) -> str:
        return new_public_id()

    def run(self, public_id: str) -> TestRun:
        if not is_public_id(public_id):
            raise NotFound(f"test run {public_id} not found")
        run = self.get_aggregate(TestRun.create_id(public_id), TestRun, "test run")
        return run

    def _save_run(self, run: TestRun, *others: Any) -> int:
        pending = len(run.pending_events)
        position = self.save_position(run, *others)
        if pending >= SNAPSHOT_AFTER_EVENTS and self.snapshots is not None:
            # from the state in memory: the library's own snapshotting would replay the events again
            snapshot_class = getattr(type(run), "Snapshot", Snapshot)
            self.snapshots.put([snapshot_class.take(run)])
        return position

    @staticmethod
    def _record_into(run: TestRun, results: ResultsUpload | None, wall_clock_ms: float | None,
                coverage: Sequence[CoverageReport], actor: str, extras: Extras = NO_EXTRAS) -> tuple[str, ...]:
        if results is not None:
            run.record_results(results, wall_clock_ms, actor=actor)
        names = tuple(run.record_coverage(report, actor=actor) for report in coverage)
        run.record_performance(list(extras.performance), actor=actor)
        run.record_code_quality(list(extras.quality), actor=actor)
        run.note(list(extras.notes), actor=actor)
        return names

    def publish(self, public_id: str, publisher: Publisher, facts: RunFacts, results: ResultsUpload | None,
                coverage: Sequence[CoverageReport] = (), wall_clock_ms: float | None = None,
                *, actor: str, extras: Extras = NO_EXTRAS) -> Published:
        """Record a new run, or append to the publisher's run of the same repository and group."""
        if results is None and not coverage and extras.empty:
            raise Invalid("nothing to publish: no test results, no coverage, no performance or quality results")
        return self.retry_on_race(
            lambda: self._publish(public_id, publisher, facts, results, coverage, wall_clock_ms, actor, extras))

    def _publish(self, public_id: str, publisher: Publisher, facts: RunFacts, results: ResultsUpload | None,
                 coverage: Sequence[CoverageReport], wall_clock_ms: float | None, actor: str,
                 extras: Extras) -> Published:
        group_key = None
        if facts.group and facts.repo:
            group_key = RunGroup.create_id(publisher.uuid, facts.repo, facts.group)
            group: RunGroup | None = self.find_aggregate(group_key)
            if group is not None:
                run = self.get_aggregate(group.run_id, TestRun, "test run")
                names = self._record_into(run, results, wall_clock_ms, coverage, actor, extras)
                self._save_run(run)
                return Published(run.public_id, created=False, coverage_groups=names)
        run = TestRun.start(
            public_id=public_id, owner=publisher.uuid, owner_id=publisher.id, source=facts.source, name=facts.name,
            repo=facts.repo, project_name=facts.project_name, branch=facts.branch,
            is_main_branch=facts.is_main_branch, commit_sha=facts.commit_sha,
            pull_request_number=facts.pull_request_number, ci=facts.ci, group=facts.group,
            build_key=facts.build_key, environment=facts.environment, project_id=facts.project_id, actor=actor,
        )
        names = self._record_into(run, results, wall_clock_ms, coverage, actor, extras)
        index = None
        if group_key is not None and run.repo and run.group:
            index = RunGroup(owner=publisher.uuid, repo=run.repo, group=run.group, run_id=run.id, actor=actor)
        position = self._save_run(run, index)
        return Published(run.public_id, created=True, run_id=position, coverage_groups=names)

    def add_coverage(self, public_id: str, reports: Sequence[CoverageReport], actor: str) -> tuple[str, ...]:
        """Add coverage reports to a run (Projektor's ``POST /run/{id}/coverage``)."""
        if not reports:
            raise Invalid("no coverage report given")
        def command() -> tuple[str, ...]:
            run = self.run(public_id)
            names = self._record_into(run, None, None, reports, actor)
            self._save_run(run)
            return names

        return self.retry_on_race(command)

    def cancel(self, public_id: str, actor: str) -> None:
        self._changing_run(public_id, lambda run: run.cancel(actor=actor), attempts=4)

    # --- attachments, pins, failures -------------------------------------------------------------
    def _changing_run(self, public_id: str, change: Callable[[TestRun], T], attempts: int = 8) -> T:
        """Load the run, apply ``change``, save; again when a concurrent save came first."""

        def command() -> T:
            run = self.run(public_id)
            answer = change(run)
            if run.pending_events:
                self.save(run)
            return answer

        return self.retry_on_race(command, attempts=attempts)

    def add_attachment(self, public_id: str, attachment: StoredAttachment, limits: AttachmentLimits,
                       actor: str) -> str | None:
        """Record an attachment whose bytes are stored already; answers the blob it replaced (if any)."""
        result: str | None = self._changing_run(public_id, lambda run: run.add_attachment(attachment, limits, actor))
        return result

    def pin(self, public_id: str, pinned: bool, actor: str) -> None:
        self._changing_run(public_id, lambda run: run.pin(actor) if pinned else run.unpin(actor))

    def record_failure(self, public_id: str, body_type: str, body: str, message: str, actor: str) -> None:
        """Keep the fact that an upload with this public id could not be processed."""
        if not is_public_id(public_id) or self.find_aggregate(ProcessingFailure.create_id(public_id)) is not None:
            return
        try:
            # text the database can hold whatever was sent (PostgreSQL text cannot hold NUL)
            self.save(ProcessingFailure(public_id=public_id, body_type=body_type, body=body.replace("\x00", "\ufffd"),
                                        failure_message=message[:4000].replace("\x00", "\ufffd"), actor=actor))
        except Conflict:
            return

    def streams_of(self, public_id: str) -> list[UUID]:
        """The aggregates a run's facts live in: the run, and the group index that points at it."""
        run = self.run(public_id)
        streams = [run.id]
        if run.repo and run.group:
            streams.append(RunGroup.create_id(run.owner, run.repo, run.group))
        return streams

    def record_cleanup(self, public_id: str, run_id: int, erased: Sequence[UUID], created_at: str,
                       retention_days: int | None, bytes_freed: int, actor: str) -> None:
        """The fact that a run was removed (its streams are deleted by the caller)."""
        run_uuid = TestRun.create_id(public_id)
        self.save(CleanedUpRun(public_id=public_id, run_id=run_id, run_uuid=str(run_uuid),
                               erased=[str(u) for u in erased],
                               created_at=created_at, retention_days=retention_days, bytes_freed=bytes_freed,
                               actor=actor))
