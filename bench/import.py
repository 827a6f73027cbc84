"""History import figures: a repository's whole history through the real import path.

A project is created on a local copy of the repository (objects shared through git alternates; with
REV, one branch ``main`` at REV, else every branch and tag), and the server's own import worker clones
it into the data directory, walks it, records batches of commits as events, and the history read model
projects them. Timed until the read model shows the import DONE. Printed: commits, file changes (all,
and those against first parents), phases (clone, plan, record, projection catch-up), commits/s, peak memory, and
``git log --all -M --name-status`` over the same history in the same run, as a ratio.

Usage: python bench/import.py PATH_TO_REPO [REV] [--backend sqlite|postgres] [--processes N]
       [--batch N] [--no-git] [--keep DIR]
PostgreSQL: CODEANNALS_TEST_POSTGRES_URL (an admin URL; a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.history.service import HistoryApplication
from application.projects.service import NewProject, ProjectsApplication
from domain.history.import_job import ImportJob
from domain.history.records import packed_commits
from domain.projects.team import UserRef
from interfaces.container import Container
from interfaces.settings import Settings
from projections.history import queries
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def prepare_source(repo: Path, rev: str | None, into: Path) -> Path:
    """A bare repository sharing ``repo``'s objects: one branch at ``rev``, or all of its refs."""
    source = into / "source.git"
    subprocess.run(["git", "init", "-q", "--bare", str(source)], check=True)
    objects = Path(git(repo, "rev-parse", "--git-path", "objects").strip())
    objects = objects if objects.is_absolute() else (repo / objects)
    (source / "objects" / "info" / "alternates").write_text(str(objects.resolve()) + "\n")
    if rev:
        sha = git(repo, "rev-parse", f"{rev}^{{commit}}").strip()
        git(source, "update-ref", "refs/heads/main", sha)
        git(source, "symbolic-ref", "HEAD", "refs/heads/main")
    else:
        refs = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags")
        for line in refs.split("\n"):
            if line.strip():
                sha, ref = line.split(" ", 1)
                git(source, "update-ref", ref, sha)
    return source


def git_log_seconds(source: Path) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "log", "--all", "-M", "--name-status", "--format=%H %P"], cwd=source,
                            stdout=subprocess.PIPE)
    lines = 0
    assert proc.stdout is not None
    for _ in proc.stdout:
        lines += 1
    proc.wait()
    return time.perf_counter() - started, lines


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run(repo: Path, rev: str | None, backend: str, processes: int, batch: int, with_git: bool,
        keep: Path | None = None, endpoints: bool = False) -> None:
    with ExitStack() as stack:
        if keep is not None:
            keep.mkdir(parents=True)
            tmp = keep
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        source = prepare_source(repo, rev, tmp)
        commits_in_git = int(git(source, "rev-list", "--all", "--count").strip())
        database_url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        env = server_env(tmp / "data", database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp),
                         CODEANNALS_IMPORT_PROCESSES=str(processes), CODEANNALS_IMPORT_BATCH_SIZE=str(batch),
                         CODEANNALS_POLL_SECONDS="86400")
        (tmp / "data").mkdir()
        container = Container(Settings.from_env(env))
        stack.callback(container.close)
        container.start()
        projects = container.app(ProjectsApplication)
        history = container.app(HistoryApplication)
        print(f"{backend}: importing {commits_in_git} commits of {repo}{' at ' + rev if rev else ''} "
              f"(batch {batch}, {processes} change processes)", flush=True)
        started = time.perf_counter()
        cpu_started = time.process_time()
        children_started = resource.getrusage(resource.RUSAGE_CHILDREN)
        created = projects.create_project(NewProject(name="bench", vcs_url=str(source)), UserRef(uuid4(), 1),
                                          "user:1")
        last_report = started
        while True:
            status = queries.import_status(container.store, created.id)
            if status is not None and status["status"] in ("DONE", "FAILED"):
                break
            if time.perf_counter() - last_report > 15 and status is not None:
                last_report = time.perf_counter()
                print(f"  {last_report - started:7.1f}s {status['status']:<8} {status['commits']}/{status['total']}",
                      flush=True)
            time.sleep(0.05)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu = (kids.ru_utime + kids.ru_stime) - (children_started.ru_utime + children_started.ru_stime)
        if status["status"] == "FAILED":
            raise SystemExit(f"import failed: {status['failure_reason']}")
        job_events: list[Any] = list(history.repository.event_store.get(UUID(str(status["job_uuid"]))))
        created_at = job_events[0].timestamp
        claimed = next(e.timestamp for e in job_events if isinstance(e, ImportJob.Claimed))
        planned = next(e.timestamp for e in job_events if isinstance(e, ImportJob.Planned))
        finished = next(e.timestamp for e in job_events if isinstance(e, ImportJob.Finished))
        changes = container.store.scalar("SELECT COUNT(*) AS n FROM history_file_changes WHERE project_id=%s",
                                         (created.id,))
        recorded = 0  # in the batch events: with a merge's changes against its other parents
        for e in job_events:
            if isinstance(e, ImportJob.BatchRecorded):
                batch = next(iter(history.repository.event_store.get(e.batch_id)))
                recorded += sum(len(fact.changes) for fact in packed_commits(batch.commits))
        commits = int(status["commits"])
        own, children = peak_mb()
        print(f"  commits {commits} (git: {commits_in_git}), file changes recorded {recorded} "
              f"(against first parents, in the read model: {changes})")
        print(f"  clone {(claimed - created_at).total_seconds():.1f}s, plan (walk) "
              f"{(planned - claimed).total_seconds():.1f}s, record {(finished - planned).total_seconds():.1f}s, "
              f"read model caught up {wall - (finished - created_at).total_seconds():.1f}s after")
        print(f"  wall {wall:.1f}s, {commits / wall:.0f} commits/s "
              f"(without the clone: {commits / max(1e-9, wall - (claimed - created_at).total_seconds()):.0f}/s), "
              f"peak memory {own:.0f} MB (change processes {children:.0f} MB)")
        total_cpu = cpu + children_cpu
        print(f"  CPU: server process (worker, projections) {cpu:.1f}s + change processes {children_cpu:.1f}s = "
              f"{total_cpu:.1f}s; {commits / max(total_cpu, 1e-9):.0f} commits per CPU second, "
              f"{2 * commits / max(total_cpu, 1e-9):.0f} commits/s on 2 otherwise idle cores (CPU-bound estimate)")
        if with_git:
            seconds, lines = git_log_seconds(source)
            print(f"  git log --all -M --name-status: {seconds:.1f}s ({lines} lines); "
                  f"import / git = {wall / seconds:.1f}x")
        if endpoints:
            time_queries(container, created.id)


