"""An analysis killed half-way is resumed by another worker with exactly the results of an uninterrupted
run, nothing measured or recorded twice; two workers never run the same job."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from application.analysis.service import AnalysisApplication
from application.analysis.worker import AnalysisRunner
from domain.analysis.jobs import MeasurementBatch, ProjectAnalysis
from domain.analysis.records import decode_batch
from interfaces.analysis.wiring import build_runner
from interfaces.container import Container
from tests.analysis.flow import Flow, wait
from tests.analysis.repos import generated
from tests.analysis.test_engine_git import CountingMeasurer
from tests.support.api import Api, User
from tests.support.databases import server_env

ROOT = Path(__file__).resolve().parents[2]
RESULT_TABLES = ("analysis_commits", "analysis_lanes", "analysis_files", "analysis_totals", "analysis_measurements",
                 "analysis_keys", "analysis_metrics")


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    # No worker starts with the server: each test runs the history import and its analysis workers itself.
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="3600",
                      CODEANNALS_RUN_WORKERS="false", CODEANNALS_ANALYSIS_LEASE_SECONDS="2",
                      CODEANNALS_ANALYSIS_POLL_SECONDS="0.1", CODEANNALS_ANALYSIS_BATCH_COMMITS="4")


@pytest.fixture
def importing(container: Container) -> Iterator[None]:
    worker = next(w for w in container.workers if w.name == "history-import")
    worker.start()
    yield
    worker.stop()


class Crash(BaseException):
    """A worker killed between two saves: nothing is released, its lease just runs out."""


def _projects(flow: Flow, api: Api, repo_path: str, count: int) -> tuple[User, list[int]]:
    owner = api.register("owner")
    return owner, [flow.project(owner, repo_path, modules=[]) for _ in range(count)]


def _uuid(container: Container, project: int) -> UUID:
    row = container.store.fetchone("SELECT uuid FROM projects WHERE id=%s", (project,))
    assert row is not None
    return UUID(row["uuid"])


def _start(client: FlaskClient, owner: User, project: int) -> None:
    assert client.post(f"/api/projects/{project}/analyze", json=[], headers=owner.headers).status_code == 200


def _results(container: Container, project: int) -> dict[str, list[tuple[Any, ...]]]:
    """The project's analysis results, row for row, without its id."""
    container.runner.catch_up()
    out = {}
    for table in RESULT_TABLES:
        rows = container.store.fetchall(f"SELECT * FROM {table} WHERE project_id=%s", (project,))
        out[table] = sorted((tuple(sorted((k, v) for k, v in r.items() if k != "project_id")) for r in rows), key=repr)
    return out


def _batches(container: Container, project_uuid: UUID) -> list[MeasurementBatch]:
    app = container.app(AnalysisApplication)
    analysis = app.analysis(project_uuid)
    assert analysis is not None
    return [app.repository.get(MeasurementBatch.create_id(project_uuid, analysis.generation, seq))
            for seq in range(1, analysis.seq + 1)]


def _check_once(container: Container, project_uuid: UUID) -> None:
    """Every commit is recorded once, every (key, blob) measured once, in batches numbered 1..n."""
    batches = _batches(container, project_uuid)
    records = [decode_batch(b.payload) for b in batches]
    commits = [c.hash for r in records for c in r.commits]
    measured = [(m.key, m.blob) for r in records for m in r.measurements]
    assert len(commits) == len(set(commits)) and len(measured) == len(set(measured))
    assert [b.seq for b in batches] == list(range(1, len(batches) + 1))


def _uninterrupted(container: Container, client: FlaskClient, owner: User, project: int) -> AnalysisRunner:
    _start(client, owner, project)
    runner = build_runner(container, "worker-reference")
    assert runner.run(_uuid(container, project), threading.Event()) == "done"
    return runner


