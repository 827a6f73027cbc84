"""vcsUrl naming a directory on the server: allowed only below CODEANNALS_LOCAL_REPO_ROOTS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from application.projects.vcs import local_repository_path
from domain.shared.errors import Invalid
from tests.support.api import Api
from tests.support.databases import server_env


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    (root / "test-repository").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", root / "escape")
    return root


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=f"{repos}:{repos.parent / 'other'}")


def test_local_paths_and_file_urls_only_below_the_roots(client: FlaskClient, api: Api, repos: Path) -> None:
    owner = api.register("owner")
    inside = repos / "test-repository"
    for url in (str(inside), f"file:{inside}", f"file://{inside}", f"file://localhost{inside}", str(repos),
                f"{repos}/not-yet-cloned"):
        r = client.post("/api/projects", headers=owner.headers, json={"name": "p", "vcsUrl": url})
        assert r.status_code == 201, (url, r.get_json())
    for url in (str(repos.parent / "secret"), f"{repos}/../secret", f"file:{repos}/escape",
                f"{repos}/escape/inner", f"file:{repos}/test-repository/%2e%2e/%2e%2e/secret", "/etc/passwd",
                f"{repos}-sibling", "file:relative"):
        r = client.post("/api/projects", headers=owner.headers, json={"name": "p", "vcsUrl": url})
        assert r.status_code == 400, url
        assert "vcsUrl" in r.get_json()["errorMessage"]
    project_id = api.create_project(owner)
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json={"vcsUrl": "/etc"})
    assert r.status_code == 400
    assert client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json()["vcsUrl"] == "https://valid.url"


def test_the_seeds_file_url_works_when_its_directory_is_a_root(tmp_path: Path) -> None:
    seed_dir = tmp_path / "build" / "resources" / "test" / "test-repository"
    seed_dir.mkdir(parents=True)
    assert local_repository_path(f"file:{seed_dir}", [tmp_path / "build"]) == seed_dir.resolve()
    assert local_repository_path("https://valid.url", []) is None
    with pytest.raises(Invalid):
        local_repository_path(f"file:{seed_dir}", [])  # no roots configured: nothing local is allowed