def time_queries(container: Container, project_id: int) -> None:
    """The history endpoints on the imported project, through the Flask test client (seconds each)."""
    from interfaces.http.app import create_app

    client = create_app(container=container, start=False).test_client()
    body = {"username": "bench", "password": "password1"}
    client.post("/api/user/registration", json=body)  # the first user: a platform admin
    headers = {"Authorization": client.post("/api/user/auth", json=body).get_json()["accessToken"]}
    base = f"/api/projects/{project_id}"
    branch = client.get(f"{base}/branches", headers=headers).get_json()[0]
    head = branch["commitHash"]
    top = sorted({p.split("/", 1)[0] for p in container.store.fetchall(
        "SELECT DISTINCT path FROM history_file_changes WHERE project_id=%s AND idx=0", (project_id,))
        for p in [p["path"]] if "/" in p})[:1]
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("branches", f"{base}/branches", None),
        ("commits of a branch", f"{base}/commits?branchName={branch['name']}", None),
        ("commit log", f"{base}/commitLog", None),
        ("file tree", f"{base}/files/tree/{head}", None),
        ("contributors", f"{base}/contributors", None),
        ("contributors of a directory", f"{base}/contributors/path",
         {"path": top[0] if top else "", "commitHash": head}),
        ("files with 3 contributors", f"{base}/files/critical", {"commitHash": head, "numberOfContributors": 3}),
        ("frequently changed (20)", f"{base}/files/modification/frequency",
         {"commitHash": head, "startDate": 0, "frequency": 20}),
    ]
    for name, url, payload in calls:
        started, cpu = time.perf_counter(), time.process_time()
        r = client.post(url, headers=headers, json=payload) if payload else client.get(url, headers=headers)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        answer = r.get_json()
        size = len(answer) if isinstance(answer, list) else 1
        print(f"  {name:<30} {r.status_code} {seconds:6.2f}s wall, {cpu:6.2f}s CPU ({size} items)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path)
    parser.add_argument("rev", nargs="?")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--processes", type=int, default=int(os.environ.get("CODEANNALS_IMPORT_PROCESSES", "2")))
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-git", action="store_true", help="skip the git log comparison")
    parser.add_argument("--keep", type=Path, help="import into this new directory and keep it (SQLite only)")
    parser.add_argument("--queries", action="store_true", help="then time the history endpoints on it")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.backend == "postgres" and postgres_unavailable_reason():
        raise SystemExit(postgres_unavailable_reason())
    if args.keep is not None and args.backend != "sqlite":
        raise SystemExit("--keep works with SQLite only")
    run(args.repo.resolve(), args.rev, args.backend, args.processes, args.batch, not args.no_git, args.keep,
        args.queries)


if __name__ == "__main__":
    main()