def test_a_crashed_worker_is_taken_over_and_the_results_equal_an_uninterrupted_run(
        container: Container, client: FlaskClient, api: Api, flow: Flow, repos: Path, importing: None) -> None:
    repo = generated(repos / "big", 90)
    owner, (crashed, reference) = _projects(flow, api, str(repo.path), 2)
    crashed_uuid = _uuid(container, crashed)
    _start(client, owner, crashed)

    first = build_runner(container, "worker-a")

    def crash(batch: int) -> None:
        if batch == 4:
            raise Crash()

    first.before_batch = crash
    counting = CountingMeasurer()
    first.measurer = counting
    with pytest.raises(Crash):
        first.run(crashed_uuid, threading.Event())
    analysis = container.app(AnalysisApplication).analysis(crashed_uuid)
    assert analysis is not None and analysis.running and analysis.worker == "worker-a" and analysis.seq == 3
    status = wait(lambda: (s := flow.status(owner, crashed))["commitsAnalyzed"] == 12 and s, what="the read model")
    assert status["status"] is True and status["commitsDone"] == 12

    # Another worker cannot take it while the lease holds, and takes it over once it ran out.
    second = build_runner(container, "worker-b")
    assert second.run(crashed_uuid, threading.Event()) == "busy"
    recorded_first = {(m.key, m.blob) for b in _batches(container, crashed_uuid)
                      for m in decode_batch(b.payload).measurements}
    late = build_runner(container, "worker-b")
    late.clock = lambda: time.time() + 10  # the lease (2 s) has run out for it
    taking_over = CountingMeasurer()
    late.measurer = taking_over
    assert late.run(crashed_uuid, threading.Event()) == "done"
    # What the first worker recorded is not measured again (what it measured for the batch it never
    # recorded is lost with it, and measured once more); nothing is recorded twice.
    assert recorded_first and not recorded_first & set(taking_over.measured)
    assert max(taking_over.measured.values()) == 1 and max(counting.measured.values()) == 1
    _check_once(container, crashed_uuid)

    _uninterrupted(container, client, owner, reference)
    assert _results(container, crashed) == _results(container, reference)
    done = flow.finished(owner, crashed)
    assert done["commitsAnalyzed"] == 90 and done["commitsDone"] == 90


def test_two_workers_never_run_the_same_job(container: Container, client: FlaskClient, api: Api, flow: Flow,
                                            repos: Path, importing: None) -> None:
    repo = generated(repos / "big", 60, seed=9)
    owner, (contested, reference) = _projects(flow, api, str(repo.path), 2)
    contested_uuid = _uuid(container, contested)
    _start(client, owner, contested)
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def work(name: str) -> None:
        runner = build_runner(container, name)
        barrier.wait()
        outcomes.append(runner.run(contested_uuid, threading.Event()))

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes) == ["busy", "busy", "done"]
    _check_once(container, contested_uuid)
    _uninterrupted(container, client, owner, reference)
    assert _results(container, contested) == _results(container, reference)


def test_a_stopped_job_lets_go_and_a_stale_worker_records_nothing(container: Container, client: FlaskClient,
                                                                 api: Api, flow: Flow, repos: Path,
                                                                 importing: None) -> None:
    repo = generated(repos / "big", 40, seed=3)
    owner, (project,) = _projects(flow, api, str(repo.path), 1)
    project_uuid = _uuid(container, project)
    _start(client, owner, project)
    runner = build_runner(container, "worker-a")

    def stop_after_two(batch: int) -> None:
        if batch == 3:
            assert client.post(f"/api/projects/{project}/analyze/stop", headers=owner.headers).status_code == 200

    runner.before_batch = stop_after_two
    assert runner.run(project_uuid, threading.Event()) == "lost"  # its next save conflicted
    analysis = container.app(AnalysisApplication).analysis(project_uuid)
    assert analysis is not None and analysis.seq == 2 and not analysis.running
    wait(lambda: flow.status(owner, project)["state"] == "STOPPED", what="the read model")
    # Starting again continues from what was recorded.
    _start(client, owner, project)
    assert build_runner(container, "worker-b").run(project_uuid, threading.Event()) == "done"
    _check_once(container, project_uuid)
    wait(lambda: flow.status(owner, project)["commitsAnalyzed"] == 40, what="the read model")


