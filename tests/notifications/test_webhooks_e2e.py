"""Outgoing webhooks end to end: a running server sends to a local receiver on 127.0.0.1 (allowed by
CODEANNALS_WEBHOOK_ALLOWED_HOSTS). Bodies are signed; a receiver answering 500 twice gets the third
try; events of an import, a test run and a quality gate change are delivered with their facts; a
redirect to a refused address is not followed; a SIGKILLed server delivers after its restart."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.notifications.receiver import Receiver
from tests.support.gitrepo import GitRepo
from tests.support.server import ServerProcess
from tests.testing.reports import grouped_body, junit_xml

pytestmark = pytest.mark.e2e
SECRET = "receiver-secret"


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repos" / "notified")
    repo.commit("Initial", {"README.md": "# notified\n"})
    return repo


@pytest.fixture
def server_env(env: dict[str, str], repo: GitRepo) -> dict[str, str]:
    return {**env, "CODEANNALS_LOCAL_REPO_ROOTS": str(repo.path.parent), "CODEANNALS_POLL_SECONDS": "3600",
            "CODEANNALS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "CODEANNALS_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
            "CODEANNALS_WEBHOOK_POLL_SECONDS": "0.1", "CODEANNALS_WEBHOOK_TIMEOUT_SECONDS": "2"}


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(server_env, log_path=tmp_path / "server.log").start()
    try:
        yield process
    finally:
        process.stop()


class Owner:
    def __init__(self, base: str) -> None:
        self.base = base
        requests.post(f"{base}/api/user/registration", json={"username": "owner", "password": "password1"},
                      timeout=30)
        self.login()

    def login(self) -> None:
        r = requests.post(f"{self.base}/api/user/auth", json={"username": "owner", "password": "password1"},
                          timeout=30)
        self.headers = {"Authorization": r.json()["accessToken"]}

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        r = requests.request(method, self.base + path, headers=self.headers, timeout=30, **kwargs)
        assert r.status_code == status, (path, r.status_code, r.text)
        return r.json() if r.content else None


def _project(owner: Owner, repo: GitRepo) -> int:
    pid: int = owner.call("POST", "/api/projects", 201, json={"name": "notified", "vcsUrl": str(repo.path)})["id"]
    wait_until(lambda: owner.call("GET", f"/api/projects/{pid}/import", 200)["status"] == "DONE", what="the import")
    return pid


def test_deliveries_are_signed_retried_and_logged(server: ServerProcess, receiver: Receiver, repo: GitRepo) -> None:
    owner = Owner(server.url)
    pid = _project(owner, repo)
    hook = owner.call("POST", f"/api/projects/{pid}/webhooks", 201, json={
        "url": f"{receiver.url}/hook", "secret": SECRET,
        "events": ["import.completed", "testRun.published", "qualityGate.changed"]})
    wid = hook["id"]
    # a private address is still refused (only the named host is allowed), so is a name for 127.0.0.1
    for url in ("http://10.0.0.1/hook", f"http://localhost:{receiver.port}/hook"):
        owner.call("POST", f"/api/projects/{pid}/webhooks", 400, json={"url": url, "secret": "x",
                                                                       "events": ["import.completed"]})

    # the test delivery: signed, with its event and delivery id in headers
    delivery_id = owner.call("POST", f"/api/projects/{pid}/webhooks/{wid}/test", 202)["deliveryId"]
    (ping,) = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Delivery") == delivery_id)
    assert ping.signed_with(SECRET) and not ping.signed_with("another secret")
    assert ping.headers["X-CodeAnnals-Event"] == "ping" and ping.path == "/hook"
    assert ping.json["id"] == delivery_id and ping.json["project"] == {"id": pid, "name": "notified"}

    # an import: the receiver answers 500 twice, the third try succeeds
    receiver.script = [500, 500]
    head = repo.commit("More", {"a.txt": "a\n"})
    owner.call("POST", f"/api/projects/{pid}/refresh", 200)
    tries = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Event") == "import.completed", count=3)
    assert len({t.headers["X-CodeAnnals-Delivery"] for t in tries}) == 1
    assert all(t.signed_with(SECRET) and t.body == tries[0].body for t in tries)
    body = tries[0].json
    assert body["commit"] == head and body["facts"]["defaultBranch"] == "main"
    assert body["facts"]["refs"] == {"refs/heads/main": head}

    def logged(kind: str) -> dict[str, Any] | None:
        for d in owner.call("GET", f"/api/projects/{pid}/webhooks/{wid}/deliveries", 200):
            if d["event"] == kind and d["status"] == "SUCCEEDED":
                return d  # type: ignore[no-any-return]
        return None

    entry = wait_until(lambda: logged("import.completed"), what="the logged delivery")
    assert [a["statusCode"] for a in entry["attempts"]] == [500, 500, 200]
    assert [a["error"] for a in entry["attempts"]] == ["HTTP 500", "HTTP 500", None]
    assert all(a["durationMs"] >= 0 for a in entry["attempts"]) and entry["deliveredAt"]
    assert logged("ping")["attempts"][0]["statusCode"] == 200  # type: ignore[index]

    # a quality gate set: its verdict at the branch head changes from none to PENDING (no test run)
    owner.call("PUT", f"/api/projects/{pid}/qualityGate", 200,
               json={"conditions": [{"metric": "failedTests", "op": "GT", "threshold": 0}]})
    (gate,) = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Event") == "qualityGate.changed")
    assert (gate.json["commit"], gate.json["facts"]["status"], gate.json["facts"]["previousStatus"]) == \
        (head, "PENDING", None)
    # a test run of the head with a failing case: testRun.published, then the verdict turns FAILED
    token = owner.call("POST", "/api/user/tokens", 201, json={"name": "ci"})["token"]
    run = grouped_body([junit_xml(1, 2, failing={"com.acme.Suite0.test0"})], sha=head, repo="acme/notified")
    r = requests.post(f"{server.url}/groupedResults", data=gzip.compress(json.dumps(run).encode()), timeout=30,
                      headers={"X-PROJEKTOR-TOKEN": token, "Content-Encoding": "gzip",
                               "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    (published,) = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Event") == "testRun.published")
    assert published.json["commit"] == head and published.json["facts"]["publicId"] == r.json()["id"]
    assert (published.json["facts"]["tests"], published.json["facts"]["failed"]) == (2, 1)
    changes = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Event") == "qualityGate.changed", count=2)
    assert [(c.json["facts"]["previousStatus"], c.json["facts"]["status"]) for c in changes] == \
        [(None, "PENDING"), ("PENDING", "FAILED")]
    history = owner.call("GET", f"/api/projects/{pid}/qualityGate/history", 200)
    assert [(h["commitHash"], h["status"]) for h in history] == [(head, "FAILED"), (head, "PENDING")]

    # a redirect to a refused address is not followed
    receiver.redirects["/moved"] = "http://169.254.169.254/latest/meta-data"
    moved = owner.call("POST", f"/api/projects/{pid}/webhooks", 201, json={
        "url": f"{receiver.url}/moved", "secret": SECRET, "events": ["import.completed"]})
    owner.call("POST", f"/api/projects/{pid}/webhooks/{moved['id']}/test", 202)

    def refused() -> Any:
        for d in owner.call("GET", f"/api/projects/{pid}/webhooks/{moved['id']}/deliveries", 200):
            if d["attempts"]:
                return d
        return None

    attempt = wait_until(refused, what="the redirected attempt")["attempts"][0]
    assert attempt["statusCode"] is None and attempt["error"].startswith("redirect refused")
    assert not receiver.of(lambda r: r.path != "/moved" and r.path != "/hook")


def test_a_sigkilled_server_delivers_after_restart(server_env: dict[str, str], tmp_path: Path,
                                                   receiver: Receiver, repo: GitRepo) -> None:
    server = ServerProcess(server_env, log_path=tmp_path / "server.log").start()
    try:
        owner = Owner(server.url)
        pid = _project(owner, repo)
        wid = owner.call("POST", f"/api/projects/{pid}/webhooks", 201, json={
            "url": f"{receiver.url}/hook", "secret": SECRET, "events": ["import.completed"]})["id"]
        receiver.default = 503  # down for now
        delivery_id = owner.call("POST", f"/api/projects/{pid}/webhooks/{wid}/test", 202)["deliveryId"]
        receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Delivery") == delivery_id)
        server.kill()  # SIGKILL, mid-retries: maybe after a request went out, before its answer was recorded
        attempts_before = len(receiver.requests)
        receiver.default = 200
        server = ServerProcess(server_env, port=server.port, log_path=tmp_path / "server.log").start()
        owner.login()
        # sent again: at once when the last attempt was recorded, after the lease (9 s) when it was not
        delivered = receiver.wait_for(lambda r: r.headers.get("X-CodeAnnals-Delivery") == delivery_id,
                                      count=attempts_before + 1, timeout=60)
        assert delivered[-1].signed_with(SECRET)
        final = wait_until(lambda: [d for d in owner.call("GET", f"/api/projects/{pid}/webhooks/{wid}/deliveries", 200)
                                    if d["id"] == delivery_id and d["status"] == "SUCCEEDED"], what="the success")
        assert final[0]["attempts"][-1]["statusCode"] == 200
        assert all(a["statusCode"] == 503 for a in final[0]["attempts"][:-1])
    finally:
        server.stop()
