"""SIGKILL the real server half-way through an import: after a restart the import ends with exactly
the commits git has, each recorded once."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import pytest
import requests

from application.history.service import HistoryApplication
from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.databases import server_env
from tests.support.gitrepo import generate
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

COMMITS = 1500


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_IMPORT_BATCH_SIZE="10",
                      CODEANNALS_IMPORT_LEASE_SECONDS="2", CODEANNALS_POLL_SECONDS="3600")


def status_of(base: str, token: str, project_id: int) -> dict[str, object]:
    r = requests.get(f"{base}/api/projects/{project_id}/import", headers={"Authorization": token}, timeout=10)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_an_import_killed_half_way_ends_with_exactly_the_same_commits(env: dict[str, str], repos: Path,
                                                                     tmp_path: Path) -> None:
    repo = generate(repos / "big", COMMITS)
    server = ServerProcess(env, log_path=tmp_path / "server.log").start()
    try:
        base = server.url
        assert requests.post(f"{base}/api/user/registration", json={"username": "owner", "password": "password1"},
                             timeout=10).status_code == 201
        token = requests.post(f"{base}/api/user/auth", json={"username": "owner", "password": "password1"},
                              timeout=10).json()["accessToken"]
        r = requests.post(f"{base}/api/projects", headers={"Authorization": token},
                          json={"name": "big", "vcsUrl": str(repo.path)}, timeout=10)
        assert r.status_code == 201, r.text
        project_id = r.json()["id"]
        deadline = time.monotonic() + 120
        while True:
            status = status_of(base, token, project_id)
            if status["status"] == "RUNNING" and int(str(status["commits"])) >= 200:
                break
            assert status["status"] != "DONE", "the import finished before it could be killed"
            assert time.monotonic() < deadline, status
            time.sleep(0.02)
        server.kill()
        assert int(str(status["commits"])) < COMMITS

        server = ServerProcess(env, port=server.port, log_path=tmp_path / "server.log").start()
        deadline = time.monotonic() + 180
        while (status := status_of(base, token, project_id))["status"] != "DONE":
            assert status["status"] != "FAILED", status
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["commits"] == status["total"] == COMMITS
        log = requests.get(f"{base}/api/projects/{project_id}/commitLog", headers={"Authorization": token},
                           timeout=30).json()
        assert [c["hash"] for c in log] == [e.hash[:16] for e in repo.log()]
    finally:
        server.stop()

    container = Container(Settings.from_env(env))
    try:
        history = container.app(HistoryApplication)
        job_id = UUID(container.store.scalar("SELECT job_uuid FROM history_imports WHERE project_id=%s",
                                             (project_id,)))
        job = history.job(job_id)
        assert job is not None
        hashes = [h for seq in range(1, job.seq + 1) for h in history.batch(job_id, seq).hashes()]
        assert len(hashes) == len(set(hashes)) == COMMITS
        assert set(hashes) == {e.hash for e in repo.log()}
    finally:
        container.close()
