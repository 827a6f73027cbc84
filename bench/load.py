"""A bounded load test: concurrent clients mixing reads and writes across the four API families.

Starts a real server (SQLite by default; --database-url for PostgreSQL), prepares users, API tokens
and projects, then runs N clients for S seconds. Each client picks, per request, one of: coderadar
(list projects, add a module), Projektor (publish JUnit + coverage, read current coverage), Testery
(list test runs), Copr (list projects, submit a build). Prints throughput and p50/p99 per family and
exits non-zero on any error (a 5xx, an unexpected status or a transport error).

Usage: python bench/load.py [--clients 32] [--seconds 60] [--database-url URL]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.databases import server_env
from tests.support.server import ServerProcess

JUNIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="load" tests="3" failures="1" errors="0" skipped="0" time="0.3">
  <testcase classname="load.Case" name="passes" time="0.1"/>
  <testcase classname="load.Case" name="also_passes" time="0.1"/>
  <testcase classname="load.Case" name="fails" time="0.1"><failure message="boom">trace</failure></testcase>
</testsuite>"""
COBERTURA = b"""<?xml version="1.0" ?>
<coverage line-rate="0.75" lines-covered="3" lines-valid="4" version="7.0">
  <packages><package name="app"><classes>
    <class name="main.py" filename="app/main.py" line-rate="0.75"><methods/><lines>
      <line number="1" hits="1"/><line number="2" hits="1"/><line number="3" hits="1"/><line number="4" hits="0"/>
    </lines></class>
  </classes></package></packages>
</coverage>"""


@dataclass
class Report:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: float = 0.0

    def record(self, family: str, latency: float, error: str | None) -> None:
        with self.lock:
            self.latencies[family].append(latency)
            if error:
                self.errors.append(f"{family}: {error}")

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def lines(self) -> list[str]:
        out = [f"{self.total} requests in {self.seconds:.1f}s: {self.total / self.seconds:,.1f} requests/s, "
               f"{len(self.errors)} errors"]
        for family, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            out.append(f"  {family:<10} {len(values):>7} requests {len(values) / self.seconds:>8.1f}/s "
                       f"p50 {statistics.median(ordered) * 1000:>7.1f} ms  p99 {p99 * 1000:>7.1f} ms")
        return out


@dataclass
class Actor:
    username: str
    jwt: str
    token: str
    project_id: int
    copr_project_id: int
    repo: str

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.token}".encode()).decode()


def prepare(base: str, count: int) -> list[Actor]:
    s = requests.Session()
    actors = []
    for i in range(count):
        name = f"load{i}"
        s.post(f"{base}/api/user/registration", json={"username": name, "password": "password1"}, timeout=60)
        jwt = s.post(f"{base}/api/user/auth", json={"username": name, "password": "password1"},
                     timeout=60).json()["accessToken"]
        token = s.post(f"{base}/api/user/tokens", json={"name": "load"}, headers={"Authorization": jwt},
                       timeout=60).json()["token"]
        project = s.post(f"{base}/api/projects", headers={"Authorization": jwt}, timeout=60,
                         json={"name": f"coderadar{i}", "vcsUrl": "https://example.invalid/repo.git"})
        assert project.status_code == 201, project.text
        basic = "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()
        copr = s.post(f"{base}/api_2/projects", headers={"Authorization": basic}, timeout=60,
                      json={"name": f"copr{i}", "chroots": ["fedora-40-x86_64"]})
        assert copr.status_code == 201, copr.text
        actors.append(Actor(name, jwt, token, project.json()["id"],
                            int(copr.headers["Location"].rsplit("/", 1)[1]), f"load/repo{i}"))
    return actors


def operations(base: str, a: Actor, s: requests.Session, seq: list[int]) -> list[tuple[str, Callable[[], int]]]:
    def next_id() -> int:
        seq[0] += 1
        return seq[0]

    def publish() -> int:
        body = {"groupedTestSuites": [{"groupName": "Tests", "testSuitesBlob": JUNIT.decode()}],
                "coverageFiles": [{"reportContents": COBERTURA.decode()}],
                "metadata": {"git": {"repoName": a.repo, "branchName": "main", "isMainBranch": True}, "ci": True}}
        return s.post(f"{base}/groupedResults", data=gzip.compress(json.dumps(body).encode()), timeout=60,
                      headers={"X-PROJEKTOR-TOKEN": a.token, "Content-Encoding": "gzip",
                               "Content-Type": "application/x-www-form-urlencoded"}).status_code

    return [
        ("coderadar", lambda: s.get(f"{base}/api/projects", headers={"Authorization": a.jwt}, timeout=60).status_code),
        ("coderadar", lambda: s.post(f"{base}/api/projects/{a.project_id}/modules", timeout=60,
                                     headers={"Authorization": a.jwt},
                                     json={"path": f"m{next_id()}/"}).status_code),
        ("projektor", publish),
        ("projektor", lambda: s.get(f"{base}/api/v1/repo/{a.repo}/coverage/current", timeout=60,
                                    headers={"X-PROJEKTOR-TOKEN": a.token}).status_code),
        ("testery", lambda: s.get(f"{base}/api/test-runs?limit=10&offset=0", timeout=60,
                                  headers={"Authorization": f"Bearer {a.token}"}).status_code),
        ("copr", lambda: s.get(f"{base}/api_2/projects?owner={a.username}", timeout=60).status_code),
        ("copr", lambda: s.post(f"{base}/api_2/builds", headers={"Authorization": a.basic}, timeout=60,
                                json={"project_id": a.copr_project_id,
                                      "srpm_url": "https://example.org/srpms/hello-2.12-1.fc40.src.rpm"}).status_code),
    ]


def run_load(base: str, clients: int, seconds: float, seed: int = 1) -> Report:
    actors = prepare(base, min(clients, 8))
    report = Report()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed + n)
        actor = actors[n % len(actors)]
        session = requests.Session()
        ops = operations(base, actor, session, [n * 1_000_000])
        while time.monotonic() < deadline:
            family, op = rng.choice(ops)
            started = time.perf_counter()
            error = None
            try:
                status = op()
                if status >= 300 and status != 204:
                    error = f"HTTP {status}"
            except requests.RequestException as exc:
                error = type(exc).__name__
            report.record(family, time.perf_counter() - started, error)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "data", args.database_url, CODEANNALS_PASSWORD_COST="12")
        with ServerProcess(env, workers=args.workers, log_path=Path(tmp) / "server.log") as server:
            report = run_load(server.url, args.clients, args.seconds)
    print(f"== load: {args.clients} clients, {'PostgreSQL' if args.database_url else 'SQLite'}, "
          f"{args.workers} worker processes ==")
    for line in report.lines():
        print(line)
    for error in report.errors[:20]:
        print("  error:", error)
    sys.exit(1 if report.errors else 0)


if __name__ == "__main__":
    main()
