"""Imports stopped or killed half-way continue where they stopped, and two workers never record a
commit twice: checked against git and against the recorded batch events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from application.history.service import HistoryApplication
from domain.history.import_job import CommitBatch, ImportJob
from interfaces.container import Container
from interfaces.history.worker import HistoryImportWorker, build_import_worker
from tests.support.api import Api, User
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo, generate

COMMITS = 120
BATCH = 7


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    # No worker starts with the server: each test runs its own.
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_RUN_WORKERS="false",
                      CODEANNALS_IMPORT_BATCH_SIZE=str(BATCH), CODEANNALS_IMPORT_LEASE_SECONDS="1",
                      CODEANNALS_POLL_SECONDS="3600")


@pytest.fixture
def big(repos: Path) -> GitRepo:
    return generate(repos / "big", COMMITS)


class Crash(BaseException):
    """What a killed process looks like to its import: it stops between two saves, releasing nothing."""


@pytest.fixture
def workers(container: Container) -> Iterator[list[HistoryImportWorker]]:
    started: list[HistoryImportWorker] = []
    yield started
    for w in started:
        w.stop()


def start_worker(container: Container, started: list[HistoryImportWorker], name: str,
                 on_batch: Any = None) -> HistoryImportWorker:
    worker = build_import_worker(container, on_batch=on_batch, worker_id=name)
    started.append(worker)
    worker.start()
    return worker


def wait_until(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def recorded_batches(container: Container, job_id: UUID) -> list[CommitBatch]:
    history = container.app(HistoryApplication)
    job = history.job(job_id)
    assert job is not None
    return [history.batch(job_id, seq) for seq in range(1, job.seq + 1)]


def assert_recorded_exactly_once(client: FlaskClient, api: Api, container: Container, owner: User, project_id: int,
                                 repo: GitRepo) -> None:
    status = api.wait_for_import(owner, project_id)
    expected = {e.hash for e in repo.log()}
    assert status["commits"] == status["total"] == len(expected)
    job_id = UUID(container.store.scalar("SELECT job_uuid FROM history_imports WHERE project_id=%s", (project_id,)))
    hashes = [h for batch in recorded_batches(container, job_id) for h in batch.hashes()]
    assert len(hashes) == len(set(hashes)) == len(expected) and set(hashes) == expected
    log = client.get(f"/api/projects/{project_id}/commitLog", headers=owner.headers).get_json()
    assert [c["hash"] for c in log] == [e.hash[:16] for e in repo.log()]
    assert [c["parents"] for c in log] == [[p[:16] for p in e.parents] for e in repo.log()]


def test_a_stopped_import_is_released_and_the_next_worker_resumes_it(
        client: FlaskClient, api: Api, container: Container, big: GitRepo,
        workers: list[HistoryImportWorker]) -> None:
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(big.path))
    first: HistoryImportWorker | None = None

    def stop_after_three(job_id: UUID, seq: int) -> None:
        if seq == 3 and first is not None:
            first.request_stop()

    first = start_worker(container, workers, "first", stop_after_three)
    first.join(60)
    assert not first.running
    # Released (PENDING, not FAILED) after three batches, with its progress.
    wait_until(lambda: api.import_status(owner, project_id)["status"] == "PENDING"
               and api.import_status(owner, project_id)["batches"] == 3)
    status = api.import_status(owner, project_id)
    assert status["commits"] == 3 * BATCH and status["total"] == COMMITS
    # Nothing half-imported shows: no refs yet, so no commits either.
    assert client.get(f"/api/projects/{project_id}/commitLog", headers=owner.headers).get_json() == []
    assert client.get(f"/api/projects/{project_id}/branches", headers=owner.headers).get_json() == []
    start_worker(container, workers, "second")
    assert_recorded_exactly_once(client, api, container, owner, project_id, big)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_killed_import_is_taken_over_when_its_lease_expires(
        client: FlaskClient, api: Api, container: Container, big: GitRepo,
        workers: list[HistoryImportWorker]) -> None:
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(big.path))
    crashed = threading.Event()

    def crash_after_four(job_id: UUID, seq: int) -> None:
        if seq == 4:
            crashed.set()
            raise Crash()

    doomed = start_worker(container, workers, "doomed", crash_after_four)
    wait_until(crashed.is_set)
    doomed.join(10)
    assert not doomed.running
    wait_until(lambda: api.import_status(owner, project_id)["commits"] == 4 * BATCH)
    assert api.import_status(owner, project_id)["status"] == "RUNNING"  # and nobody releases it
    start_worker(container, workers, "rescuer")
    assert_recorded_exactly_once(client, api, container, owner, project_id, big)
    job_id = UUID(container.store.scalar("SELECT job_uuid FROM history_imports WHERE project_id=%s", (project_id,)))
    claims = [e for e in container.app(HistoryApplication).repository.event_store.get(job_id)
              if isinstance(e, ImportJob.Claimed)]
    assert [c.worker for c in claims] == ["doomed", "rescuer"]


def test_two_workers_at_once_record_each_commit_once(
        client: FlaskClient, api: Api, container: Container, repos: Path,
        workers: list[HistoryImportWorker]) -> None:
    owner = api.register("owner")
    repos_made = [generate(repos / f"r{i}", 40 + 10 * i, seed=i) for i in range(3)]
    projects = [api.create_project(owner, name=f"p{i}", vcs_url=str(r.path)) for i, r in enumerate(repos_made)]
    start_worker(container, workers, "one")
    start_worker(container, workers, "two")
    for project_id, repo in zip(projects, repos_made, strict=True):
        assert_recorded_exactly_once(client, api, container, owner, project_id, repo)
    # Each job was claimed by one worker at a time: claims alternate with finished runs.
    history = container.app(HistoryApplication)
    for project_id in projects:
        job_id = UUID(container.store.scalar("SELECT job_uuid FROM history_imports WHERE project_id=%s", (project_id,)))
        kinds = [type(e).__name__ for e in history.repository.event_store.get(job_id)
                 if isinstance(e, ImportJob.Claimed | ImportJob.Finished)]
        assert kinds == ["Claimed", "Finished"]
