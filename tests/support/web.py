"""A project for the web interface's tests, made through the real server's API over HTTP: a git
repository whose commit message, file name and project name carry a ``<script>`` payload, imported
and analysed, a test run with a failing case and coverage, and a Copr build."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import requests

from tests.support.gitrepo import GitRepo

PAYLOAD = '<script>window.__xss=1</script>'
LOC_ANALYZER = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
MARKER_ANALYZER = "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin"
PASSWORD = "password1"


def wait(condition: Callable[[], Any], timeout: float = 90.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Scenario:
    base: str
    username: str
    jwt: str
    token: str
    project_id: int
    repo: GitRepo
    head: str
    java_path: str
    copr_project_id: int | None = None
    build_id: int | None = None


def java_source(lines: int, name: str = "Main") -> str:
    body = "".join(f"    int field{i} = {i}; // line {i}\n" for i in range(lines))
    return f"package app;\n\n/** A class. */\npublic class {name} {{\n    // TODO: tidy up\n{body}}}\n"


def make_repository(path: Path, commits: int = 60) -> tuple[GitRepo, str]:
    """A history with a branch and a merge; the payload in a commit message and a file name."""
    repo = GitRepo(path)
    java = "src/app/Main.java"
    repo.commit("initial commit", {java: java_source(5), "src/lib/Util.java": java_source(3, "Util"),
                                   "README.md": "# demo\n"})
    repo.commit(f"message with {PAYLOAD}", {f"docs/{PAYLOAD}.txt": "payload file\n"})
    for i in range(commits):
        if i == commits // 2:
            repo.checkout("feature", create=True)
            repo.commit("feature work", {"src/app/Feature.java": java_source(8, "Feature")}, author="bob")
            repo.checkout("main")
        repo.commit(f"change {i}", {java: java_source(6 + i)}, author="alice" if i % 3 else "bob")
    repo.merge("feature", "merge feature")
    return repo, java


def register(base: str, username: str) -> tuple[str, str]:
    r = requests.post(f"{base}/api/user/registration", json={"username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 201, r.text
    jwt = requests.post(f"{base}/api/user/auth", json={"username": username, "password": PASSWORD},
                        timeout=30).json()["accessToken"]
    r = requests.post(f"{base}/api/user/tokens", json={"name": "ci"}, headers={"Authorization": jwt}, timeout=30)
    assert r.status_code == 201, r.text
    return jwt, str(r.json()["token"])


def build_scenario(base: str, work: Path, commits: int = 60) -> Scenario:
    repo, java = make_repository(work / "repo", commits)
    jwt, token = register(base, "admin")
    h = {"Authorization": jwt}
    r = requests.post(f"{base}/api/projects", json={"name": f"demo {PAYLOAD}", "vcsUrl": str(repo.path)},
                      headers=h, timeout=30)
    assert r.status_code == 201, r.text
    pid = int(r.json()["id"])
    for pattern in ("**/*.java",):
        r = requests.post(f"{base}/api/projects/{pid}/filePatterns", json={"pattern": pattern,
                                                                          "inclusionType": "INCLUDE"},
                          headers=h, timeout=30)
        assert r.status_code == 201, r.text
    for analyzer in (LOC_ANALYZER, MARKER_ANALYZER):
        r = requests.post(f"{base}/api/projects/{pid}/analyzers", json={"analyzerName": analyzer, "enabled": True},
                          headers=h, timeout=30)
        assert r.status_code == 201, r.text

    def imported() -> bool:
        s = requests.get(f"{base}/api/projects/{pid}/import", headers=h, timeout=30).json()
        return bool(s["status"] == "DONE" and s["runs"] >= 1)

    wait(imported, what="the import")
    r = requests.post(f"{base}/api/projects/{pid}/analyze", json=[], headers=h, timeout=30)
    assert r.status_code == 200, r.text

    def analysed() -> bool:
        s = requests.get(f"{base}/api/projects/{pid}/analyzingStatus", headers=h, timeout=30).json()
        return bool(not s["status"] and s["commitsAnalyzed"] > 0)

    wait(analysed, what="the analysis")
    return Scenario(base, "admin", jwt, token, pid, repo, repo.head(), java)


def junit(text: str = PAYLOAD) -> bytes:
    payload = xml_escape(text, {'"': "&quot;"})
    return (
        '<?xml version="1.0"?><testsuites><testsuite name="app.MainTest" tests="3" failures="1" errors="0" '
        'skipped="0" time="1.5">'
        '<testcase classname="app.MainTest" name="adds" time="0.2"/>'
        '<testcase classname="app.MainTest" name="slow" time="1.1"/>'
        f'<testcase classname="app.MainTest" name="fails {payload}" time="0.2">'
        f'<failure message="expected 1 {payload}" type="AssertionError">Traceback {payload}\n  at line 3</failure>'
        '</testcase></testsuite></testsuites>'
    ).encode()


def cobertura(path: str, missed: list[int], lines: int) -> bytes:
    rows = "".join(f'<line number="{n}" hits="{0 if n in missed else 1}"/>' for n in range(1, lines + 1))
    covered = lines - len(missed)
    rate = covered / lines
    return (
        f'<?xml version="1.0"?><coverage line-rate="{rate}" branch-rate="0" lines-covered="{covered}" '
        f'lines-valid="{lines}" version="1"><sources><source>.</source></sources><packages>'
        f'<package name="app" line-rate="{rate}"><classes><class name="Main" filename="{path}" line-rate="{rate}">'
        f'<lines>{rows}</lines></class></classes></package></packages></coverage>'
    ).encode()


PRINTED = re.compile(r"View Projektor results at (\S+/tests/[A-Z0-9]{12})")


def publish_with_client(base: str, token: str, work: Path, sha: str, repository: str, results: bytes,
                        coverage: bytes, tests: int) -> str:
    """Publish JUnit results and Cobertura coverage of ``sha`` with the real ``projektor-publish``, as CI on
    GitHub would; wait until the server has processed its ``tests`` cases. Answers the link it printed."""
    from tests.testing.test_projektor_client_e2e import install_client

    executable = install_client()
    (work / "results").mkdir(parents=True, exist_ok=True)
    (work / "coverage").mkdir(exist_ok=True)
    (work / "results" / "junit.xml").write_bytes(results)
    (work / "coverage" / "cobertura.xml").write_bytes(coverage)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "PROJEKTOR_TOKEN": token,
           "CI": "true", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": sha}
    done = subprocess.run([str(executable), "results/*.xml", f"--serverUrl={base}", f"--repositoryName={repository}",
                           "--coverage=coverage/*.xml", "--failOnPublishError=true"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    match = PRINTED.search(output)
    assert match, output
    public_id = match.group(1).rsplit("/", 1)[-1]

    def processed() -> bool:
        r = requests.get(f"{base}/run/{public_id}/summary", headers={"X-PROJEKTOR-TOKEN": token}, timeout=30)
        return r.status_code == 200 and r.json()["total_test_count"] == tests

    wait(processed, what=f"the results of run {public_id}")
    return match.group(1)


def add_build(s: Scenario) -> None:
    """A Copr project and a build of the head commit, through Copr API 2 (HTTP Basic with the token)."""
    auth = (s.username, s.token)
    r = requests.post(f"{s.base}/api_2/projects", json={"name": "demo-rpm", "chroots": ["fedora-rawhide-x86_64"]},
                      auth=auth, timeout=30)
    assert r.status_code == 201, r.text
    location = r.headers.get("Location", "")
    s.copr_project_id = int(location.rstrip("/").rsplit("/", 1)[-1])
    r = requests.post(f"{s.base}/api_2/builds", json={"project_id": s.copr_project_id, "srpm_url":
                                                       "https://example.org/demo-1.0-1.src.rpm"},
                      auth=auth, timeout=30)
    assert r.status_code == 201, r.text
    if r.status_code == 201:
        s.build_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
