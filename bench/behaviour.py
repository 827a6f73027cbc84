"""Behavioural analysis figures: hotspots, coupling, ownership, truck factor and code age over HTTP.

A server (the real container behind a real HTTP socket, in this process, as ``bench/analyze.py`` runs
it) gets a project on a local copy of the repository (one branch ``main`` at REV, else every branch
and tag), an INCLUDE pattern (``--pattern``, default ``**``) and the line counter; the import runs and
(unless ``--no-analysis``) the analysis, so hotspots have values. Then each endpoint is called
``--requests`` times on the default branch's head without ``since`` (answered from the stored
statistics) and with ``since`` a year before the head (computed from the commit rows): p50 and p99.
Then the four web pages (``/ui/projects/{id}/hotspots`` and the others, signed in through the form) the
same way. Last, with the server's projection runner stopped, ``rebuild`` of the history read model alone and of
the behavioural read model alone, timed in the same run: the ratio is the figure the issue bounds
(at most 1.5x).

Usage: python bench/behaviour.py PATH_TO_REPO [REV] [--pattern GLOB] [--backend sqlite|postgres]
       [--processes N] [--requests N] [--no-analysis] [--no-rebuild]
PostgreSQL: CODEANNALS_TEST_POSTGRES_URL (an admin URL; a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env

import_bench = importlib.import_module("bench.import")
analyze_bench = importlib.import_module("bench.analyze")

YEAR_MS = 365 * 86_400_000
ENDPOINTS: list[tuple[str, dict[str, Any]]] = [
    ("hotspots", {}),
    ("coupling", {}),
    ("ownership", {}),
    ("truckFactor", {}),
    ("codeAge", {}),
]


def timed(client: Any, path: str, params: dict[str, Any], n: int) -> tuple[float, float, int]:
    """p50 and p99 (ms) of ``n`` GETs, and the answer's size (items)."""
    seconds = []
    answer: Any = None
    for _ in range(n):
        started = time.perf_counter()
        answer = client.call("GET", path, params=params)
        seconds.append((time.perf_counter() - started) * 1000)
    size = len(answer) if isinstance(answer, list) else int(answer.get("files", 0))
    return analyze_bench.percentile(seconds, 50), analyze_bench.percentile(seconds, 99), size


PAGES = ("hotspots", "coupling", "ownership", "codeAge")


def signed_in(base: str) -> Any:
    """A requests session signed in to the web interface as the bench user (through the form)."""
    import re

    import requests

    session = requests.Session()
    form = session.get(f"{base}/signin", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form[:300]
    r = session.post(f"{base}/signin", data={"username": "bench", "password": "password1",
                                             "csrf_token": token.group(1)}, timeout=60)
    assert r.status_code == 200, r.status_code
    return session


def timed_page(session: Any, url: str, params: dict[str, Any], n: int) -> tuple[float, float]:
    """p50 and p99 (ms) of ``n`` GETs of a web page (its HTML, not the scripts drawing it)."""
    seconds = []
    for _ in range(n):
        started = time.perf_counter()
        r = session.get(url, params=params, timeout=600)
        seconds.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"GET {url}: {r.status_code} {r.text[:300]}")
    return analyze_bench.percentile(seconds, 50), analyze_bench.percentile(seconds, 99)


