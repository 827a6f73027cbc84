"""The history import process manager: follows the projects log, keeps one current ``ImportJob`` per
project, and runs due jobs (clone or fetch, then record new commits in batches, then the refs).

One :meth:`Importer.tick` does the rounds; ``interfaces/history/worker.py`` calls it in a thread.

- Jobs: a project's ``Created``, ``VcsUrlChanged`` and ``StartDateChanged`` events start a new
  generation (its number is the project's version at that event); its job is created (an id derived
  from project and generation, so two workers cannot create it twice) together with ``Superseded``
  on the previous generation's job. ``Deleted`` cancels the current job; ``VcsOnlineChanged`` and
  ``VcsCredentialsChanged`` are passed on (the latter asks for a refresh). The log is read from the
  start whenever a worker starts (every step is idempotent), so no position needs to be stored.
- Claiming: the repository is fetched first (no events), then the job is claimed with an event and a
  lease; a conflicting save means another worker has it. Every batch renews the lease; a job whose
  lease expired is taken over by the next worker that looks at it.
- Resuming: the commits already recorded are read back from the job's batches (cached per job while
  the worker lives), and the walk skips them, so a killed import continues where it stopped and no
  commit is recorded twice.
- Keeping up: jobs of vcsOnline projects are fetched again every ``poll_seconds``, and at once when a
  refresh is requested. Nothing is recorded when nothing changed. A run records the new commits, then
  the refs as they are (``Finished``); commits a force-push left behind stop being reachable.
- Failures (unreachable, invalid or refused repository) mark the job FAILED with a readable reason;
  the next successful run clears it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from application.history.ports import GitPort, HistoryReader, ProjectsLog, RepositoryError
from application.history.service import HistoryApplication
from application.projects.vcs import local_repository_path
from domain.history.import_job import ImportJob, ImportStatus, PackedCommits, job_id
from domain.projects.project import Project
from domain.shared.actor import SYSTEM
from domain.shared.errors import Conflict, DomainError

log = logging.getLogger("codeannals.history.import")

MAX_BATCH = 1000  # the read model numbers contributors by (event position, place in batch < 1024)


@dataclass(frozen=True)
class ImportConfig:
    repos_dir: Path
    local_roots: tuple[Path, ...] = ()
    batch_size: int = 500
    max_batch_bytes: int = 16 * 1024 * 1024
    lease_seconds: float = 300.0
    poll_seconds: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")


@dataclass
class TrackedProject:
    """A project as the projects log describes it, folded."""

    uuid: UUID
    num: int
    generation: int
    vcs_url: str
    start_date: int | None
    vcs_online: bool
    deleted: bool = False
    generations: set[int] = field(default_factory=set)
    credentials_changed: bool = False

    @property
    def job_id(self) -> UUID:
        return job_id(self.uuid, self.generation)


FOLLOWED_JOB_EVENTS = (
    ImportJob.Created, ImportJob.Claimed, ImportJob.Released, ImportJob.RefreshRequested, ImportJob.Failed,
    ImportJob.Finished, ImportJob.OnlineChanged,
)


class Importer:
    def __init__(
        self,
        history: HistoryApplication,
        projects: ProjectsLog,
        git: GitPort,
        config: ImportConfig,
        worker_id: str,
        clock: Callable[[], float] = time.time,
        on_batch: Callable[[UUID, int], None] | None = None,
    ) -> None:
        self.history = history
        self.projects = projects
        self.git = git
        self.config = config
        self.worker_id = worker_id
        self.clock = clock
        self.on_batch = on_batch
        self.projects_position = 0
        self.history_position = history.max_position()
        self.tracked: dict[UUID, TrackedProject] = {}
        self.current: dict[UUID, UUID] = {}  # current job id -> project uuid
        self.dirty: set[UUID] = set()
        self.next_check: dict[UUID, float] = {}
        self.last_checked: dict[UUID, float] = {}
        self._known: dict[UUID, tuple[int, set[str]]] = {}

    # --- following the logs ------------------------------------------------------------------
    def follow_projects(self, limit: int = 1000) -> int:
        """Read new project events; make sure each touched project's current job exists (and older
        generations' jobs are superseded, a deleted project's job cancelled)."""
        seen = 0
        while True:
            events = self.projects.events_after(self.projects_position, limit)
            if not events:
                return seen
            touched: dict[UUID, TrackedProject] = {}
            for position, ev in events:
                self.projects_position = max(self.projects_position, position)
                tracked = self._fold(position, ev)
                if tracked is not None:
                    touched[tracked.uuid] = tracked
            for tracked in touched.values():
                self._retrying(lambda t=tracked: self._ensure(t))  # type: ignore[misc]
            seen += len(events)
            if len(events) < limit:
                return seen

    def _fold(self, position: int, ev: Any) -> TrackedProject | None:
        if isinstance(ev, Project.Created):
            tracked = TrackedProject(ev.originator_id, position, ev.originator_version, ev.vcs_url, ev.start_date,
                                     bool(ev.vcs_online))
            tracked.generations.add(tracked.generation)
            self.tracked[tracked.uuid] = tracked
            return tracked
        found = self.tracked.get(ev.originator_id)
        if found is None:
            return None
        tracked = found
        if isinstance(ev, Project.VcsUrlChanged):
            tracked.generation, tracked.vcs_url = ev.originator_version, ev.vcs_url
            tracked.generations.add(tracked.generation)
        elif isinstance(ev, Project.StartDateChanged):
            tracked.generation, tracked.start_date = ev.originator_version, ev.start_date
            tracked.generations.add(tracked.generation)
        elif isinstance(ev, Project.VcsOnlineChanged):
            tracked.vcs_online = bool(ev.vcs_online)
        elif isinstance(ev, Project.VcsCredentialsChanged):
            tracked.credentials_changed = True
        elif isinstance(ev, Project.Deleted):
            tracked.deleted = True
        return tracked

    def _retrying(self, command: Callable[[], None], attempts: int = 4) -> None:
        for attempt in range(attempts):
            try:
                command()
                return
            except Conflict:
                if attempt == attempts - 1:
                    raise

    def _ensure(self, tracked: TrackedProject) -> None:
        current = tracked.job_id
        for generation in sorted(tracked.generations):
            if generation != tracked.generation:
                self.current.pop(job_id(tracked.uuid, generation), None)
                self.next_check.pop(job_id(tracked.uuid, generation), None)
        if tracked.deleted:
            self.current.pop(current, None)
            self.next_check.pop(current, None)
            job = self.history.job(current)
            if job is not None and job.status is not ImportStatus.CANCELLED:
                job.cancel(actor=SYSTEM)
                self.history.save(job)
            try:
                self.git.discard(self.repository_dir(tracked.uuid))
            except OSError:
                log.warning("could not remove the mirror of deleted project %s", tracked.num, exc_info=True)
            return
        job = self.history.job(current)
        changed: list[ImportJob] = []
        if not tracked.vcs_url and job is None:
            # A project without a repository (one made through the Copr API): nothing to import; an
            # earlier generation's job stops. Setting a vcsUrl later starts an import.
            self._supersede_older(tracked, changed)
            if changed:
                self.history.save(*changed)
            return
        if job is None:
            job = ImportJob(project_id=tracked.uuid, project_num=tracked.num, generation=tracked.generation,
                            vcs_url=tracked.vcs_url, start_date=tracked.start_date, vcs_online=tracked.vcs_online,
                            actor=SYSTEM)
        else:
            job.set_online(tracked.vcs_online, actor=SYSTEM)
            if tracked.credentials_changed:
                job.request_refresh(actor=SYSTEM)
        changed.append(job)
        self._supersede_older(tracked, changed)
        pending = [j for j in changed if j.pending_events]
        if pending:
            self.history.save(*pending)
        tracked.credentials_changed = False
        if not job.terminal:
            self.current[current] = tracked.uuid
            self.dirty.add(current)

    def _supersede_older(self, tracked: TrackedProject, changed: list[ImportJob]) -> None:
        for generation in sorted(tracked.generations):
            if generation < tracked.generation:
                old = self.history.job(job_id(tracked.uuid, generation))
                if old is not None and not old.terminal:
                    old.supersede(tracked.generation, actor=SYSTEM)
                    changed.append(old)

    def follow_history(self, limit: int = 1000) -> int:
        """Notice job changes made by others (refresh requests, claims, releases)."""
        recorder = self.history.recorder
        seen = 0
        while True:
            notifications = recorder.select_notifications(
                start=self.history_position + 1, limit=limit, topics=self._job_topics()
            )
            if not notifications:
                return seen
            for n in notifications:
                self.history_position = max(self.history_position, n.id)
                job = n.originator_id if isinstance(n.originator_id, UUID) else UUID(str(n.originator_id))
                if job in self.current:
                    self.dirty.add(job)
            seen += len(notifications)
            if len(notifications) < limit:
                return seen

    @staticmethod
    def _job_topics() -> list[str]:
        from eventsourcing.utils import get_topic

        return [get_topic(cls) for cls in FOLLOWED_JOB_EVENTS]

    # --- deciding --------------------------------------------------------------------------------
    def due(self, now: float) -> list[UUID]:
        """Jobs to look at now: changed ones, and those whose poll or lease time has come."""
        due = set(self.dirty) | {j for j, at in self.next_check.items() if at <= now}
        self.dirty.clear()
        return sorted((j for j in due if j in self.current), key=str)

    def examine(self, job_uuid: UUID, now: float) -> str | None:
        """What to do with a job now: "import", "takeover", "refresh", "poll", or None (and when to
        look again)."""
        job = self.history.job(job_uuid)
        if job is None or job.terminal or job_uuid not in self.current:
            self.current.pop(job_uuid, None)
            self.next_check.pop(job_uuid, None)
            return None
        self.next_check.pop(job_uuid, None)
        if job.status is ImportStatus.PENDING:
            return "import"
        if job.status is ImportStatus.RUNNING:
            if job.lease_expired(now):
                return "takeover"
            self.next_check[job_uuid] = job.lease_until + 0.5
            return None
        if job.refresh_requested:
            return "refresh"
        if job.vcs_online:
            last = self.last_checked.get(job_uuid)
            if last is None or now - last >= self.config.poll_seconds:
                return "poll"
            self.next_check[job_uuid] = last + self.config.poll_seconds
        return None

    def seconds_until_next(self, now: float, ceiling: float) -> float:
        if self.dirty:
            return 0.0
        upcoming = [at - now for at in self.next_check.values()]
        return max(0.0, min([ceiling, *upcoming]))

    def tick(self, stop: threading.Event) -> int:
        """One round: follow the logs, run every due job. Answers how many jobs ran."""
        self.follow_projects()
        self.follow_history()
        ran = 0
        for job_uuid in self.due(self.clock()):
            if stop.is_set():
                self.dirty.add(job_uuid)
                continue
            reason = self.examine(job_uuid, self.clock())
            if reason is not None:
                self.run(job_uuid, stop, reason)
                ran += 1
                self.dirty.add(job_uuid)  # look again next round: schedules its next poll or lease check
        return ran

    # --- running ---------------------------------------------------------------------------------
    def repository_dir(self, project_uuid: UUID) -> Path:
        return self.config.repos_dir / f"{project_uuid}.git"

    def run(self, job_uuid: UUID, stop: threading.Event, reason: str = "import") -> str:
        """Fetch and record what is new. Answers what happened: "done", "unchanged", "failed",
        "busy" (another worker has it), "stopped" (released half-way), "lost" (taken over), "gone"."""
        now = self.clock()
        self.last_checked[job_uuid] = now
        job = self.history.job(job_uuid)
        if job is None or job.terminal:
            return "gone"
        project = self.projects.project(job.project_id)
        if project is None or getattr(project, "deleted", False):
            return "gone"
        directory = self.repository_dir(job.project_id)
        try:
            local = local_repository_path(job.vcs_url, self.config.local_roots)
            source = str(local) if local is not None else job.vcs_url
            self.git.fetch(source, directory, project.vcs_username, project.vcs_password)
            reader = self.git.open(directory)
        except (DomainError, RepositoryError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            self._fail(job_uuid, message)
            return "failed"
        try:
            return self._record(job_uuid, reader, stop, reason)
        except Conflict:
            log.info("import job %s was taken over or changed by another worker", job_uuid)
            return "lost"
        except Exception as exc:
            log.exception("import job %s failed", job_uuid)
            text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            self._fail(job_uuid, f"the import failed: {type(exc).__name__}{': ' + text if text else ''}")
            return "failed"
        finally:
            reader.close()

    def _record(self, job_uuid: UUID, reader: HistoryReader, stop: threading.Event, reason: str) -> str:
        state = reader.state()
        job = self.history.job(job_uuid)
        if job is None or job.terminal:
            return "gone"
        if job.status is ImportStatus.DONE and not job.refresh_requested and state.refs == job.refs:
            return "unchanged"
        now = self.clock()
        try:
            job.claim(self.worker_id, now, self.config.lease_seconds, actor=SYSTEM)
            self.history.save(job)
        except Conflict:
            return "busy"
        known = self._known_hashes(job)
        hashes = reader.plan(job.start_date, known.__contains__)
        job.plan(len(hashes), self.worker_id, self.clock(), self.config.lease_seconds, actor=SYSTEM)
        self.history.save(job)
        log.info("import of project %s (%s): %d new commits", job.project_num, reason, len(hashes))
        pending: list[str] = []
        pending_bytes = 0
        position = 0
        for packed in reader.packed(hashes):
            if stop.is_set():
                job.release(self.worker_id, actor=SYSTEM)
                self.history.save(job)
                return "stopped"
            pending.append(packed)
            pending_bytes += len(packed)
            if len(pending) >= self.config.batch_size or pending_bytes >= self.config.max_batch_bytes:
                self._save_batch(job, pending, hashes[position:position + len(pending)], known)
                position += len(pending)
                pending, pending_bytes = [], 0
        if pending:
            self._save_batch(job, pending, hashes[position:position + len(pending)], known)
        if stop.is_set():
            job.release(self.worker_id, actor=SYSTEM)
            self.history.save(job)
            return "stopped"
        job.finish(state.refs, state.default_branch, self.worker_id, actor=SYSTEM)
        self.history.save(job)
        return "done"

    def _save_batch(self, job: ImportJob, packed: list[str], hashes: list[str], known: set[str]) -> None:
        batch = job.record_batch(PackedCommits.join(packed), self.worker_id, self.clock(),
                                 self.config.lease_seconds, actor=SYSTEM)
        self.history.save(batch, job)
        known.update(hashes)
        self._known[job.id] = (job.seq, known)
        if self.on_batch is not None:
            self.on_batch(job.id, job.seq)

    def _known_hashes(self, job: ImportJob) -> set[str]:
        """Every commit this job recorded: cached, completed from the batches recorded since."""
        seq, hashes = self._known.get(job.id, (0, set()))
        if seq > job.seq:
            seq, hashes = 0, set()
        for s in range(seq + 1, job.seq + 1):
            hashes.update(self.history.batch(job.id, s).hashes())
        self._known[job.id] = (job.seq, hashes)
        return hashes

    def _fail(self, job_uuid: UUID, reason: str) -> None:
        log.warning("import job %s failed: %s", job_uuid, reason)

        def command() -> None:
            job = self.history.job(job_uuid)
            if job is None:
                return
            if job.status is ImportStatus.RUNNING and not job.held_by(self.worker_id) \
                    and not job.lease_expired(self.clock()):
                return  # another worker holds it: its outcome counts
            if job.fail(reason, actor=SYSTEM):
                self.history.save(job)

        self._retrying(command)
