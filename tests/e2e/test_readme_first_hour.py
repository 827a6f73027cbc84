"""The README's "First hour" section works as written: its ``sh`` blocks, in order, in one shell, against
a real server (only the port in ``BASE=`` is this server's), with the real ``projektor-publish`` client;
then what they did is checked through the API. Its analyzer table names every analyzer the server offers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from interfaces.analysis.complexity import full_catalog
from tests.support.databases import server_env
from tests.support.server import ROOT, ServerProcess
from tests.testing.test_projektor_client_e2e import install_client

pytestmark = pytest.mark.e2e

BASE_LINE = "BASE=http://127.0.0.1:8080"


def first_hour() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## First hour\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M)


def test_the_analyzer_table_names_every_analyzer_and_its_metrics() -> None:
    section = first_hour()
    catalog = full_catalog()
    for name in catalog.names():
        assert f"`{name}`" in section, name
        if name != "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin":  # per language: <lang>
            for metric in catalog.metrics(name):
                assert f"`{metric.id}`" in section, metric.id
    for kind in ("loc", "sloc", "cloc", "eloc"):
        assert f"`coderadar:size:{kind}:<lang>`" in section


def test_the_first_hour_shell_blocks_run_against_a_server(data_dir: Path, database_url: str | None,
                                                          tmp_path: Path) -> None:
    if shutil.which("git") is None or shutil.which("curl") is None:
        pytest.skip("git and curl are needed to run the README's blocks")
    client = install_client()  # skips when npm/node are missing
    home = tmp_path / "home"
    (home / "src").mkdir(parents=True)
    # As `npm install --save-dev projektor-publish` would leave it (npm looks for node_modules upwards).
    (home / "node_modules").symlink_to(client.parent.parent, target_is_directory=True)
    blocks = shell_blocks(first_hour())
    assert len(blocks) >= 8 and BASE_LINE in blocks[0]
    env = server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(home / "src"),
                     CODEANNALS_ANALYSIS_POLL_SECONDS="0.2")
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        base = server.url
        script = "\n".join(blocks).replace(BASE_LINE, f"BASE={base}")
        shell_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
                     "NPM_CONFIG_UPDATE_NOTIFIER": "false", "NO_UPDATE_NOTIFIER": "1"}
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=home, env=shell_env,
                              capture_output=True, text=True, timeout=600)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert "\n204\n" in done.stdout, output  # a local publish has no branch: "current" stays 204

        # What the blocks did, seen through the API.
        login = requests.post(f"{base}/api/user/auth", json={"username": "alice", "password": "password1"},
                              timeout=30).json()
        headers = {"Authorization": login["accessToken"]}
        (project,) = [p for p in requests.get(f"{base}/api/projects", headers=headers, timeout=30).json()
                      if p["name"] == "demo"]
        head = subprocess.run(["git", "-C", str(home / "src" / "demo"), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        values = requests.post(f"{base}/api/projects/{project['id']}/metricvalues/perCommit", headers=headers,
                               json={"commit": head, "metrics": ["coderadar:size:loc:java",
                                                                 "codeannals:complexity:cyclomatic"]},
                               timeout=30).json()
        assert {v["metricName"]: v["value"] for v in values} == {
            "coderadar:size:loc:java": 11, "codeannals:complexity:cyclomatic": 3}
        status = requests.get(f"{base}/api/projects/{project['id']}/analyzingStatus", headers=headers,
                              timeout=30).json()
        assert "ComplexityAnalyzerPlugin" in status["configurationChange"] and status["state"] == "DONE"
        token = requests.post(f"{base}/api/user/tokens", json={"name": "check"}, headers=headers,
                              timeout=30).json()["token"]
        current = requests.get(f"{base}/api/v1/repo/acme/demo/coverage/current", timeout=30,
                               headers={"X-PROJEKTOR-TOKEN": token})
        assert current.status_code == 200, current.text
        assert (current.json()["branch"], current.json()["covered_percentage"]) == ("main", 75.0)
        assert (home / "src" / "demo" / "projektor_report.json").exists()  # written because CI was set
        builds = requests.get(f"{base}/api_2/builds?owner=alice", timeout=30).json()["builds"]
        (build,) = builds
        task = requests.get(f"{base}/api_2/build_tasks/{build['build']['id']}/fedora-40-x86_64",
                            timeout=30).json()["build_task"]
        assert task["state"] == "succeeded" and task["result_dir_url"].startswith("https://ci.example.org/")
        assert build["build"]["state"] == "succeeded"
