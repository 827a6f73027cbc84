"""Push webhooks against a running server whose poll comes round only once an hour: real signed
requests as GitHub, GitLab and Gitea send them. A commit pushed to the source repository is visible
after the webhook (waiting on that condition), a bad signature leaves it unseen, a delivery sent twice
is imported once, and every accepted delivery is an event with its forge and delivery id."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.gitrepo import GitRepo
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repos" / "hooked")
    repo.commit("Initial", {"README.md": "# hooked\n"})
    return repo


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path, repo: GitRepo) -> Iterator[ServerProcess]:
    extra = {"CODEANNALS_LOCAL_REPO_ROOTS": str(repo.path.parent), "CODEANNALS_POLL_SECONDS": "3600"}
    process = ServerProcess({**env, **extra}, log_path=tmp_path / "server.log").start()
    try:
        yield process
    finally:
        process.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        for name in ("admin", "owner"):
            r = requests.post(f"{base}/api/user/registration", json={"username": name, "password": "password1"},
                              timeout=30)
            assert r.status_code == 201, r.text
        self.admin = self._login("admin")
        self.owner = self._login("owner")

    def _login(self, name: str) -> dict[str, str]:
        r = requests.post(f"{self.base}/api/user/auth", json={"username": name, "password": "password1"}, timeout=30)
        return {"Authorization": r.json()["accessToken"]}

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        r = requests.get(self.base + path, headers=headers or self.owner, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


def _push_body(repo: GitRepo) -> bytes:
    return json.dumps({"ref": "refs/heads/main", "after": repo.head(), "repository": {"name": "hooked"}}).encode()


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_push_webhooks_of_each_forge(server: ServerProcess, repo: GitRepo) -> None:
    c = Client(server.url)
    r = requests.post(f"{c.base}/api/projects", json={"name": "hooked", "vcsUrl": str(repo.path)}, headers=c.owner,
                      timeout=30)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    wait_until(lambda: c.get(f"/api/projects/{pid}/import")["status"] == "DONE", what="the first import")
    hook = f"{c.base}/api/projects/{pid}/hooks/push"

    def hashes() -> set[str]:  # short hashes, as coderadar lists them
        return {commit["hash"] for commit in c.get(f"/api/projects/{pid}/commits?branchName=main")}

    def short(sha: str) -> str:
        return sha[:16]

    # the secret: ADMIN only, shown once; replacing it makes the old one useless
    member_headers = c.admin  # the platform admin may; a plain user without a role may not
    requests.post(f"{c.base}/api/user/registration", json={"username": "someone", "password": "password1"},
                  timeout=30)
    someone = c._login("someone")
    assert requests.post(f"{c.base}/api/projects/{pid}/hooks/secret", headers=someone, timeout=30).status_code == 403
    r = requests.post(f"{c.base}/api/projects/{pid}/hooks/secret", headers=member_headers, timeout=30)
    old = r.json()["secret"]
    r = requests.post(f"{c.base}/api/projects/{pid}/hooks/secret", headers=c.owner, timeout=30)
    assert r.status_code == 200 and set(r.json()) == {"secret"}
    secret = r.json()["secret"]
    assert secret != old and len(secret) >= 32

    # GitHub: a ping, then a new commit with a bad signature (401, nothing happens), then signed
    ping = b'{"zen": "Keep it logically awesome."}'
    r = requests.post(hook, data=ping, timeout=30, headers={
        "X-GitHub-Event": "ping", "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256=" + _sign(secret, ping), "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["status"] == "PONG"
    before = hashes()
    first = repo.commit("Pushed to GitHub", {"a.txt": "a\n"})
    body = _push_body(repo)
    delivery = str(uuid.uuid4())
    github = {"X-GitHub-Event": "push", "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    for bad in ("sha256=" + _sign(old, body), "sha256=" + "0" * 64, None):
        headers = dict(github, **({"X-Hub-Signature-256": bad} if bad else {}))
        r = requests.post(hook, data=body, headers=headers, timeout=30)
        assert r.status_code == 401, r.text
    status = c.get(f"/api/projects/{pid}/import")
    assert status["refreshRequested"] is False and status["runs"] == 1
    assert short(first) not in hashes() and hashes() == before
    r = requests.post(hook, data=body, headers=dict(github, **{"X-Hub-Signature-256": "sha256=" + _sign(secret, body)}),
                      timeout=30)
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "ACCEPTED", "forge": "github", "deliveryId": delivery, "refreshRequested": True}
    wait_until(lambda: short(first) in hashes(), what="the pushed commit")
    wait_until(lambda: c.get(f"/api/projects/{pid}/import")["runs"] == 2, what="the second run")
    # the same delivery again: 200, no fetch
    r = requests.post(hook, data=body, headers=dict(github, **{"X-Hub-Signature-256": "sha256=" + _sign(secret, body)}),
                      timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "DUPLICATE"
    status = c.get(f"/api/projects/{pid}/import")
    assert status["refreshRequested"] is False and status["runs"] == 2

    # GitLab: the token in clear
    second = repo.commit("Pushed to GitLab", {"b.txt": "b\n"})
    body = _push_body(repo)
    gitlab = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": str(uuid.uuid4())}
    r = requests.post(hook, data=body, headers=dict(gitlab, **{"X-Gitlab-Token": old}), timeout=30)
    assert r.status_code == 401
    assert short(second) not in hashes()
    r = requests.post(hook, data=body, headers=dict(gitlab, **{"X-Gitlab-Token": secret}), timeout=30)
    assert r.status_code == 202 and r.json()["forge"] == "gitlab"
    wait_until(lambda: short(second) in hashes(), what="the commit pushed to GitLab")

    # Gitea (and Forgejo): a bare hex HMAC
    third = repo.commit("Pushed to Gitea", {"c.txt": "c\n"})
    body = _push_body(repo)
    gitea = {"X-Gitea-Event": "push", "X-Gitea-Delivery": str(uuid.uuid4())}
    r = requests.post(hook, data=body, headers=dict(gitea, **{"X-Gitea-Signature": _sign(old, body)}), timeout=30)
    assert r.status_code == 401
    assert short(third) not in hashes()
    r = requests.post(hook, data=body, headers=dict(gitea, **{"X-Gitea-Signature": _sign(secret, body)}), timeout=30)
    assert r.status_code == 202 and r.json()["forge"] == "gitea"
    wait_until(lambda: short(third) in hashes(), what="the commit pushed to Gitea")

    # no signature of any kind, and an unknown project
    assert requests.post(hook, data=body, timeout=30).status_code == 401
    assert requests.post(f"{c.base}/api/projects/999/hooks/push", data=body, timeout=30).status_code == 404

    # each accepted delivery is one event (the duplicate and the refused ones are not)
    events = c.get("/api/audit/events?type=PushDelivery.Received", headers=c.admin)
    assert sorted((e["payload"]["forge"], e["payload"]["delivery_id"]) for e in events) == sorted([
        ("github", delivery), ("gitlab", gitlab["X-Gitlab-Event-UUID"]), ("gitea", gitea["X-Gitea-Delivery"])])
