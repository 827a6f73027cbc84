"""The analysis process manager: follows the analysis event log, runs started jobs in the background,
takes over jobs whose worker died, and starts a job for new commits of projects analysed before.

``AnalysisRunner.run`` does one job: claim it (a lease), rebuild the engine from the recorded batches
(kept in memory between runs), plan, then record batch after batch (each batch and the progress it
makes in one save) until the plan is done. A stop request, a reset or another worker's claim changes
the aggregate's version, so this worker's next save fails and it lets go without recording anything
more; a worker killed half-way leaves its lease to run out, and the next worker resumes from what was
recorded: nothing is measured or recorded twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.analysis.engine import Engine
from application.analysis.ports import CommitSources, Measurer, ProjectConfigs
from application.analysis.service import AnalysisApplication
from domain.analysis.jobs import JobStatus, ProjectAnalysis
from domain.shared.actor import SYSTEM
from domain.shared.errors import Conflict, DomainError

log = logging.getLogger("codeannals.analysis")


@dataclass(frozen=True)
class WorkerSettings:
    lease_seconds: float = 60.0
    poll_seconds: float = 5.0
    max_commits: int = 500  # per batch
    max_contents: int = 2000  # contents to measure per batch (about)
    engines_kept: int = 2  # projects whose engine stays in memory between runs
    pause_seconds: float = 0.0  # between batches, to leave the CPU to the rest of a busy server


Progress = Callable[[ProjectAnalysis], None]


class AnalysisRunner:
    def __init__(self, app: AnalysisApplication, sources: CommitSources, configs: ProjectConfigs,
                 measurer: Measurer, worker_id: str, settings: WorkerSettings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.sources = sources
        self.configs = configs
        self.measurer = measurer
        self.worker_id = worker_id
        self.settings = settings or WorkerSettings()
        self.clock = clock
        self._engines: OrderedDict[UUID, Engine] = OrderedDict()
        self.before_batch: Callable[[int], None] | None = None  # tests: called with the batch number

    def _keep(self, project_uuid: UUID, engine: Engine) -> None:
        self._engines[project_uuid] = engine
        self._engines.move_to_end(project_uuid)
        while len(self._engines) > self.settings.engines_kept:
            self._engines.popitem(last=False)

    def engine(self, analysis: ProjectAnalysis) -> Engine:
        """The engine of a project's analysis as recorded (kept for the next call)."""
        engine = self.app.engine(analysis, self._engines.pop(analysis.project_id, None))
        self._keep(analysis.project_id, engine)
        return engine

    def run(self, project_uuid: UUID, stop: threading.Event, progress: Progress | None = None) -> str:
        """Run a project's job. Answers "done", "busy" (another worker holds it), "stopped" (given back
        because this worker stops), "lost" (stopped, reset or taken over meanwhile), "failed"."""
        lease = self.settings.lease_seconds
        try:
            analysis = self.app.claim(project_uuid, self.worker_id, self.clock(), lease, actor=SYSTEM)
        except Conflict:
            return "busy"
        engine: Engine | None = None
        try:
            if self.configs.get(analysis.project_num) is None:
                self.app.fail(project_uuid, self.worker_id, "the project was deleted", actor=SYSTEM)
                return "failed"
            engine = self.app.engine(analysis, self._engines.pop(project_uuid, None))
            config = self.app.config(analysis.patterns, analysis.analyzers)
            source = self.sources.open(project_uuid, analysis.project_num)
            if source is None:  # nothing imported yet: new commits are analysed when they arrive
                self.app.finish(analysis, self.worker_id, actor=SYSTEM)
                self._keep(project_uuid, engine)
                return "done"
            try:
                plan = engine.plan(source, analysis.branches)
                self.app.plan(analysis, plan.remaining, self.worker_id, self.clock(), lease, actor=SYSTEM)
                if progress:
                    progress(analysis)
                limits = (self.settings.max_commits, self.settings.max_contents)
                # Pipelined: the next batch's contents are measured (in other processes) while this one is
                # completed and saved. Batches are the same as one at a time.
                current = engine.prepare(plan, source, config, *limits)
                measuring = self.measurer.submit(source, current.tasks) if current else None
                while current is not None and measuring is not None:
                    if stop.is_set():
                        self.app.release(analysis, self.worker_id, actor=SYSTEM)
                        return "stopped"  # the engine holds a prepared batch: it is not kept
                    if self.before_batch is not None:
                        self.before_batch(analysis.seq + 1)
                    following = engine.prepare(plan, source, config, *limits)
                    following_measuring = self.measurer.submit(source, following.tasks) if following else None
                    built = engine.complete(current, measuring.result())
                    self.app.record_batch(analysis, built.record, built.commits, built.measured, built.failures,
                                          self.worker_id, self.clock(), lease, actor=SYSTEM)
                    if progress:
                        progress(analysis)
                    current, measuring = following, following_measuring
                    if self.settings.pause_seconds > 0 and current is not None:
                        stop.wait(self.settings.pause_seconds)
                self.app.finish(analysis, self.worker_id, actor=SYSTEM)
                self._keep(project_uuid, engine)
                return "done"
            finally:
                source.close()
        except Conflict as exc:
            log.info("analysis of project %s let go: %s", analysis.project_num, exc)
            return "lost"
        except Exception as exc:
            log.exception("analysis of project %s failed", analysis.project_num)
            reason = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
            try:
                self.app.fail(project_uuid, self.worker_id, reason, actor=SYSTEM)
            except Exception:
                log.exception("could not record the failure of project %s's analysis", analysis.project_num)
            return "failed"

    def todo(self, analysis: ProjectAnalysis, branches: list[str]) -> int:
        """How many commits of these branches are not analysed yet (0 without imported history)."""
        source = self.sources.open(analysis.project_id, analysis.project_num)
        if source is None:
            return 0
        try:
            return self.engine(analysis).plan(source, branches).remaining
        finally:
            source.close()


