"""Keeping up with a repository: polling, refresh, force-pushes, deleted branches, a new vcsUrl or
startDate, and repositories that cannot be read (with the server's own import worker)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api, User
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo
from tests.support.server import free_port


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="1")


def eventually(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something truthy (or stops raising AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def log_hashes(client: FlaskClient, user: User, project_id: int) -> list[str]:
    r = client.get(f"/api/projects/{project_id}/commitLog", headers=user.headers)
    assert r.status_code == 200
    return [c["hash"] for c in r.get_json()]


def git_hashes(repo: GitRepo, *revs: str) -> list[str]:
    return [e.hash[:16] for e in repo.log(*revs)]


def shows_git(client: FlaskClient, user: User, project_id: int, repo: GitRepo) -> bool:
    return log_hashes(client, user, project_id) == git_hashes(repo)


def test_polling_and_refresh_follow_new_commits_force_pushes_and_deleted_branches(
        client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo(repos / "r")
    repo.commit("c1", {"a.txt": "1\n"}, author="alice")
    c2 = repo.commit("c2", {"a.txt": "2\n"}, author="bob")
    repo.checkout("topic", create=True)
    t1 = repo.commit("t1", {"t.txt": "t\n"}, author="carol")
    repo.checkout("main")
    c3 = repo.commit("c3", {"b.txt": "b\n"}, author="alice")
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(repo.path))
    api.wait_for_import(owner, project_id)
    assert shows_git(client, owner, project_id, repo)

    # New commits arrive by polling (vcsOnline projects are fetched every CODEANNALS_POLL_SECONDS).
    repo.commit("c4", {"a.txt": "4\n"}, author="bob")
    eventually(lambda: shows_git(client, owner, project_id, repo))
    main = client.get(f"/api/projects/{project_id}/commits?branchName=main", headers=owner.headers).get_json()
    assert [c["hash"] for c in main] == git_hashes(repo, "main")

    # A force-push and a deleted branch: the commits left behind disappear from every view.
    repo.git("reset", "-q", "--hard", c2)
    c5 = repo.commit("c5", {"c.txt": "c\n"}, author="alice")
    repo.git("branch", "-D", "topic")
    eventually(lambda: shows_git(client, owner, project_id, repo))
    assert log_hashes(client, owner, project_id) == [c5[:16], c2[:16], repo.log()[-1].hash[:16]]
    branches = client.get(f"/api/projects/{project_id}/branches", headers=owner.headers).get_json()
    assert branches == [{"name": "main", "commitHash": c5, "isTag": False}]
    names = [c["displayName"] for c in client.get(f"/api/projects/{project_id}/contributors",
                                                   headers=owner.headers).get_json()]
    assert names == ["Alice Liddell", "Bob Builder"]  # carol's only commit is gone
    for gone in (c3, t1):
        r = client.post(f"/api/projects/{project_id}/files/content", headers=owner.headers,
                        json={"commitHash": gone, "filepath": "a.txt"})
        assert r.status_code == 404
        assert client.get(f"/api/projects/{project_id}/files/tree/{gone}", headers=owner.headers).status_code == 404

    # The branch comes back: its commit shows again (it was recorded once and is not recorded twice).
    recorded = api.import_status(owner, project_id)["commits"]
    repo.git("branch", "topic", t1)
    eventually(lambda: shows_git(client, owner, project_id, repo))
    assert t1[:16] in log_hashes(client, owner, project_id)
    assert api.import_status(owner, project_id)["commits"] == recorded

    # A refresh request is answered at once, also with nothing new.
    runs = api.import_status(owner, project_id)["runs"]
    r = client.post(f"/api/projects/{project_id}/refresh", headers=owner.headers)
    assert r.status_code == 200 and r.get_json()["refreshRequested"] is True
    api.wait_for_import(owner, project_id, runs=runs + 1)
    assert client.post("/api/projects/999999/refresh", headers=owner.headers).status_code == 404


def test_projects_with_vcs_online_false_are_only_fetched_on_request(client: FlaskClient, api: Api,
                                                                    repos: Path) -> None:
    repo = GitRepo(repos / "r")
    repo.commit("c1", {"a.txt": "1\n"})
    owner = api.register("owner")
    offline = api.create_project(owner, name="offline", vcs_url=str(repo.path), vcsOnline=False)
    online = api.create_project(owner, name="online", vcs_url=str(repo.path))
    api.wait_for_import(owner, offline)
    api.wait_for_import(owner, online)
    repo.commit("c2", {"a.txt": "2\n"})
    eventually(lambda: shows_git(client, owner, online, repo))
    assert len(log_hashes(client, owner, offline)) == 1
    runs = api.import_status(owner, offline)["runs"]
    assert client.post(f"/api/projects/{offline}/refresh", headers=owner.headers).status_code == 200
    api.wait_for_import(owner, offline, runs=runs + 1)
    assert shows_git(client, owner, offline, repo)


def test_a_new_vcs_url_or_start_date_replaces_the_history(client: FlaskClient, api: Api, repos: Path) -> None:
    first = GitRepo(repos / "first")
    for i in range(4):
        first.commit(f"first {i}", {"f.txt": f"{i}\n"}, author="carol")
    second = GitRepo(repos / "second", start=1_700_000_000)
    stamps = [second.commit(f"second {i}", {"s.txt": f"{i}\n"}, author="bob" if i % 2 else "alice")
              for i in range(5)]
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(first.path))
    status = api.wait_for_import(owner, project_id)
    assert shows_git(client, owner, project_id, first)
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json={"vcsUrl": f"file://{second.path}"})
    assert r.status_code == 200
    status = api.wait_for_import(owner, project_id, generation=status["generation"])
    assert status["commits"] == 5 and shows_git(client, owner, project_id, second)
    names = [c["displayName"] for c in client.get(f"/api/projects/{project_id}/contributors",
                                                   headers=owner.headers).get_json()]
    assert names == ["Alice Liddell", "Bob Builder"]

    # startDate (epoch ms): commits authored before it are left out of every view.
    third = second.log()[2]  # the third newest
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers,
                    json={"startDate": third.author_time * 1000})
    assert r.status_code == 200
    status = api.wait_for_import(owner, project_id, generation=status["generation"])
    assert status["commits"] == 3
    assert log_hashes(client, owner, project_id) == git_hashes(second)[:3]
    main = client.get(f"/api/projects/{project_id}/commits?branchName=main", headers=owner.headers).get_json()
    assert [c["hash"] for c in main] == [h[:16] for h in reversed(stamps[2:])]
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers,
                    json={"startDate": third.author_time * 1000 + 1})
    status = api.wait_for_import(owner, project_id, generation=status["generation"])
    assert status["commits"] == 2


def test_repositories_that_cannot_be_read_fail_with_a_readable_reason(client: FlaskClient, api: Api,
                                                                      repos: Path, tmp_path: Path) -> None:
    owner = api.register("owner")
    empty = repos / "not-a-repo"
    empty.mkdir()
    (empty / "file.txt").write_text("x")
    project_id = api.create_project(owner, vcs_url=str(empty))
    status = api.wait_for_import(owner, project_id, statuses=("FAILED",))
    assert "not a git repository" in status["failureReason"]
    assert client.get(f"/api/projects/{project_id}/commitLog", headers=owner.headers).get_json() == []
    # Once it is a repository, a refresh imports it and clears the failure.
    repo = GitRepo(empty)
    repo.commit("now a repo", {"file.txt": "x\n"})
    assert client.post(f"/api/projects/{project_id}/refresh", headers=owner.headers).status_code == 200
    status = api.wait_for_import(owner, project_id)
    assert status["failureReason"] is None and shows_git(client, owner, project_id, repo)

    # A server that does not answer; the credentials never show.
    port = free_port()
    remote = api.create_project(owner, name="remote", vcs_url=f"http://127.0.0.1:{port}/repo.git",
                                vcsUsername="someone", vcsPassword="s3cret-Passw0rd")
    status = api.wait_for_import(owner, remote, statuses=("FAILED",))
    assert f"127.0.0.1:{port}" in status["failureReason"] and "s3cret" not in status["failureReason"]
    assert client.get(f"/api/projects/{remote}/branches", headers=owner.headers).get_json() == []

    # A local path is checked again right before every fetch: a symlink turned elsewhere is refused.
    outside = GitRepo(tmp_path / "outside")
    outside.commit("secret", {"secret.txt": "s\n"})
    link = repos / "link"
    os.symlink(repo.path, link)
    linked = api.create_project(owner, name="linked", vcs_url=str(link))
    api.wait_for_import(owner, linked)
    link.unlink()
    os.symlink(outside.path, link)
    assert client.post(f"/api/projects/{linked}/refresh", headers=owner.headers).status_code == 200
    status = api.wait_for_import(owner, linked, statuses=("FAILED",))
    assert "CODEANNALS_LOCAL_REPO_ROOTS" in status["failureReason"]
    assert "secret" not in str(client.get(f"/api/projects/{linked}/commitLog", headers=owner.headers).get_json())


def test_deleting_a_project_removes_its_history(client: FlaskClient, api: Api, repos: Path, data_dir: Path) -> None:
    repo = GitRepo(repos / "r")
    repo.commit("c1", {"a.txt": "1\n"})
    owner = api.register("owner")
    project_id = api.create_project(owner, vcs_url=str(repo.path))
    api.wait_for_import(owner, project_id)
    contributor_id = client.get(f"/api/projects/{project_id}/contributors", headers=owner.headers).get_json()[0]["id"]
    assert client.delete(f"/api/projects/{project_id}", headers=owner.headers).status_code == 200
    assert client.get(f"/api/projects/{project_id}/import", headers=owner.headers).status_code == 404
    eventually(lambda: client.get(f"/api/contributors/{contributor_id}", headers=owner.headers).status_code == 404)
    eventually(lambda: not any((data_dir / "repos").glob("*.git")))  # its mirror is gone too
