"""The server SIGKILLed while it processes a results upload: after a restart no half-recorded run is
visible, and the upload sent again is recorded exactly once."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

import pytest
import requests

from tests.support.server import ServerProcess, wait_caught_up

pytestmark = pytest.mark.e2e

CASES = 30000


def _junit() -> str:
    cases = "".join(f'<testcase classname="big.Suite{i % 50}" name="test_{i}" time="0.001"/>' for i in range(CASES))
    return f'<testsuite name="big" tests="{CASES}">{cases}</testsuite>'


def _upload(token: str) -> bytes:
    body = {"groupedTestSuites": [{"groupName": "Tests", "testSuitesBlob": _junit()}],
            "metadata": {"git": {"repoName": "acme/big", "branchName": "main", "isMainBranch": True}}}
    return gzip.compress(json.dumps(body).encode())


def test_an_upload_cut_by_sigkill_leaves_no_half_run(env: dict[str, str], tmp_path: Path) -> None:
    server = ServerProcess(env, log_path=tmp_path / "server.log").start()
    try:
        base = server.url
        requests.post(f"{base}/api/user/registration", json={"username": "ci-bot", "password": "password1"}, timeout=30)
        jwt = requests.post(f"{base}/api/user/auth", json={"username": "ci-bot", "password": "password1"},
                            timeout=30).json()["accessToken"]
        token = requests.post(f"{base}/api/user/tokens", json={"name": "ci"}, headers={"Authorization": jwt},
                              timeout=30).json()["token"]
        payload = _upload(token)
        head = (f"POST /groupedResults HTTP/1.1\r\nHost: 127.0.0.1\r\nX-PROJEKTOR-TOKEN: {token}\r\n"
                f"Content-Encoding: gzip\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head + payload)
            server.kill()  # the request is in the server's hands, not yet answered

        server = ServerProcess(env, port=server.port, log_path=tmp_path / "server.log").start()
        wait_caught_up(base)
        bearer = {"Authorization": f"Bearer {token}"}
        runs = requests.get(f"{base}/api/test-runs?limit=50&offset=0", headers=bearer, timeout=30).json()
        assert all(run["totalCount"] == CASES and run["passCount"] == CASES for run in runs), runs
        before = len(runs)

        r = requests.post(f"{base}/groupedResults", data=payload, timeout=120,
                          headers={"X-PROJEKTOR-TOKEN": token, "Content-Encoding": "gzip",
                                   "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200, r.text
        runs = requests.get(f"{base}/api/test-runs?limit=50&offset=0", headers=bearer, timeout=30).json()
        assert len(runs) == before + 1
        assert all(run["totalCount"] == CASES and run["passCount"] == CASES for run in runs)
        results = requests.get(f"{base}/api/test-runs/{runs[0]['id']}/results", headers=bearer, timeout=60).json()
        assert len(results) == CASES and len({res["name"] for res in results}) == CASES
    finally:
        server.stop()
