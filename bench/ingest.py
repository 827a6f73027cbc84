"""Publishing test results and coverage to a real server, and reading current coverage under load.

    .venv/bin/python bench/ingest.py [--backends sqlite,postgres] [--cases 100,1000,10000,100000,200000]
                                     [--files 10,100,1000,10000,20000] [--clients 8] [--seconds 20]

For each size, a fresh server (one gunicorn worker; its own SQLite data directory or PostgreSQL
database) receives one upload the way projektor-publish sends it (gzipped JSON on ``/groupedResults``;
the results file is bench/parse_reports.py's JUnit file, about 500 bytes per case, so 200,000 cases
are 100 MB; coverage is a Cobertura report of N files). Printed per size:

* ``answer``: seconds until the server answered (parse, record every event in one save, and wait,
  bounded, for the read models);
* ``visible``: seconds until the run's summary shows every case (the read models caught up);
* ``peak``: the server worker's peak resident memory (VmHWM) and how much above its resident size
  before the upload that is.

Then, on one server holding runs of 50 repositories, ``--clients`` threads ask
``/api/v1/repo/{org}/{repo}/coverage/current`` for ``--seconds`` seconds: requests per second and the
p50 / p99 latency.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from parse_reports import write_coverage, write_junit  # noqa: E402

from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def _worker_pid(server: ServerProcess) -> int:
    assert server.proc is not None
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    return int(children[0]) if children else server.proc.pid


def _token(base: str) -> str:
    requests.post(f"{base}/api/user/registration", json={"username": "bench", "password": "password1"}, timeout=60)
    jwt = requests.post(f"{base}/api/user/auth", json={"username": "bench", "password": "password1"},
                        timeout=60).json()["accessToken"]
    r = requests.post(f"{base}/api/user/tokens", json={"name": "bench"}, headers={"Authorization": jwt}, timeout=60)
    token: str = r.json()["token"]
    return token


def _body(blob: str | None, coverage: str | None, repo: str = "bench/repo") -> bytes:
    body = {
        "groupedTestSuites": [{"groupName": "bench", "testSuitesBlob": blob}] if blob is not None else [],
        "coverageFiles": [{"reportContents": coverage}] if coverage is not None else [],
        "metadata": {"git": {"repoName": repo, "branchName": "main", "isMainBranch": True}, "ci": True},
    }
    return gzip.compress(json.dumps(body).encode(), compresslevel=6)


def _publish(base: str, token: str, body: bytes) -> tuple[str, float, str]:
    started = time.perf_counter()
    r = requests.post(f"{base}/groupedResults", data=body, timeout=1800, headers={
        "X-PROJEKTOR-TOKEN": token, "Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"})
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise SystemExit(f"publish failed: {r.status_code} {r.text[:500]}")
    return r.json()["id"], elapsed, r.headers.get("X-Read-Models", "")


def _wait_visible(base: str, token: str, public_id: str, tests: int | None, has_coverage: bool) -> None:
    headers = {"X-PROJEKTOR-TOKEN": token}
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        summary = requests.get(f"{base}/run/{public_id}/summary", headers=headers, timeout=60)
        complete = summary.status_code == 200 and (tests is None or summary.json()["total_test_count"] == tests)
        if complete and (not has_coverage or requests.get(f"{base}/run/{public_id}/coverage", headers=headers,
                                                          timeout=60).status_code == 200):
            return
        time.sleep(0.05)
    raise SystemExit(f"run {public_id} did not become visible")


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def _start(env: dict[str, str], log: Path) -> ServerProcess:
    """A started server; a few attempts, as a busy shared PostgreSQL may refuse a connection at startup."""
    for attempt in range(3):
        try:
            return ServerProcess(env, log_path=log).start(timeout=120)
        except RuntimeError:
            if attempt == 2:
                raise
            time.sleep(5)
    raise AssertionError("unreachable")


def measure(env: dict[str, str], log: Path, blob: str | None, coverage: str | None,
            tests: int | None) -> dict[str, Any]:
    body = _body(blob, coverage)
    server = _start(env, log)
    try:
        token = _token(server.url)
        pid = _worker_pid(server)
        before = _status(pid)["VmRSS"]
        started = time.perf_counter()
        public_id, answered, pending = _publish(server.url, token, body)
        _wait_visible(server.url, token, public_id, tests, coverage is not None)
        visible = time.perf_counter() - started
        peak = _status(pid)["VmHWM"]
    finally:
        server.stop()
    return {"answer": answered, "visible": visible, "peak": peak, "extra": peak - before, "pending": pending,
            "wire": len(body)}


def ingest(backend: str, cases: list[int], files: list[int], work: Path) -> None:
    print(f"\n== {backend}: results (JUnit, gzipped /groupedResults)")
    print(f"{'cases':>8} {'file':>8} {'on wire':>8} {'answer':>8} {'visible':>8} {'peak RSS':>9} {'above idle':>10}")
    for n in cases:
        path = work / f"junit-{n}.xml"
        if not path.exists():
            write_junit(path, n, max(0.05, n / 2000), min(200, max(1, n // 1000)))
        blob = path.read_text()
        with ExitStack() as stack:
            url = stack.enter_context(postgres_database()) if backend == "postgres" else None
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=work))) / "data"
            m = measure(server_env(data, url), work / f"server-{backend}.log", blob, None, n)
        print(f"{n:>8,} {_mb(len(blob)):>8} {_mb(m['wire']):>8} {m['answer']:>7.2f}s {m['visible']:>7.2f}s "
              f"{_mb(m['peak']):>9} {_mb(m['extra']):>10}{'  (read models pending at answer)' if m['pending'] else ''}",
              flush=True)
    print(f"\n== {backend}: coverage (Cobertura, gzipped /groupedResults)")
    print(f"{'files':>8} {'report':>8} {'on wire':>8} {'answer':>8} {'visible':>8} {'peak RSS':>9} {'above idle':>10}")
    for n in files:
        path = work / f"cobertura-{n}.xml"
        if not path.exists():
            write_coverage(path, "cobertura", n)
        report = path.read_text()
        with ExitStack() as stack:
            url = stack.enter_context(postgres_database()) if backend == "postgres" else None
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=work))) / "data"
            m = measure(server_env(data, url), work / f"server-{backend}.log", None, report, None)
        print(f"{n:>8,} {_mb(len(report)):>8} {_mb(m['wire']):>8} {m['answer']:>7.2f}s {m['visible']:>7.2f}s "
              f"{_mb(m['peak']):>9} {_mb(m['extra']):>10}", flush=True)


def load(backend: str, work: Path, clients: int, seconds: float, repos: int = 50, runs_per_repo: int = 4) -> None:
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        data = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=work))) / "data"
        server = _start(server_env(data, url), work / f"load-{backend}.log")
        stack.callback(server.stop)
        token = _token(server.url)
        path = work / "cobertura-200.xml"
        if not path.exists():
            write_coverage(path, "cobertura", 200)
        report = path.read_text()
        blob = (work / "junit-100.xml").read_text() if (work / "junit-100.xml").exists() else None
        for r in range(repos):
            for _ in range(runs_per_repo):
                _publish(server.url, token, _body(blob, report, repo=f"org{r % 5}/repo{r}"))
        headers = {"X-PROJEKTOR-TOKEN": token}
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client(n: int) -> None:
            nonlocal errors
            rng = random.Random(n)
            session = requests.Session()
            mine: list[float] = []
            bad = 0
            while time.monotonic() < stop:
                r = rng.randrange(repos)
                started = time.perf_counter()
                response = session.get(f"{server.url}/api/v1/repo/org{r % 5}/repo{r}/coverage/current",
                                       headers=headers, timeout=60)
                mine.append(time.perf_counter() - started)
                if response.status_code != 200:
                    bad += 1
            with lock:
                latencies.extend(mine)
                errors += bad

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"\n== {backend}: coverage/current under load ({repos} repositories, {repos * runs_per_repo} runs, "
          f"{clients} clients, one worker with 8 threads)")
    print(f"{len(latencies) / elapsed:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"{errors} not 200", flush=True)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--cases", default="100,1000,10000,100000,200000")
    parser.add_argument("--files", default="10,100,1000,10000,20000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep generated reports in this directory")
    args = parser.parse_args()
    cases = [int(c) for c in args.cases.split(",") if c]
    files = [int(f) for f in args.files.split(",") if f]
    with ExitStack() as stack:
        work = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="codeannals-ingest-")))
        work.mkdir(parents=True, exist_ok=True)
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend == "postgres" and postgres_unavailable_reason():
                print(f"\n== postgres skipped: {postgres_unavailable_reason()}")
                continue
            if not args.skip_ingest:
                ingest(backend, cases, files, work)
            if not (work / "junit-100.xml").exists():
                write_junit(work / "junit-100.xml", 100, 0.05, 1)
            load(backend, work, args.clients, args.seconds)


if __name__ == "__main__":
    main()
