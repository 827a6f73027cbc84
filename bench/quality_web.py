"""Server time of the quality pages against the API calls that read the same figures (the baseline,
measured in the same run): a commit page with the gate's verdict and patch coverage, a diff with its
patch lines marked, and the Quality page (a page of 25 commits of the default branch, each with its
verdict, coverage and patch coverage). The app runs in this process behind Flask's test client.

Usage: python bench/quality_web.py [--commits N] [--files N] [--requests N] [--covered N]
A repository is generated with bench/gen_repo.py; the newest ``--covered`` commits of its first-parent
line get a test run with a Cobertura report naming every Java file of the commit (every fifth line
missed), published through ``/groupedResults`` as projektor-publish does.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.databases import server_env

LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
GATE = [{"metric": "coverage", "op": "LT", "threshold": 70}, {"metric": "patchCoverage", "op": "LT", "threshold": 60},
        {"metric": "failedTests", "op": "GT", "threshold": 0}, {"metric": "coderadar:size:loc:java", "op": "GT",
                                                                  "threshold": 10_000_000}]


def git(cwd: Path, *args: str, data: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, input=data).stdout


def wait(condition: Callable[[], bool], what: str, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def line_counts(repo: Path, sha: str) -> dict[str, int]:
    """Every Java file of a commit and its number of lines (one ``git cat-file --batch``)."""
    paths = [p for p in git(repo, "ls-tree", "-r", "--name-only", sha).splitlines() if p.endswith(".java")]
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, check=True, capture_output=True,
                         input="".join(f"{sha}:{p}\n" for p in paths).encode()).stdout
    counts: dict[str, int] = {}
    pos = 0
    for path in paths:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        body = out[header_end + 1:header_end + 1 + size]
        counts[path] = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
        pos = header_end + 1 + size + 1
    return counts


def cobertura(counts: dict[str, int]) -> str:
    classes = []
    for path, lines in counts.items():
        rows = "".join(f'<line number="{n}" hits="{0 if n % 5 == 0 else 1}"/>' for n in range(1, lines + 1))
        classes.append(f'<class name="{Path(path).stem}" filename="{path}" line-rate="0.8">'
                       f'<lines>{rows}</lines></class>')
    return ('<?xml version="1.0"?><coverage line-rate="0.8" branch-rate="0" version="1"><sources><source>.</source>'
            f'</sources><packages><package name="all" line-rate="0.8"><classes>{"".join(classes)}</classes></package>'
            '</packages></coverage>')


JUNIT = ('<?xml version="1.0"?><testsuites><testsuite name="Bench" tests="2" failures="0" errors="0" skipped="0" '
         'time="0.1"><testcase classname="Bench" name="a" time="0.05"/><testcase classname="Bench" name="b" '
         'time="0.05"/></testsuite></testsuites>')


def timed(client: FlaskClient, n: int, calls: list[tuple[str, str, dict[str, Any]]]) -> tuple[list[float], float]:
    """``n`` timings in ms of the calls made one after the other, after two warming rounds; and the first
    round's time (a cold view)."""
    out = []
    for _ in range(n + 2):
        start = time.perf_counter()
        for method, path, kwargs in calls:
            r = client.open(path, method=method, **kwargs)
            if r.status_code not in (200, 204):
                raise SystemExit(f"{method} {path}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        out.append((time.perf_counter() - start) * 1000)
    return out[2:], out[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--covered", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-quality-web-") as tmp:
        work = Path(tmp)
        source = work / "generated.git"
        subprocess.run([sys.executable, str(Path(__file__).parent / "gen_repo.py"), str(source), "--commits",
                        str(args.commits), "--files", str(args.files), "--force"], check=True, capture_output=True)
        (work / "data").mkdir()
        env = server_env(work / "data", None, CODEANNALS_LOCAL_REPO_ROOTS=str(work),
                         CODEANNALS_ACCESS_TOKEN_MINUTES="600")
        container = Container(Settings.from_env(env))
        app = create_app(container=container)
        client = app.test_client()
        try:
            client.post("/api/user/registration", json={"username": "bench", "password": "password1"})
            jwt = client.post("/api/user/auth", json={"username": "bench", "password": "password1"}).get_json()[
                "accessToken"]
            h = {"Authorization": jwt}
            token = client.post("/api/user/tokens", json={"name": "ci"}, headers=h).get_json()["token"]
            pid = client.post("/api/projects", json={"name": "bench", "vcsUrl": str(source)},
                              headers=h).get_json()["id"]
            client.post(f"/api/projects/{pid}/filePatterns", json={"pattern": "**/*.java", "inclusionType": "INCLUDE"},
                        headers=h)
            client.post(f"/api/projects/{pid}/analyzers", json={"analyzerName": LOC, "enabled": True}, headers=h)
            wait(lambda: client.get(f"/api/projects/{pid}/import", headers=h).get_json()["status"] == "DONE", "import")
            client.post(f"/api/projects/{pid}/analyze", json=[], headers=h)
            wait(lambda: not client.get(f"/api/projects/{pid}/analyzingStatus", headers=h).get_json()["status"],
                 "analysis")
            line = git(source, "rev-list", "--first-parent", f"--max-count={args.covered}", "HEAD").split()
            started = time.perf_counter()
            for sha in line:
                body = {"groupedTestSuites": [{"groupName": "Tests", "testSuitesBlob": JUNIT}],
                        "performanceResults": [], "codeQualityFiles": [],
                        "coverageFiles": [{"reportContents": cobertura(line_counts(source, sha)),
                                           "baseDirectoryPath": None}],
                        "metadata": {"git": {"repoName": "bench/repo", "branchName": "main", "isMainBranch": True,
                                             "projectName": None, "commitSha": sha, "pullRequestNumber": None},
                                     "ci": True, "group": None}}
                r = client.post("/groupedResults", data=gzip.compress(json.dumps(body).encode()),
                                headers={"X-PROJEKTOR-TOKEN": token, "Content-Encoding": "gzip"},
                                content_type="application/x-www-form-urlencoded")
                assert r.status_code == 200, r.get_data(as_text=True)[:300]
            for sha in line:
                wait(lambda sha=sha: client.get(f"/api/projects/{pid}/commits/{sha}/coverage",  # type: ignore[misc]
                                                headers=h).status_code == 200, f"the coverage of {sha}")
            published = time.perf_counter() - started
            r = client.put(f"/api/projects/{pid}/qualityGate", json={"conditions": GATE}, headers=h)
            assert r.status_code == 200, r.get_json()
            head = line[0]
            view = client.get(f"/api/projects/{pid}/commits/{head}/coverage", headers=h).get_json()
            changed = [c for c in view["files"] if c["patchCovered"] + c["patchMissed"]]
            diff_path = changed[0]["path"] if changed else None
            files = git(source, "ls-tree", "-r", "--name-only", head).count("\n")
            print(f"repository: {git(source, 'rev-list', '--count', 'HEAD').strip()} commits, {files} files at the "
                  f"head; {len(line)} runs with coverage published in {published:.1f} s")
            form = client.get("/signin").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf
            client.post("/signin", data={"username": "bench", "password": "password1", "csrf_token": csrf.group(1)})

            def api(path: str) -> tuple[str, str, dict[str, Any]]:
                return ("GET", path, {"headers": h})

            Call = tuple[str, str, dict[str, Any]]
            cases: list[tuple[str, list[Call], list[Call]]] = [
                ("commit page", [("GET", f"/ui/projects/{pid}/commits/{head}", {})],
                 [api(f"/api/projects/{pid}/commits/{head}/qualityGate"),
                  api(f"/api/projects/{pid}/commits/{head}/coverage")]),
                ("quality page (25 commits)", [("GET", f"/ui/projects/{pid}/quality", {})],
                 [c for sha in line[:25] for c in (api(f"/api/projects/{pid}/commits/{sha}/qualityGate"),
                                                   api(f"/api/projects/{pid}/commits/{sha}/coverage"))]),
            ]
            if diff_path:
                diff_url = f"/ui/projects/{pid}/commits/{head}/diff?path={diff_path}"
                cases.append(("diff with patch marks", [("GET", diff_url, {})],
                              [api(f"/api/projects/{pid}/commits/{head}/coverage")]))
            print(f"{'page':28} {'p50 ms':>8} {'p90 ms':>8} {'first ms':>8} {'API p50':>8} {'ratio':>6}")
            for name, calls, baseline in cases:
                page, cold = timed(client, args.requests, calls)
                base, _ = timed(client, args.requests, baseline)
                p50, p90 = statistics.median(page), statistics.quantiles(page, n=10)[-1]
                b50 = statistics.median(base)
                print(f"{name:28} {p50:8.1f} {p90:8.1f} {cold:8.1f} {b50:8.1f} {p50 / b50:6.2f}")
        finally:
            container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
