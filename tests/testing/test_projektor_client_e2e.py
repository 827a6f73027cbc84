"""The real ``projektor-publish`` npm client against a running server, and oversized or hostile
uploads over a real socket.

The client is installed once into ``.cache/clients/projektor-publish-<version>/`` (git-ignored), so
reruns are fast; the tests skip, saying why, only when ``npm`` is not installed. It is pointed at the
server with ``--serverUrl`` and authenticates with ``PROJEKTOR_TOKEN``; branch and commit come from
``GITHUB_REF`` / ``GITHUB_SHA`` as on GitHub Actions.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.server import ROOT, ServerProcess
from tests.testing.reports import cobertura_reference, go_reference, jacoco_reference, pytest_junit

pytestmark = pytest.mark.e2e

CLIENT_VERSION = "3.13.14"
CACHE = ROOT / ".cache" / "clients"
SHA = "abcd4e87d8d928a21a393b0def6ab0c0a21d35a2"


def install_client() -> Path:
    """The client's executable, installed into the cache directory on first use."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("npm/node are not installed, so the real projektor-publish client cannot run")
    target = CACHE / f"projektor-publish-{CLIENT_VERSION}"
    executable = target / "node_modules" / ".bin" / "projektor-publish"
    if executable.exists():
        return executable
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # several test workers may get here at once
        if not executable.exists():
            staging = Path(tempfile.mkdtemp(dir=CACHE, prefix=".installing-"))
            completed = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(staging),
                 f"projektor-publish@{CLIENT_VERSION}"],
                capture_output=True, text=True, timeout=600,
            )
            if completed.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                pytest.fail(f"npm install projektor-publish failed:\n{completed.stdout}\n{completed.stderr}")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
    return executable


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    extra = {"CODEANNALS_MAX_REQUEST_BYTES": str(8 << 20), "CODEANNALS_MAX_DECOMPRESSED_BYTES": str(16 << 20)}
    process = ServerProcess({**env, **extra}, log_path=tmp_path / "server.log").start()
    try:
        yield process
    finally:
        process.stop()


def _token(base: str) -> str:
    r = requests.post(f"{base}/api/user/registration", json={"username": "ci-bot", "password": "password1"}, timeout=30)
    assert r.status_code == 201, r.text
    jwt = requests.post(f"{base}/api/user/auth", json={"username": "ci-bot", "password": "password1"},
                        timeout=30).json()["accessToken"]
    r = requests.post(f"{base}/api/user/tokens", json={"name": "projektor"}, headers={"Authorization": jwt},
                      timeout=30)
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def _run_client(executable: Path, work: Path, token: str, args: list[str]) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "PROJEKTOR_TOKEN": token,
           "CI": "true", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": SHA}
    completed = subprocess.run([str(executable), *args], cwd=work, env=env, capture_output=True, text=True,
                               timeout=300)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Error" not in output, output
    match = re.search(r"View Projektor results at (\S+)/tests/([A-Z0-9]{12})", output)
    assert match, output
    return match.group(2)


