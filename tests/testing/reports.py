"""Reports for the HTTP tests: real ones written by pytest and coverage.py (with the parser tests'
programs), the reference JaCoCo / Cobertura / Go reports, generated JUnit files, and helpers to
publish them the way Projektor's and Testery's clients do."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.testing.test_coverage_parsers import PROGRAM, _cobertura_xml, _jacoco_xml
from tests.testing.test_junit import GENERATED_TESTS

FIXTURES = Path(__file__).parent / "fixtures"
JACOCO_REFERENCE = [("com/acme/a", "A.java", 300, 10), ("com/acme/a", "B.java", 250, 5),
                    ("com/acme/b", "C.java", 200, 5), ("com/acme/b/c", "D.java", 150, 3),
                    ("com/acme/d", "E.java", 53, 2)]  # 953 covered, 25 missed: 97.44


def jacoco_reference() -> bytes:
    return _jacoco_xml(JACOCO_REFERENCE)


def cobertura_reference() -> bytes:
    return _cobertura_xml([("app/a.py", 100, 1), ("app/b.py", 80, 2), ("app/c/d.py", 51, 0)])  # 231 / 234: 98.72


def go_reference() -> bytes:
    return (FIXTURES / "go-coverprofile.out").read_bytes()  # 6 of 12 statements: 50.00


def pytest_junit(work: Path) -> bytes:
    """A JUnit report written by pytest for the parser tests' program: 6 passed (one an xfail),
    1 failed, 1 error, 3 skipped (one parametrized case fails too)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "test_generated.py").write_text(GENERATED_TESTS)
    report = work / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
         "-o", "junit_logging=system-out", "-o", "junit_suite_name=generated", "test_generated.py"],
        cwd=work, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return report.read_bytes()


def coverage_py(work: Path, branch: bool = False) -> dict[str, Any]:
    """Cobertura XML, LCOV and JSON written by coverage.py for the parser tests' program."""
    work.mkdir(parents=True, exist_ok=True)
    for name, text in PROGRAM.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    env = {"PATH": "/usr/bin:/bin", "COVERAGE_FILE": str(work / ".coverage")}

    def run(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "coverage", *args], cwd=work, check=True, capture_output=True,
                       env=env, timeout=120)

    run("run", *(["--branch"] if branch else []), "main.py")
    run("xml", "-o", "coverage.xml")
    run("lcov", "-o", "coverage.lcov")
    run("json", "-o", "coverage.json")
    return {"xml": (work / "coverage.xml").read_bytes(), "lcov": (work / "coverage.lcov").read_bytes(),
            "json": json.loads((work / "coverage.json").read_text())}


def junit_xml(suites: int = 2, per_suite: int = 3, failing: set[str] | frozenset[str] = frozenset(),
              prefix: str = "com.acme", skipped: set[str] | frozenset[str] = frozenset()) -> bytes:
    """A JUnit report: ``suites`` suites of ``per_suite`` cases named ``test{n}``; the cases whose
    full name (``<prefix>.Suite<s>.test<n>``) is in ``failing`` fail, those in ``skipped`` are skipped."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for s in range(suites):
        classname = f"{prefix}.Suite{s}"
        out.append(f'<testsuite name="{classname}" tests="{per_suite}" time="1.5" '
                   f'timestamp="2024-03-30T14:59:04" hostname="ci">')
        for n in range(per_suite):
            name = f"test{n}"
            full = f"{classname}.{name}"
            out.append(f'<testcase classname="{classname}" name="{name}" time="0.{n + 1}">')
            if full in failing:
                out.append(f'<failure message="expected {n}" type="AssertionError">at {full}(Suite.java:{n})'
                           "</failure>")
            elif full in skipped:
                out.append("<skipped/>")
            out.append("</testcase>")
        out.append("</testsuite>")
    out.append("</testsuites>")
    return "\n".join(out).encode()


def grouped_body(blobs: list[bytes] | None = None, coverage: list[bytes] | None = None, *,
                 repo: str | None = "acme/shop", branch: str | None = "main", main: Any = True,
                 project: str | None = None, sha: str | None = None, group: str | None = None,
                 base_directory: str | None = None, wall_clock: float | None = None,
                 build_key: str | None = None, **extra: Any) -> dict[str, Any]:
    """A ``/groupedResults`` body as the projektor-publish client builds it."""
    body: dict[str, Any] = {
        "groupedTestSuites": [{"groupName": project or "Tests", "testSuitesBlob": blob.decode()}
                              for blob in blobs or []],
        "performanceResults": [],
        "coverageFiles": [{"reportContents": c.decode(), "baseDirectoryPath": base_directory}
                          for c in coverage or []],
        "codeQualityFiles": [],
        "metadata": {"git": {"repoName": repo, "branchName": branch, "isMainBranch": main, "projectName": project,
                             "commitSha": sha, "pullRequestNumber": None}, "ci": True, "group": group},
        **extra,
    }
    if build_key is not None:
        body["metadata"]["buildKey"] = build_key
    if wall_clock is not None:
        body["wallClockDuration"] = wall_clock
    return body


def publish(client: FlaskClient, token: str, body: dict[str, Any] | bytes, compress: bool = True,
            path: str = "/groupedResults") -> TestResponse:
    """POST like projektor-publish: gzipped JSON with its odd form Content-Type, or plain JSON."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-PROJEKTOR-TOKEN": token}
    if compress:
        headers["Content-Encoding"] = "gzip"
        return client.post(path, data=gzip.compress(raw), headers=headers,
                           content_type="application/x-www-form-urlencoded")
    return client.post(path, data=raw, headers=headers, content_type="application/json")


def published_id(response: TestResponse) -> str:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert list(body) == ["id", "uri"] and body["uri"] == f"/tests/{body['id']}"
    public_id: str = body["id"]
    return public_id