def run(repo: Path, rev: str | None, pattern: str, backend: str, processes: int, requests_n: int,
        analyse: bool, rebuild: bool) -> None:
    from werkzeug.serving import make_server

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-behaviour-")))
        source = import_bench.prepare_source(repo, rev, tmp)
        database_url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        env = server_env(tmp / "data", database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp),
                         CODEANNALS_IMPORT_PROCESSES=str(processes), CODEANNALS_ANALYSIS_PROCESSES=str(processes),
                         CODEANNALS_POLL_SECONDS="86400", CODEANNALS_ANALYSIS_POLL_SECONDS="0.2",
                         CODEANNALS_READ_WAIT_SECONDS="60",
                         CODEANNALS_ACCESS_TOKEN_MINUTES="600")  # outlives a long import
        (tmp / "data").mkdir()
        container = Container(Settings.from_env(env))
        container.start()
        server = make_server("127.0.0.1", 0, create_app(container=container, start=False), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(container.close)
        stack.callback(server.shutdown)
        client = analyze_bench.Client(f"http://127.0.0.1:{server.server_port}")
        client.login()
        print(f"{backend}: {repo}{' at ' + rev if rev else ''}, pattern {pattern!r}", flush=True)

        started = time.perf_counter()
        project = client.call("POST", "/api/projects", 201, json={"name": "bench", "vcsUrl": str(source)})["id"]
        client.call("POST", f"/api/projects/{project}/filePatterns", 201,
                    json={"pattern": pattern, "inclusionType": "INCLUDE"})
        client.call("POST", f"/api/projects/{project}/analyzers", 201,
                    json={"analyzerName": analyze_bench.LOC, "enabled": True})
        imported = analyze_bench.wait_for("the import", lambda: (s := client.call(
            "GET", f"/api/projects/{project}/import"))["status"] in ("DONE", "FAILED") and s, started)
        if imported["status"] != "DONE":
            raise SystemExit(f"import failed: {imported}")
        print(f"  import: {imported['commits']} commits in {time.perf_counter() - started:.1f}s", flush=True)
        if analyse:
            analysis_started = time.perf_counter()
            client.call("POST", f"/api/projects/{project}/analyze", json=[])
            status = analyze_bench.wait_for("the analysis", lambda: (s := client.call(
                "GET", f"/api/projects/{project}/analyzingStatus"))["state"] != "RUNNING" and s, analysis_started)
            print(f"  analysis: {status['state']} in {time.perf_counter() - analysis_started:.1f}s", flush=True)

        head = client.call("GET", f"/api/projects/{project}/commits")[0]
        since = int(head["timestamp"]) - YEAR_MS
        stored = container.store.fetchone("SELECT head_hash FROM behaviour_heads WHERE project_id=%s", (project,))
        print(f"  head {head['hash']} ({'statistics stored' if stored else 'NO STORED STATISTICS'}); "
              f"since = head - 365 days = {since}; {requests_n} requests each", flush=True)
        for name, params in ENDPOINTS:
            path = f"/api/projects/{project}/{name}"
            p50, p99, size = timed(client, path, params, requests_n)
            s50, s99, ssize = timed(client, path, {**params, "since": since}, max(3, requests_n // 4))
            print(f"  {name:<12} without since: p50 {p50:7.1f} ms, p99 {p99:7.1f} ms ({size} items) | "
                  f"since a year: p50 {s50:7.1f} ms, p99 {s99:7.1f} ms ({ssize} items)", flush=True)

        browser = signed_in(client.base)
        day = time.strftime("%Y-%m-%d", time.gmtime(since / 1000))
        for name in PAGES:
            path = f"{client.base}/ui/projects/{project}/{name}"
            p50, p99 = timed_page(browser, path, {}, max(3, requests_n // 4))
            s50, s99 = timed_page(browser, path, {"since": day}, 3)
            print(f"  page {name:<9} without since: p50 {p50:7.1f} ms, p99 {p99:7.1f} ms | "
                  f"since {day}: p50 {s50:7.1f} ms, p99 {s99:7.1f} ms", flush=True)

        if rebuild:
            for worker in container.workers:
                worker.stop()
            container.runner.stop()
            _, history_seconds = container.runner.rebuild(["history"])
            _, behaviour_seconds = container.runner.rebuild(["behaviour"])
            print(f"  rebuild: history {history_seconds:.1f}s, behaviour {behaviour_seconds:.1f}s: "
                  f"behaviour / history = {behaviour_seconds / history_seconds:.2f}x (target <= 1.5x)")
            rows = {t: container.store.scalar(f"SELECT COUNT(*) AS n FROM {t} WHERE project_id=%s", (project,))
                    for t in ("behaviour_commits", "behaviour_changes", "behaviour_files", "behaviour_pairs")}
            print("  behaviour rows: " + ", ".join(f"{t.removeprefix('behaviour_')} {n}" for t, n in rows.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path)
    parser.add_argument("rev", nargs="?")
    parser.add_argument("--pattern", default="**")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-analysis", action="store_true", help="skip the analysis (hotspots answer nothing)")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the rebuild timing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.backend == "postgres" and postgres_unavailable_reason():
        raise SystemExit(postgres_unavailable_reason())
    run(args.repo.resolve(), args.rev, args.pattern, args.backend, args.processes, args.requests,
        not args.no_analysis, not args.no_rebuild)


if __name__ == "__main__":
    main()
