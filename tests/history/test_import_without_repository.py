"""A project made through the Copr API has no repository: nothing is imported (status NONE, no failed
import), and setting a vcsUrl later starts the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from projections.history import queries
from tests.history.test_history_http import build_demo
from tests.support.api import Api
from tests.support.copr import Copr
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    build_demo(root / "demo")
    return root


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="3600")


def test_a_project_without_a_repository_is_not_imported_until_it_gets_one(
    client: FlaskClient, api: Api, container: Container, repos: Path
) -> None:
    copr = Copr(client, api)
    owner = copr.user("packager")
    bare = copr.create_project(owner, name="packages")
    # A project with a repository made afterwards: once its import is done, the importer has seen both.
    other = api.create_project(owner.user, name="demo", vcs_url=str(GitRepo.existing(repos / "demo").path))
    api.wait_for_import(owner.user, other)

    status = api.import_status(owner.user, bare)
    assert status["status"] == "NONE" and status["failureReason"] is None and status["commits"] == 0
    assert queries.import_status(container.store, bare) is None  # no job, so no failed one either
    assert client.get(f"/api/projects/{bare}/branches", headers=owner.user.headers).get_json() == []

    r = client.post(f"/api/projects/{bare}", headers=owner.user.headers,
                    json={"name": "packages", "vcsUrl": str(repos / "demo")})
    assert r.status_code == 200, r.get_json()
    done = api.wait_for_import(owner.user, bare)
    assert done["status"] == "DONE" and done["commits"] == len(GitRepo.existing(repos / "demo").log())
