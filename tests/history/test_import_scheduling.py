"""The import worker's rounds, with a clock the test moves: polls that find nothing record nothing and
come back every poll period; refreshes and lease expiries are noticed; vcsOnline false waits for a
refresh."""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import UUID

import pytest

from application.history.importer import Importer
from application.history.service import HistoryApplication
from interfaces.container import Container
from interfaces.history.worker import build_import_worker
from tests.support.api import Api
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo

POLL = 60.0


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_RUN_WORKERS="false",
                      CODEANNALS_POLL_SECONDS=str(int(POLL)))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def importer_with(container: Container, clock: Clock) -> Importer:
    importer = build_import_worker(container, worker_id="ticker").importer
    importer.clock = clock
    return importer


def history_events(container: Container) -> int:
    return container.app(HistoryApplication).max_position()


def test_polls_that_find_nothing_record_nothing_and_come_back(api: Api, container: Container, repos: Path) -> None:
    repo = GitRepo(repos / "r")
    repo.commit("c1", {"a.txt": "1\n"})
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(repo.path))
    offline = api.create_project(owner, name="offline", vcs_url=str(repo.path), vcsOnline=False)
    clock, stop = Clock(), threading.Event()
    importer = importer_with(container, clock)
    assert importer.tick(stop) == 2  # both imported
    assert importer.tick(stop) == 0
    recorded = history_events(container)
    for _ in range(3):  # a poll period later: fetched again, nothing new, nothing recorded
        clock.now += POLL
        assert importer.tick(stop) == 1  # the online project only
        assert importer.tick(stop) == 0
        assert history_events(container) == recorded
    repo.commit("c2", {"a.txt": "2\n"})
    clock.now += POLL / 2
    assert importer.tick(stop) == 0  # not due yet
    clock.now += POLL / 2
    assert importer.tick(stop) == 1
    assert history_events(container) > recorded
    api.wait_for_import(owner, project_id, runs=2)  # the run that found c2 (the first is DONE already)
    assert api.import_status(owner, project_id)["commits"] == 2
    assert api.import_status(owner, offline)["commits"] == 1
    # A refresh request (here: of the offline project) is noticed at the next round, not a poll later.
    assert api.client.post(f"/api/projects/{offline}/refresh", headers=owner.headers).status_code == 200
    assert importer.tick(stop) == 1
    api.wait_for_import(owner, offline, runs=2)
    assert api.import_status(owner, offline)["commits"] == 2


def test_a_job_held_by_a_silent_worker_is_taken_over_when_its_lease_expires(api: Api, container: Container,
                                                                            repos: Path) -> None:
    repo = GitRepo(repos / "r")
    repo.commit("c1", {"a.txt": "1\n"})
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(repo.path))
    clock, stop = Clock(), threading.Event()
    silent = importer_with(container, clock)
    silent.follow_projects()
    job_id = next(iter(silent.current))
    history = container.app(HistoryApplication)
    job = history.job(job_id)
    assert job is not None
    job.claim("silent", clock.now, 300, actor="system")  # claimed, then nothing: the worker died
    history.save(job)
    rescuer = importer_with(container, clock)
    assert rescuer.tick(stop) == 0  # held: its lease runs for another 300 s
    clock.now += 299
    assert rescuer.tick(stop) == 0
    clock.now += 2
    assert rescuer.tick(stop) == 1
    status = api.wait_for_import(owner, project_id)
    assert status["commits"] == 1
    assert UUID(str(container.store.scalar("SELECT job_uuid FROM history_imports WHERE project_id=%s",
                                           (project_id,)))) == job_id