def test_a_worker_that_stops_gives_the_job_back(container: Container, client: FlaskClient, api: Api, flow: Flow,
                                                repos: Path, importing: None) -> None:
    repo = generated(repos / "big", 30, seed=4)
    owner, (project,) = _projects(flow, api, str(repo.path), 1)
    project_uuid = _uuid(container, project)
    _start(client, owner, project)
    stop = threading.Event()
    runner = build_runner(container, "worker-a")
    runner.before_batch = lambda batch: stop.set() if batch == 2 else None
    assert runner.run(project_uuid, stop) == "stopped"
    analysis = container.app(AnalysisApplication).analysis(project_uuid)
    assert analysis is not None and analysis.running and analysis.worker is None and analysis.seq == 2
    # The next worker claims it at once (no lease to wait for).
    assert build_runner(container, "worker-b").run(project_uuid, threading.Event()) == "done"
    _check_once(container, project_uuid)


@pytest.mark.e2e
def test_an_analysis_killed_with_sigkill_is_resumed_by_the_server_worker(
        container: Container, client: FlaskClient, api: Api, flow: Flow, repos: Path, env: dict[str, str],
        importing: None) -> None:
    repo = generated(repos / "big", 200, seed=11)
    owner, (killed, reference) = _projects(flow, api, str(repo.path), 2)
    killed_uuid = _uuid(container, killed)
    app = container.app(AnalysisApplication)
    process = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli.main", "analyze", str(killed)],
        cwd=ROOT, env={**os.environ, **env, "CODEANNALS_ANALYSIS_BATCH_COMMITS": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        def recorded() -> ProjectAnalysis | None:
            if process.poll() is not None:
                stderr = process.stderr.read() if process.stderr else b""
                raise AssertionError(f"the analyze command ended early: {stderr!r}")
            analysis = app.analysis(killed_uuid)
            return analysis if analysis is not None and analysis.seq >= 3 else None

        wait(recorded, timeout=120, what="the analyze command to record some batches")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
    analysis = app.analysis(killed_uuid)
    assert analysis is not None and analysis.running and analysis.worker is not None and analysis.seq < 200
    # The server's worker takes the job over once the killed command's lease ran out.
    worker = next(w for w in container.workers if w.name == "analysis")
    worker.start()
    try:
        done = flow.finished(owner, killed, job=1)  # once the read model has seen the killed command's job
    finally:
        worker.stop()
    assert done["commitsAnalyzed"] == 200
    _check_once(container, killed_uuid)
    _uninterrupted(container, client, owner, reference)
    killed_results, reference_results = _results(container, killed), _results(container, reference)
    for table in ("analysis_files", "analysis_lanes", "analysis_totals", "analysis_measurements", "analysis_keys",
                  "analysis_metrics"):
        assert killed_results[table] == reference_results[table], table
    # Batches were smaller in the killed run (one commit each), so only the batch numbers differ.
    def without_batch(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted((tuple(kv for kv in row if kv[0] != "batch") for row in rows), key=repr)

    assert without_batch(killed_results["analysis_commits"]) == without_batch(reference_results["analysis_commits"])


def test_a_batch_saved_twice_conflicts_and_records_nothing(container: Container, client: FlaskClient, api: Api,
                                                          flow: Flow, repos: Path, importing: None) -> None:
    from domain.shared.errors import Conflict
    from interfaces.analysis.sources import MirrorSources

    repo = generated(repos / "small", 12, seed=2)
    owner, (project,) = _projects(flow, api, str(repo.path), 1)
    project_uuid = _uuid(container, project)
    _start(client, owner, project)
    app = container.app(AnalysisApplication)
    analysis = app.claim(project_uuid, "worker-a", time.time(), 60, actor="system")
    stale = app.analysis(project_uuid)  # the same job as another copy of the worker saw it
    assert stale is not None
    runner = build_runner(container, "worker-a")
    engine = app.engine(analysis)
    source = MirrorSources(container.store, container.settings.data_dir).open(project_uuid, project)
    assert source is not None
    config = app.config(analysis.patterns, analysis.analyzers)
    built = engine.next_batch(engine.plan(source, []), source, config, runner.measurer, max_commits=5)
    assert built is not None
    app.record_batch(analysis, built.record, built.commits, built.measured, built.failures, "worker-a", time.time(), 60,
                     actor="system")
    with pytest.raises(Conflict):  # batch 1 exists (and the job moved on): nothing is recorded twice
        app.record_batch(stale, built.record, built.commits, built.measured, built.failures, "worker-a", time.time(),
                         60, actor="system")
    source.close()
    assert len(_batches(container, project_uuid)) == 1