@dataclass
class _Tracked:
    project_uuid: UUID
    num: int
    status: JobStatus = JobStatus.NONE
    worker: str | None = None
    lease_until: float = 0.0
    auto: bool = False


FOLLOWED = (
    ProjectAnalysis.Created, ProjectAnalysis.Started, ProjectAnalysis.Claimed, ProjectAnalysis.Planned,
    ProjectAnalysis.BatchRecorded, ProjectAnalysis.Renewed, ProjectAnalysis.Finished, ProjectAnalysis.Stopped,
    ProjectAnalysis.Released, ProjectAnalysis.Failed, ProjectAnalysis.Reset,
)


class AnalysisWorker:
    """A ``Worker`` (``interfaces.container``): a background thread running the analysis."""

    name = "analysis"

    def __init__(self, runner: AnalysisRunner, settings: WorkerSettings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.runner = runner
        self.app = runner.app
        self.settings = settings or runner.settings
        self.clock = clock
        self.position = 0
        self.tracked: dict[UUID, _Tracked] = {}  # by aggregate id
        self.fingerprints: dict[UUID, str] = {}  # the source as last looked at for new commits
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        from eventsourcing.utils import get_topic

        self._topics = [get_topic(cls) for cls in FOLLOWED]

    # --- following the log ----------------------------------------------------------------------
    def follow(self, limit: int = 1000) -> int:
        seen = 0
        while True:
            notifications = self.app.recorder.select_notifications(
                start=self.position + 1, limit=limit, topics=self._topics
            )
            for n in notifications:
                self._fold(self.app.mapper.to_domain_event(n))
                self.position = n.id
            seen += len(notifications)
            if len(notifications) < limit:
                return seen

    def _fold(self, ev: object) -> None:
        aggregate_id = getattr(ev, "originator_id", None)
        if aggregate_id is None:
            return
        if isinstance(ev, ProjectAnalysis.Created):
            self.tracked[aggregate_id] = _Tracked(ev.project_id, ev.project_num)
            return
        t = self.tracked.get(aggregate_id)
        if t is None:
            return
        if isinstance(ev, ProjectAnalysis.Started):
            t.status, t.worker, t.lease_until = JobStatus.RUNNING, None, 0.0
        elif isinstance(ev, ProjectAnalysis.Claimed):
            t.worker, t.lease_until = ev.worker, ev.lease_until
        elif isinstance(ev, ProjectAnalysis.Planned | ProjectAnalysis.BatchRecorded | ProjectAnalysis.Renewed):
            t.lease_until = ev.lease_until
        elif isinstance(ev, ProjectAnalysis.Finished):
            t.status, t.worker, t.auto = JobStatus.DONE, None, True
        elif isinstance(ev, ProjectAnalysis.Stopped):
            t.status, t.worker = JobStatus.STOPPED, None
        elif isinstance(ev, ProjectAnalysis.Failed):
            t.status, t.worker = JobStatus.FAILED, None
        elif isinstance(ev, ProjectAnalysis.Released):
            t.worker, t.lease_until = None, 0.0
        elif isinstance(ev, ProjectAnalysis.Reset):
            t.status, t.worker, t.auto = JobStatus.NONE, None, False
            self.fingerprints.pop(t.project_uuid, None)

    # --- one round ------------------------------------------------------------------------------
    def tick(self) -> int:
        """Run every job that needs a worker, then look for new commits; answers the jobs run."""
        self.follow()
        ran = 0
        for t in list(self.tracked.values()):
            if self._stop.is_set():
                break
            if t.status == JobStatus.RUNNING:
                if t.worker is None or t.worker == self.runner.worker_id or t.lease_until <= self.clock():
                    self.runner.run(t.project_uuid, self._stop)
                    ran += 1
                    self.follow()
            elif t.auto and self._new_commits(t):
                self.follow()
                if t.status == JobStatus.RUNNING:
                    self.runner.run(t.project_uuid, self._stop)
                    ran += 1
                    self.follow()
        return ran

    def _new_commits(self, t: _Tracked) -> bool:
        """Start an automatic job when the project's history has unanalysed commits on the branches
        its last analysis covered. Answers whether one was started."""
        project_uuid = t.project_uuid
        fingerprint = self.runner.sources.fingerprint(project_uuid, t.num)
        if fingerprint is None or self.fingerprints.get(project_uuid) == fingerprint:
            return False
        analysis = self.app.analysis(project_uuid)
        if analysis is None or not analysis.auto or analysis.running:
            return False
        started = False
        if self.runner.todo(analysis, analysis.auto_branches) > 0:
            config = self.runner.configs.get(t.num)
            if config is not None:
                try:
                    self.app.start(project_uuid, t.num, analysis.auto_branches, config.patterns, config.analyzers,
                                   actor=SYSTEM, automatic=True)
                    started = True
                except DomainError as exc:
                    log.info("no automatic analysis of project %s: %s", t.num, exc.message)
        self.fingerprints[project_uuid] = fingerprint
        return started

    # --- the thread -------------------------------------------------------------------------------
    def wake(self, *_: object) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="analysis-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("analysis worker still busy after %.0fs; leaving it", timeout)
            self._thread = None
        self.runner.measurer.close()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.tick()
                failures = 0
            except Exception:
                failures += 1
                log.exception("analysis worker round failed (attempt %d)", failures)
                self._wake.wait(min(30.0, self.settings.poll_seconds * failures))
                continue
            self._wake.wait(self.settings.poll_seconds)
