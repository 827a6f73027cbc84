"""The history import worker: the import process manager (``application/history/importer.py``) in a
thread of the server, or of ``codeannals worker``.

Settings: ``CODEANNALS_POLL_SECONDS`` (vcsOnline projects are fetched again this often, default 60),
``CODEANNALS_IMPORT_BATCH_SIZE`` (commits per batch event, default 500),
``CODEANNALS_IMPORT_LEASE_SECONDS`` (a dead worker's job is taken over after this, default 300),
``CODEANNALS_IMPORT_PROCESSES`` (processes computing file changes for runs of more than a few hundred
commits; default: 2 on a machine with two or more cores, else 0, in the worker thread).
Mirrors live in ``<data dir>/repos/<project uuid>.git``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.history.importer import ImportConfig, Importer
from application.history.service import HistoryApplication
from application.projects.service import ProjectsApplication
from domain.projects.project import Project
from interfaces.history.importing import DulwichGit

if TYPE_CHECKING:
    from interfaces.container import Container

log = logging.getLogger("codeannals.history.worker")

FOLLOWED_PROJECT_EVENTS = (
    Project.Created, Project.VcsUrlChanged, Project.StartDateChanged, Project.VcsOnlineChanged,
    Project.VcsCredentialsChanged, Project.Deleted,
)


class ProjectsLogAdapter:
    """The importer's view of the projects application."""

    def __init__(self, projects: ProjectsApplication) -> None:
        self.app = projects
        self.topics = [get_topic(cls) for cls in FOLLOWED_PROJECT_EVENTS]

    def events_after(self, position: int, limit: int) -> list[tuple[int, Any]]:
        notifications = self.app.recorder.select_notifications(start=position + 1, limit=limit, topics=self.topics)
        return [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]

    def project(self, project_uuid: UUID) -> Any | None:
        project = self.app.find_aggregate(project_uuid)
        if project is not None:
            # A copy loaded for reading only: the importer gets the password it must send in clear.
            project.vcs_password = self.app.vcs_password(project)
        return project


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _int_setting(extra: Any, key: str, default: int) -> int:
    raw = extra.get(key)
    return int(raw) if raw not in (None, "") else default


class HistoryImportWorker:
    """Runs :meth:`Importer.tick` until stopped; woken at once by saves in this process."""

    name = "history-import"

    def __init__(self, importer: Importer, idle_seconds: float = 1.0, join_seconds: float = 10.0) -> None:
        self.importer = importer
        self.idle_seconds = idle_seconds
        self.join_seconds = join_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="history-import", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker to stop after the current batch, without waiting for it."""
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Stop after the current batch: a job half-way is released for the next worker."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.join_seconds)
            if self._thread.is_alive():
                log.warning("history import worker still busy after %.0fs; leaving it", self.join_seconds)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.importer.tick(self._stop)
                self.ticks += 1
                failures = 0
            except Exception:
                if self._stop.is_set():
                    return
                failures += 1
                log.exception("history import round failed (attempt %d); retrying", failures)
                self._wake.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))
                continue
            self._wake.wait(self.importer.seconds_until_next(time.time(), self.idle_seconds))


def build_import_worker(container: Container, on_batch: Callable[[UUID, int], None] | None = None,
                        worker_id: str | None = None) -> HistoryImportWorker:
    settings = container.settings
    history = container.app(HistoryApplication)
    projects = container.app(ProjectsApplication)
    extra = settings.extra
    config = ImportConfig(
        repos_dir=settings.data_dir / "repos",
        local_roots=settings.local_repo_roots,
        batch_size=_int_setting(extra, "CODEANNALS_IMPORT_BATCH_SIZE", 500),
        lease_seconds=float(_int_setting(extra, "CODEANNALS_IMPORT_LEASE_SECONDS", 300)),
        poll_seconds=float(settings.poll_seconds),
    )
    default_processes = 2 if (os.cpu_count() or 1) >= 2 else 0
    git = DulwichGit(processes=_int_setting(extra, "CODEANNALS_IMPORT_PROCESSES", default_processes))
    importer = Importer(history, ProjectsLogAdapter(projects), git, config, worker_id or new_worker_id(),
                        on_batch=on_batch)
    worker = HistoryImportWorker(importer)
    history.add_listener(worker.wake)
    projects.add_listener(worker.wake)
    return worker