def test_projektor_publish_client_publishes_results_and_coverage(server: ServerProcess, tmp_path: Path) -> None:
    executable = install_client()
    base = server.url
    token = _token(base)
    headers = {"X-PROJEKTOR-TOKEN": token}
    work = tmp_path / "project"
    (work / "results").mkdir(parents=True)
    (work / "coverage").mkdir()
    (work / "results" / "pytest.xml").write_bytes(pytest_junit(tmp_path / "pytest-run"))
    (work / "coverage" / "jacoco.xml").write_bytes(jacoco_reference())

    # 1. the command line, compressed (the client's default): JUnit results and JaCoCo coverage
    public_id = _run_client(executable, work, token, [
        "results/*.xml", f"--serverUrl={base}", "--repositoryName=acme/shop", "--coverage=coverage/*.xml",
        "--failOnPublishError=true"])
    current = requests.get(f"{base}/api/v1/repo/acme/shop/coverage/current", headers=headers, timeout=30)
    assert current.status_code == 200, current.text
    assert current.json() == {"id": public_id, "created_timestamp": current.json()["created_timestamp"],
                              "covered_percentage": 97.44, "repo": "acme/shop", "project": None, "branch": "main"}
    summary = requests.get(f"{base}/run/{public_id}/summary", headers=headers, timeout=30).json()
    assert (summary["total_test_count"], summary["total_passing_count"], summary["total_failure_count"],
            summary["total_skipped_count"]) == (11, 5, 3, 3)
    (run,) = requests.get(f"{base}/api/test-runs", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert (run["key"], run["gitRef"], run["status"], run["totalCount"]) == (public_id, SHA, "FAIL", 11)
    report = json.loads((work / "projektor_report.json").read_text())  # the client writes this when CI is set
    assert report["id"] == public_id and report["report_url"] == f"{base}/tests/{public_id}"

    # 2. a config file without compression: Cobertura coverage only, then a Go profile for a project
    (work / "coverage" / "jacoco.xml").unlink()
    (work / "coverage" / "cobertura.xml").write_bytes(cobertura_reference())
    (work / "projektor.json").write_text(json.dumps({
        "serverUrl": base, "repositoryName": "acme/shop", "coverage": ["coverage/*.xml"],
        "compressionEnabled": False, "failOnPublishError": True}))
    second = _run_client(executable, work, token, [])
    assert second != public_id
    current = requests.get(f"{base}/api/v1/repo/acme/shop/coverage/current", headers=headers, timeout=30).json()
    assert (current["id"], current["covered_percentage"]) == (second, 98.72)
    (work / "coverage" / "cobertura.xml").unlink()
    (work / "coverage" / "go.out").write_bytes(go_reference())
    (work / "projektor.json").write_text(json.dumps({
        "serverUrl": base, "repositoryName": "acme/shop", "projectName": "api", "coverage": ["coverage/go.out"],
        "results": ["results/*.xml"], "failOnPublishError": True}))
    third = _run_client(executable, work, token, [])
    project = requests.get(f"{base}/api/v1/repo/acme/shop/coverage/current?project=api", headers=headers,
                           timeout=30).json()
    assert (project["id"], project["covered_percentage"], project["project"]) == (third, 50.0, "api")
    org = requests.get(f"{base}/api/v1/org/acme/coverage/current", headers=headers, timeout=30).json()
    assert [(e["project"], e["covered_percentage"]) for e in org["repositories"]] == [(None, 98.72), ("api", 50.0)]


def _runs(base: str, token: str) -> int:
    r = requests.get(f"{base}/api/test-runs?limit=1000", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return len(r.json())


def test_oversized_and_hostile_uploads_to_a_running_server(server: ServerProcess) -> None:
    base = server.url
    token = _token(base)
    headers = {"X-PROJEKTOR-TOKEN": token}

    # more than the request limit (8 MB): refused before it is read
    r = requests.post(f"{base}/results", data=b"<testsuites>" + b" " * (9 << 20) + b"</testsuites>",
                      headers=headers, timeout=60)
    assert r.status_code == 413 and r.json()["error_message"]
    # a gzip bomb: 2 MB on the wire, 512 MB inflated; refused once 16 MB came out
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [bomb.compress(b'{"groupedTestSuites": [{"testSuitesBlob": "<testsuites>')]
    parts += [bomb.compress(b" " * (1 << 20)) for _ in range(512)]
    parts.append(bomb.flush())
    form = "application/x-www-form-urlencoded"
    r = requests.post(f"{base}/groupedResults", data=b"".join(parts), timeout=60,
                      headers={**headers, "Content-Encoding": "gzip", "Content-Type": form})
    assert r.status_code == 413 and "decompressed" in r.json()["error_message"]
    # an external entity
    xxe = (b'<?xml version="1.0"?><!DOCTYPE testsuites [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<testsuites><testsuite name="&x;"/></testsuites>')
    r = requests.post(f"{base}/results", data=gzip.compress(xxe), timeout=60,
                      headers={**headers, "Content-Encoding": "gzip"})
    assert r.status_code == 400 and "root:" not in r.text
    assert _runs(base, token) == 0
    # still serving
    assert requests.get(f"{base}/health", timeout=10).status_code == 200
    r = requests.post(f"{base}/results", data=b'<testsuite name="ok"><testcase name="a"/></testsuite>',
                      headers=headers, timeout=60)
    assert r.status_code == 200 and _runs(base, token) == 1
