"""Patch coverage end to end: coverage.py runs a small package's tests for a commit that adds partly
tested code, the real ``projektor-publish`` client publishes the Cobertura XML to a running server, and
the commit's patch figures equal those computed here from ``git diff -U0`` and the XML itself."""

from __future__ import annotations

import json
import os
import posixpath
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.quality.patch_helpers import expected, git_patch_lines
from tests.support.gitrepo import GitRepo
from tests.support.server import ServerProcess
from tests.testing.test_projektor_client_e2e import _token, install_client

pytestmark = pytest.mark.e2e

CALC_A = "def add(a, b):\n    return a + b\n"
CALC_B = CALC_A + (
    "\n\ndef sub(a, b):\n    return a - b\n"
    "\n\ndef div(a, b):\n    if b == 0:\n        raise ZeroDivisionError('b')\n    return a / b\n"
    "\n\ndef never(x):\n    y = x * 2\n    return y\n"
)
RUNNER = "from pkg.calc import add, div, sub\n\nassert add(1, 2) == 3\nassert sub(3, 1) == 2\nassert div(4, 2) == 2\n"


@pytest.fixture
def repo(repos: Path) -> GitRepo:
    repo = GitRepo(repos / "calc")
    repo.commit("Adding", {"pkg/__init__.py": "", "pkg/calc.py": CALC_A, "other/calc.py": "X = 1\n",
                           "run_tests.py": "from pkg.calc import add\n\nassert add(1, 2) == 3\n"})
    repo.commit("More operations", {"pkg/calc.py": CALC_B, "run_tests.py": RUNNER})
    return repo


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path, repo: GitRepo) -> Iterator[ServerProcess]:
    extra = {"CODEANNALS_LOCAL_REPO_ROOTS": str(repo.path.parent), "CODEANNALS_POLL_SECONDS": "3600"}
    process = ServerProcess({**env, **extra}, log_path=tmp_path / "server.log").start()
    try:
        yield process
    finally:
        process.stop()


def _coverage_xml(repo: GitRepo, work: Path) -> Path:
    env = {"PATH": "/usr/bin:/bin", "COVERAGE_FILE": str(work / ".coverage"), "PYTHONDONTWRITEBYTECODE": "1"}
    for args in (["run", "--source=pkg", "run_tests.py"], ["xml", "-o", str(work / "coverage.xml")]):
        subprocess.run([sys.executable, "-m", "coverage", *args], cwd=repo.path, env=env, check=True,
                       capture_output=True, timeout=120)
    return work / "coverage.xml"


def _hits(xml: Path, repo_root: Path) -> dict[str, dict[int, int]]:
    """Repository path -> line -> hits, read from the Cobertura XML (source joined with filename)."""
    root = ET.parse(xml).getroot()
    (source,) = [s.text or "" for s in root.iter("source")]
    out: dict[str, dict[int, int]] = {}
    for cls in root.iter("class"):
        path = os.path.relpath(posixpath.join(source, cls.attrib["filename"]), repo_root)
        lines = out.setdefault(path, {})
        for line in cls.find("lines") or []:
            lines[int(line.attrib["number"])] = max(lines.get(int(line.attrib["number"]), 0),
                                                    int(line.attrib["hits"]))
    return out


def test_patch_coverage_of_a_coverage_py_run_published_by_projektor_publish(server: ServerProcess,
                                                                            repo: GitRepo, tmp_path: Path) -> None:
    executable = install_client()
    base = server.url
    token = _token(base)
    jwt = requests.post(f"{base}/api/user/auth", json={"username": "ci-bot", "password": "password1"},
                        timeout=30).json()["accessToken"]
    auth = {"Authorization": jwt}
    r = requests.post(f"{base}/api/projects", json={"name": "calc", "vcsUrl": str(repo.path)}, headers=auth,
                      timeout=30)
    assert r.status_code == 201, r.text
    project_id = r.json()["id"]
    deadline = time.monotonic() + 60
    while requests.get(f"{base}/api/projects/{project_id}/import", headers=auth, timeout=30).json()["status"] \
            != "DONE":
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.05)

    work = tmp_path / "ci"
    work.mkdir()
    xml = _coverage_xml(repo, work)
    assert "<source>" in xml.read_text()  # coverage.py gives paths relative to the package directory
    sha = repo.head()
    (work / "projektor.json").write_text(json.dumps({
        "serverUrl": base, "repositoryName": "acme/calc", "coverage": ["coverage.xml"],
        "compressionEnabled": False, "failOnPublishError": True}))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "PROJEKTOR_TOKEN": token,
           "CI": "true", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": sha}
    done = subprocess.run([str(executable)], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    match = re.search(r"View Projektor results at (\S+)/tests/([A-Z0-9]{12})", output)
    assert match, output

    r = requests.get(f"{base}/api/projects/{project_id}/commits/{sha}/coverage", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["run"]["publicId"] == match.group(2)
    hits = _hits(xml, repo.path)
    want = expected(git_patch_lines(repo.path, sha), hits)
    covered, missed, missed_lines = want["pkg/calc.py"]
    assert covered > 0 and missed > 0  # partly tested: never() and the zero-division branch are not run
    files = {f["path"]: f for f in body["files"]}
    assert set(files) == {"pkg/calc.py", "pkg/__init__.py"}  # not other/calc.py: the <source> decides
    calc = files["pkg/calc.py"]
    assert (calc["patchCovered"], calc["patchMissed"], calc["missedPatchLines"]) == (covered, missed, missed_lines)
    total_covered = sum(c for c, _, _ in want.values())
    total_missed = sum(m for _, m, _ in want.values())
    assert body["patch"] == {"covered": total_covered, "missed": total_missed,
                             "percentage": round(total_covered * 100 / (total_covered + total_missed), 2)}
    line_hits = [h for lines in hits.values() for h in lines.values()]
    assert (body["overall"]["covered"], body["overall"]["missed"]) == (sum(1 for h in line_hits if h),
                                                                       sum(1 for h in line_hits if not h))
    assert body["unmatched"] == []
