"""The composition root: builds the applications, the read store and the projection runner."""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from application.identity.service import IdentityApplication
from application.shared.base import ContextApplication
from interfaces.contexts import build_applications, build_projections, build_workers
from interfaces.persistence.blobs import BlobStore, build_blob_store
from interfaces.persistence.schema_lock import schema_lock
from interfaces.persistence.storage_lock import StorageLock
from interfaces.settings import Settings
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore

log = logging.getLogger("codeannals")

A = TypeVar("A", bound=ContextApplication)


class Worker(Protocol):
    """A process manager that follows the event log and does long work (imports, analyses)."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.backend == "sqlite":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        conninfo = settings.postgres.conninfo if settings.backend == "postgres" else None
        with schema_lock(conninfo):  # processes starting together take turns creating tables
            self.applications: dict[str, ContextApplication] = {a.name: a for a in build_applications(settings)}
        self.store: ReadStore = (
            PostgresReadStore(settings.postgres.conninfo, min_size=1, max_size=max(4, settings.postgres_pool_size * 2))
            if settings.backend == "postgres"
            else SQLiteReadStore(settings.data_dir / "readmodels.sqlite")
        )
        self.blobs: BlobStore = build_blob_store(settings, self.store)
        self.runner = ProjectionRunner(
            self.applications, build_projections(tuple(self.applications)), self.store
        )
        for app in self.applications.values():
            app.add_listener(self.runner.wake)
        self.secret_key = settings.resolved_secret_key()
        self.workers: list[Worker] = build_workers(self)
        self.storage_lock = StorageLock(settings)  # held by a running server, runner or worker (hold_storage)
        self._started = False

    def app(self, cls: type[A]) -> A:
        app = self.applications[cls.name]
        assert isinstance(app, cls)
        return app

    @property
    def identity(self) -> IdentityApplication:
        return self.app(IdentityApplication)

    def start(self, projections: bool | None = None, workers: bool | None = None) -> None:
        """Prepare the read models, catch up, and start the background runner and workers."""
        if self._started:
            return
        self.runner.setup()
        run_projections = self.settings.run_projections if projections is None else projections
        run_workers = self.settings.run_workers if workers is None else workers
        if run_projections:
            self.runner.catch_up()
            self.runner.start()
        if run_workers:
            for worker in self.workers:
                worker.start()
        self._started = True

    def hold_storage(self) -> None:
        """Mark the storage as used by this running process until :meth:`close` (a projections rebuild
        refuses meanwhile): servers, projection runners, workers and ``codeannals analyze`` call it."""
        self.storage_lock.hold_shared()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.runner.stop()
        for app in self.applications.values():
            app.close()
        self.store.close()
        self.storage_lock.release()
        self._started = False
