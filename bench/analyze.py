"""Analysis figures: a repository imported and analysed with the line counter, end to end over HTTP.

A server (the real container behind a real HTTP socket, in this process; its import and analysis
workers in threads, measuring in ``--processes`` worker processes) gets a project on a local copy of
the repository (one branch ``main`` at REV, else every branch and tag), an INCLUDE pattern (``--pattern``,
default ``**``) and the line-count analyzer; the import runs, then ``POST /analyze``, until
``analyzingStatus`` says DONE. Printed: import and analysis wall time, end to end; commits/s; distinct
contents measured and their rate; peak memory; p50/p99 of ``metricvalues/tree`` on the head commit over
HTTP (every measured metric, and the four Java ones); and ``git log -M --name-status`` over the same
history in the same run, as a ratio.

Usage: python bench/analyze.py PATH_TO_REPO [REV] [--pattern GLOB] [--backend sqlite|postgres]
       [--processes N] [--requests N] [--no-git]
PostgreSQL: CODEANNALS_TEST_POSTGRES_URL (an admin URL; a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env

LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
JAVA = [f"coderadar:size:{m}:java" for m in ("loc", "sloc", "cloc", "eloc")]

import_bench = importlib.import_module("bench.import")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def git_log_seconds(source: Path, rev: str | None) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "log", *([rev] if rev else ["--all"]), "-M", "--name-status", "--format=%H %P"],
                            cwd=source, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    for _ in proc.stdout:
        pass
    proc.wait()
    return time.perf_counter() - started


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        r = self.session.request(method, self.base + path, timeout=600, **kwargs)
        if r.status_code != expect:
            raise SystemExit(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r.json() if r.content else None

    def login(self) -> None:
        self.call("POST", "/api/user/registration", 201, json={"username": "bench", "password": "password1"})
        token = self.call("POST", "/api/user/auth", json={"username": "bench", "password": "password1"})
        self.session.headers["Authorization"] = token["accessToken"]


def wait_for(what: str, check: Any, started: float, every: float = 0.1) -> Any:
    last = time.perf_counter()
    while True:
        value = check()
        if value:
            return value
        if time.perf_counter() - last > 15:
            last = time.perf_counter()
            print(f"  {last - started:7.1f}s waiting for {what}", flush=True)
        time.sleep(every)


def _children() -> list[int]:
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                out.append(int(entry))
    return out


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Usage:
    """CPU seconds (this process and its child processes) and peak resident memory over a phase."""

    def __init__(self) -> None:
        self.peak_own = 0.0
        self.peak_total = 0.0
        self._stop = threading.Event()
        self._cpu_children: dict[int, float] = {}

    def __enter__(self) -> Usage:
        self._own0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        self._children0 = {pid: _cpu_seconds(pid) for pid in _children()}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            own = _rss_mb(os.getpid())
            children = _children()
            for pid in children:
                self._cpu_children[pid] = _cpu_seconds(pid)
            self.peak_own = max(self.peak_own, own)
            self.peak_total = max(self.peak_total, own + sum(_rss_mb(pid) for pid in children))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for pid in _children():
            self._cpu_children[pid] = _cpu_seconds(pid)
        self.cpu_own = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - self._own0
        self.cpu_children = sum(v - self._children0.get(pid, 0.0) for pid, v in self._cpu_children.items())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(repo: Path, rev: str | None, pattern: str, backend: str, processes: int, requests_n: int,
        with_git: bool) -> None:
    from werkzeug.serving import make_server

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-analyze-")))
        source = import_bench.prepare_source(repo, rev, tmp)
        database_url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        env = server_env(tmp / "data", database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp),
                         CODEANNALS_IMPORT_PROCESSES=str(processes), CODEANNALS_ANALYSIS_PROCESSES=str(processes),
                         CODEANNALS_POLL_SECONDS="86400", CODEANNALS_ANALYSIS_POLL_SECONDS="0.2",
                         CODEANNALS_READ_WAIT_SECONDS="30")
        (tmp / "data").mkdir()
        container = Container(Settings.from_env(env))
        container.start()
        server = make_server("127.0.0.1", 0, create_app(container=container, start=False), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(container.close)
        stack.callback(server.shutdown)
        client = Client(f"http://127.0.0.1:{server.server_port}")
        client.login()
        commits_in_git = int(git(source, "rev-list", "--count", *([rev] if rev else ["--all"])).strip())
        print(f"{backend}: {repo}{' at ' + rev if rev else ''} ({commits_in_git} commits), pattern {pattern!r}, "
              f"{processes} measuring processes", flush=True)

        started = time.perf_counter()
        project = client.call("POST", "/api/projects", 201, json={"name": "bench", "vcsUrl": str(source)})["id"]
        client.call("POST", f"/api/projects/{project}/filePatterns", 201,
                    json={"pattern": pattern, "inclusionType": "INCLUDE"})
        client.call("POST", f"/api/projects/{project}/analyzers", 201, json={"analyzerName": LOC, "enabled": True})
        imported = wait_for("the import", lambda: (s := client.call("GET", f"/api/projects/{project}/import"))
                            ["status"] in ("DONE", "FAILED") and s, started)
        if imported["status"] != "DONE":
            raise SystemExit(f"import failed: {imported}")
        import_seconds = time.perf_counter() - started
        print(f"  import: {imported['commits']} commits in {import_seconds:.1f}s", flush=True)

        analysis_started = time.perf_counter()
        with Usage() as usage:
            client.call("POST", f"/api/projects/{project}/analyze", json=[])
            status = wait_for("the analysis", lambda: (s := client.call(
                "GET", f"/api/projects/{project}/analyzingStatus"))["state"] != "RUNNING" and s, analysis_started)
        analysis_seconds = time.perf_counter() - analysis_started
        wall = time.perf_counter() - started
        if status["state"] != "DONE":
            raise SystemExit(f"analysis ended {status}")
        commits, contents = status["commitsAnalyzed"], status["contentsMeasured"]
        print(f"  analysis: {commits} commits in {analysis_seconds:.1f}s ({commits / analysis_seconds:.0f} commits/s), "
              f"{contents} distinct contents measured ({contents / analysis_seconds:.0f}/s), "
              f"{status['failures']} failures")
        print(f"  analysis CPU: {usage.cpu_own:.1f}s in the server process, {usage.cpu_children:.1f}s in measuring "
              f"processes; peak memory during the analysis: server {usage.peak_own:.0f} MB, with its processes "
              f"{usage.peak_total:.0f} MB")
        print(f"  end to end (create project .. analysis done): {wall:.1f}s ({commits / wall:.0f} commits/s)")

        head = next(b["commitHash"] for b in client.call("GET", f"/api/projects/{project}/branches")
                    if b["name"] == "main" or rev is None)
        metrics = client.call("GET", f"/api/projects/{project}/metrics")
        for label, wanted in (("every metric", metrics), ("java metrics", JAVA)):
            body = {"commit": head, "metrics": wanted}
            tree = client.call("GET", f"/api/projects/{project}/metricvalues/tree", json=body)
            files = 0
            stack_nodes = [tree]
            while stack_nodes:
                node = stack_nodes.pop()
                files += node["type"] == "FILE"
                stack_nodes.extend(node["children"])
            timings = []
            size = 0
            for _ in range(requests_n):  # the whole answer read, not parsed: the server's latency over HTTP
                t = time.perf_counter()
                r = client.session.get(f"{client.base}/api/projects/{project}/metricvalues/tree", json=body)
                size = len(r.content)
                timings.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            print(f"  metricvalues/tree on head ({label}: {len(wanted)}, {files} files, {size / 1024:.0f} KB): p50 "
                  f"{statistics.median(timings):.1f} ms, p99 {percentile(timings, 99):.1f} ms over {requests_n}")
        if backend == "sqlite":
            data = tmp / "data"
            events = sum(f.stat().st_size for f in data.glob("events-analysis.sqlite*")) / 2**20
            models = sum(f.stat().st_size for f in data.glob("readmodels.sqlite*")) / 2**20
            everything = sum(f.stat().st_size for f in data.glob("*.sqlite*")) / 2**20
            print(f"  on disk: analysis events {events:.0f} MB; all read models {models:.0f} MB; all SQLite files "
                  f"{everything:.0f} MB")
        rows = {t: container.store.scalar(f"SELECT COUNT(*) AS n FROM {t}") for t in (
            "analysis_commits", "analysis_files", "analysis_totals", "analysis_measurements")}
        print("  analysis rows: " + ", ".join(f"{t.removeprefix('analysis_')} {n}" for t, n in rows.items()))
        server.shutdown()
        container.close()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak memory: server {own:.0f} MB, largest worker process {children:.0f} MB")
        if with_git:
            seconds = git_log_seconds(source, rev)
            print(f"  git log -M --name-status: {seconds:.1f}s; end to end / git = {wall / seconds:.1f}x, "
                  f"analysis alone / git = {analysis_seconds / seconds:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path)
    parser.add_argument("rev", nargs="?")
    parser.add_argument("--pattern", default="**")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-git", action="store_true", help="skip the git log comparison")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if args.backend == "postgres" and postgres_unavailable_reason():
        raise SystemExit(postgres_unavailable_reason())
    run(args.repo.resolve(), args.rev, args.pattern, args.backend, args.processes, args.requests, not args.no_git)


if __name__ == "__main__":
    main()
