"""HTTP read figures: each read endpoint driven by wrk, beside a bare Flask app under the same gunicorn
settings (the ceiling), in one run.

Starts the real server (``codeannals serve``: WORKERS worker processes x THREADS threads) on a fresh
data directory (SQLite, or a scratch PostgreSQL database with --postgres), imports and analyses a
small repository the bench makes, publishes a Projektor run with coverage and creates a Copr project.
Then runs ``wrk -t2 -cCONNECTIONS -dSECONDS`` against the bare app and against every endpoint below,
each authenticated as its clients authenticate (coderadar: the JWT in ``Authorization``; Testery: an
API token as Bearer; Copr: HTTP Basic with an API token; Projektor's public reads: nothing, as its
UI sends; its ``coverage/current``: ``X-PROJEKTOR-TOKEN``, as projektor-publish sends). Prints
requests/s and the ratio to bare Flask (the mean of the bare runs right before and after it)
per endpoint, and the server's CPU time per request beside the bare app's (a figure a neighbour's load on
a shared machine disturbs less); any non-2xx answer or socket error is reported and makes the exit status non-zero.

Needs wrk (Debian: ``apt-get install -y wrk``).

Usage: python bench/http.py [--postgres] [--seconds 5] [--connections 32] [--workers 2] [--threads 8]
       [--only SUBSTRING]
PostgreSQL: CODEANNALS_TEST_POSTGRES_URL (an admin URL; a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env
from tests.support.gitrepo import generate
from tests.support.server import ROOT, ServerProcess, free_port, wait_caught_up

LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
REPO_NAME = "bench/demo"
JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="bench" tests="2" failures="1" errors="0" skipped="0" time="0.2">
  <testcase classname="bench.Case" name="passes" time="0.1"/>
  <testcase classname="bench.Case" name="fails" time="0.1"><failure message="boom">trace</failure></testcase>
</testsuite>"""
COBERTURA = """<?xml version="1.0" ?>
<coverage line-rate="0.75" lines-covered="3" lines-valid="4" version="7.0">
  <packages><package name="app"><classes>
    <class name="main.py" filename="app/main.py" line-rate="0.75"><methods/><lines>
      <line number="1" hits="1"/><line number="2" hits="1"/><line number="3" hits="1"/><line number="4" hits="0"/>
    </lines></class>
  </classes></package></packages>
</coverage>"""


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class Result:
    rps: float
    failures: str | None
    cpu_ms: float = 0.0  # CPU of the server's processes per request


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers)."""
    pids = [str(root), *subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)], capture_output=True,
                                        text=True).stdout.split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(url: str, root: int, target: Target, args: argparse.Namespace, tmp: Path) -> Result:
    before = cpu_seconds(root)
    result = wrk(url, target, args.seconds, args.connections, tmp)
    cpu = cpu_seconds(root) - before
    return Result(result.rps, result.failures, 1000 * cpu / max(1.0, result.rps * args.seconds))


def wrk(url: str, target: Target, seconds: float, connections: int, tmp: Path) -> Result:
    lines = [f"wrk.method = {json.dumps(target.method)}"]
    for name, value in target.headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if target.body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    script = tmp / "request.lua"
    script.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "-s", str(script), url + target.path],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    problems = [m.group(0).strip() for m in re.finditer(r"(Non-2xx or 3xx responses: \d+|Socket errors:.*)", out)]
    return Result(rps, "; ".join(problems) or None)


def prepare(base: str, repo: Path) -> list[Target]:
    """A user, an API token, a project on ``repo`` imported and analysed, a Projektor run, a Copr project."""
    s = requests.Session()
    s.post(f"{base}/api/user/registration", json={"username": "bench", "password": "password1"}, timeout=60)
    jwt = s.post(f"{base}/api/user/auth", json={"username": "bench", "password": "password1"},
                 timeout=60).json()["accessToken"]
    coderadar = {"Authorization": jwt}
    token = s.post(f"{base}/api/user/tokens", json={"name": "bench"}, headers=coderadar, timeout=60).json()["token"]
    r = s.post(f"{base}/api/projects", headers=coderadar, timeout=60, json={"name": "demo", "vcsUrl": str(repo)})
    assert r.status_code == 201, r.text
    project = r.json()["id"]
    for path, body in ((f"/api/projects/{project}/filePatterns", {"pattern": "**", "inclusionType": "INCLUDE"}),
                       (f"/api/projects/{project}/analyzers", {"analyzerName": LOC, "enabled": True})):
        r = s.post(base + path, headers=coderadar, json=body, timeout=60)
        assert r.status_code < 300, r.text
    until(lambda: s.get(f"{base}/api/projects/{project}/import", headers=coderadar, timeout=60).json()
          .get("status") == "DONE", "import")
    r = s.post(f"{base}/api/projects/{project}/analyze", headers=coderadar, json=[], timeout=60)
    assert r.status_code < 300, r.text
    until(lambda: s.get(f"{base}/api/projects/{project}/analyzingStatus", headers=coderadar, timeout=60).json()
          .get("status") is False, "analysis")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "main"], capture_output=True, text=True,
                          check=True).stdout.strip()
    metrics = s.get(f"{base}/api/projects/{project}/metrics", headers=coderadar, timeout=60).json()
    names = [m if isinstance(m, str) else m.get("metricName", m.get("name")) for m in metrics][:4]
    publish = {"groupedTestSuites": [{"groupName": "Tests", "testSuitesBlob": JUNIT}],
            "coverageFiles": [{"reportContents": COBERTURA}],
            "metadata": {"git": {"repoName": REPO_NAME, "branchName": "main", "isMainBranch": True}, "ci": True}}
    r = s.post(f"{base}/groupedResults", data=gzip.compress(json.dumps(publish).encode()), timeout=60,
               headers={"X-PROJEKTOR-TOKEN": token, "Content-Encoding": "gzip",
                        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    run_id = r.json()["id"]
    basic = {"Authorization": "Basic " + base64.b64encode(f"bench:{token}".encode()).decode()}
    r = s.post(f"{base}/api_2/projects", headers=basic, timeout=60,
               json={"name": "bench-copr", "chroots": ["fedora-40-x86_64"]})
    assert r.status_code == 201, r.text
    wait_caught_up(base)
    targets = [
        Target("/health", "/health", {}),
        Target("GET /api/projects/{id}", f"/api/projects/{project}", coderadar),
        Target("GET /api/projects/{id}/commits?branchName=main",
               f"/api/projects/{project}/commits?branchName=main", coderadar),
        Target("GET /api/projects/{id}/branches", f"/api/projects/{project}/branches", coderadar),
        Target("POST /api/projects/{id}/metricvalues/perCommit", f"/api/projects/{project}/metricvalues/perCommit",
               coderadar, "POST", json.dumps({"commit": head, "metrics": names})),
        Target("GET /api_2/projects", "/api_2/projects?owner=bench", basic),
        Target("GET /api/test-runs?page=0&limit=10", "/api/test-runs?page=0&limit=10",
               {"Authorization": f"Bearer {token}"}),
        Target("GET /api/v1/repo/{repo}/coverage/current", f"/api/v1/repo/{REPO_NAME}/coverage/current",
               {"X-PROJEKTOR-TOKEN": token}),
        Target("GET /run/{id}/summary", f"/run/{run_id}/summary", {}),
    ]
    for t in targets:  # every target answers 2xx before it is measured
        r = s.request(t.method, base + t.path, headers={**t.headers, **({"Content-Type": "application/json"}
                      if t.body else {})}, data=t.body, timeout=60)
        assert r.status_code < 300, f"{t.label}: {r.status_code} {r.text[:300]}"
    return targets


def profiler(server: ServerProcess, target: Target, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy (pip install py-spy) on the first worker process while ``target`` runs."""
    assert server.proc is not None
    worker = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.proc.pid)], capture_output=True, text=True,
                            check=True).stdout.split()[0]
    out.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "_", target.label).strip("_")
    return subprocess.Popen(["py-spy", "record", "--gil", "--nonblocking", "-r", "250", "-f", "raw", "-p", worker,
                             "-d", str(max(1, int(seconds) - 1)), "-o", str(out / f"{name}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def until(condition: object, what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not finish")


class BareFlask:
    def __init__(self, workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [sys.executable, str(ROOT / "bench" / "bare_flask.py"), str(self.port), str(workers), str(threads)]
        self.log = log

    def __enter__(self) -> BareFlask:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        until(lambda: _answers(self.url + "/json"), "bare Flask start", 60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(15)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--commits", type=int, default=60, help="commits in the generated repository")
    parser.add_argument("--only", default="", help="measure only endpoints whose label holds this")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record each endpoint's run with py-spy (--gil) in one server worker, raw stacks into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the server running after the runs (profiling)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)")
        return 2
    if args.postgres and postgres_unavailable_reason():
        print(f"postgres: {postgres_unavailable_reason()}")
        return 2
    failed = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(postgres_database()) if args.postgres else None
        repo = generate(tmp / "src" / "demo", args.commits)
        env = server_env(tmp / "data", url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp / "src"),
                         CODEANNALS_ANALYSIS_POLL_SECONDS="0.2")
        server = ServerProcess(env, workers=args.workers, log_path=tmp / "server.log")
        server.args = ["serve", "--port", str(server.port), "--workers", str(args.workers),
                       "--threads", str(args.threads)]
        server.start()
        server.wait_healthy(120)
        stack.callback(server.stop)
        targets = [t for t in prepare(server.url, repo.path) if args.only in t.label]
        bare = stack.enter_context(BareFlask(args.workers, args.threads, tmp / "bare.log"))
        assert server.proc is not None
        bare_target = Target("bare", "/json", {})
        # The bare app runs right before each endpoint and once at the end: each endpoint's ratio is to
        # the mean of the bare runs beside it, so a neighbour's load on a shared machine cancels out.
        ceiling = [measure(bare.url, bare.proc.pid, bare_target, args, tmp)]
        results = []
        for t in targets:
            spy = profiler(server, t, args.profile, args.seconds) if args.profile else None
            results.append((t, measure(server.url, server.proc.pid, t, args, tmp)))
            if spy is not None:
                spy.wait(30)
            ceiling.append(measure(bare.url, bare.proc.pid, bare_target, args, tmp))
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"== HTTP reads, {backend}: wrk -t2 -c{args.connections} -d{args.seconds:g}s, "
              f"{args.workers} workers x {args.threads} threads ==")
        top = sum(c.rps for c in ceiling) / len(ceiling)
        top_cpu = sum(c.cpu_ms for c in ceiling) / len(ceiling)
        print("| endpoint | requests/s | of bare Flask | server CPU ms per request | bare's CPU / this |")
        print("|---|---|---|---|---|")
        print(f"| bare Flask + gunicorn, JSON GET ({min(c.rps for c in ceiling):,.0f} to "
              f"{max(c.rps for c in ceiling):,.0f} over {len(ceiling)} runs) | {top:,.0f} | 1.00 "
              f"| {top_cpu:.2f} | 1.00 |")
        for i, (t, result) in enumerate(results):
            beside = (ceiling[i].rps + ceiling[i + 1].rps) / 2
            beside_cpu = (ceiling[i].cpu_ms + ceiling[i + 1].cpu_ms) / 2
            note = f" ({result.failures})" if result.failures else ""
            failed |= result.failures is not None
            print(f"| `{t.label}` | {result.rps:,.0f} | {result.rps / beside:.2f}{note} | {result.cpu_ms:.2f} "
                  f"| {beside_cpu / result.cpu_ms:.2f} |")
        if args.postgres:
            print("(CPU: the server's processes only; PostgreSQL's own is not counted)")
        if args.keep:
            print(f"server at {server.url}; Ctrl-C to stop", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
