"""The deployment for more than one machine, on PostgreSQL: two API processes, a standalone projection
runner and a standalone worker share one database. Writes through one API are read through the other;
a worker SIGKILLed mid-analysis is replaced by a second one and the job completes exactly once."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from domain.analysis.loc import LocAnalyzer
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

COMMITS = 240


def _repo(path: Path) -> Path:
    """A repository of COMMITS commits, each touching a Python file (made fast with fast-import)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = []
    for i in range(COMMITS):
        content = "".join(f"# comment {j}\nvalue_{j} = {i}\n\n" for j in range(i % 7 + 1)).encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Dev {i % 3} <dev{i % 3}@example.org> {1700000000 + i * 60} +0000\n".encode())
        message = f"change {i}\n".encode()
        stream.append(b"data %d\n%s" % (len(message), message))
        stream.append(b"M 100644 inline pkg/mod%d.py\ndata %d\n%s\n" % (i % 11, len(content), content))
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(stream), cwd=path, check=True)
    return path


def _wait(condition: Callable[[], Any], timeout: float = 120, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def _expected_loc_at_head(repo: Path) -> int:
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "main"], cwd=repo, capture_output=True,
                           text=True, check=True).stdout.split()
    analyzer = LocAnalyzer()
    total = 0
    for name in files:
        content = subprocess.run(["git", "show", f"main:{name}"], cwd=repo, capture_output=True, check=True).stdout
        total += analyzer.analyze(name, content).metrics.get("coderadar:size:loc:py", 0)
    return total


def test_two_apis_a_runner_and_replaceable_workers_share_one_database(
    backend: str, env: dict[str, str], tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("the deployment for several machines runs on PostgreSQL")
    repo = _repo(tmp_path / "repo")
    shared = {**env, "CODEANNALS_LOCAL_REPO_ROOTS": str(tmp_path), "CODEANNALS_ANALYSIS_LEASE_SECONDS": "3",
              "CODEANNALS_ANALYSIS_BATCH_COMMITS": "2", "CODEANNALS_ANALYSIS_POLL_SECONDS": "0.5",
              # 120 batches of 2 commits, 50 ms apart: the job is still running when worker 1 is killed
              "CODEANNALS_ANALYSIS_PAUSE_SECONDS": "0.05"}
    api_only = {**shared, "CODEANNALS_RUN_PROJECTIONS": "false", "CODEANNALS_RUN_WORKERS": "false"}
    log = tmp_path / "processes.log"
    runner = ServerProcess(shared, args=["projections", "run"], log_path=log).start()
    api1 = ServerProcess(api_only, log_path=log).start()
    api2 = ServerProcess(api_only, log_path=log).start()
    worker1 = ServerProcess(shared, args=["worker"], log_path=log).start()
    worker2: ServerProcess | None = None
    try:
        a, b = api1.url, api2.url
        assert requests.post(f"{a}/api/user/registration", json={"username": "ops", "password": "password1"},
                             timeout=30).status_code == 201
        token = requests.post(f"{b}/api/user/auth", json={"username": "ops", "password": "password1"},
                              timeout=30).json()["accessToken"]
        auth = {"Authorization": token}
        r = requests.post(f"{a}/api/projects", headers=auth, timeout=30,
                          json={"name": "scaled", "vcsUrl": str(repo)})
        assert r.status_code == 201, r.text
        project = r.json()["id"]
        assert requests.get(f"{b}/api/projects/{project}", headers=auth, timeout=30).json()["name"] == "scaled"
        for path, body in (("filePatterns", {"pattern": "**/*.py", "inclusionType": "INCLUDE"}),
                           ("analyzers", {"analyzerName": "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin",
                                          "enabled": True})):
            assert requests.post(f"{b}/api/projects/{project}/{path}", json=body, headers=auth,
                                 timeout=30).status_code == 201
        _wait(lambda: requests.get(f"{a}/api/projects/{project}/import", headers=auth, timeout=30
                                   ).json()["status"] == "DONE", what="the import")

        def status() -> dict[str, Any]:
            result: dict[str, Any] = requests.get(f"{b}/api/projects/{project}/analyzingStatus", headers=auth,
                                                  timeout=30).json()
            return result

        assert requests.post(f"{a}/api/projects/{project}/analyze", json=[], headers=auth,
                             timeout=30).status_code == 200
        _wait(lambda: status()["commitsDone"] >= 10, what="some progress")
        worker1.kill()
        killed_at = status()
        assert killed_at["status"] and killed_at["commitsDone"] < COMMITS, killed_at
        worker2 = ServerProcess(shared, args=["worker"], log_path=log).start()
        done = _wait(lambda: (s := status())["state"] == "DONE" and not s["status"] and s, what="the takeover")
        assert done["commitsAnalyzed"] == COMMITS and done["failures"] == 0

        head = requests.get(f"{a}/api/projects/{project}/commits?branchName=main", headers=auth,
                            timeout=30).json()
        assert len(head) == COMMITS and all(c["analyzed"] for c in head)
        per_commit = requests.post(f"{b}/api/projects/{project}/metricvalues/perCommit", headers=auth, timeout=30,
                                   json={"commit": head[0]["hash"], "metrics": ["coderadar:size:loc:py"]}).json()
        assert per_commit == [{"metricName": "coderadar:size:loc:py", "value": _expected_loc_at_head(repo)}]
    finally:
        for process in (worker2, worker1, api2, api1, runner):
            if process is not None:
                process.stop()
