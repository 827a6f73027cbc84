"""Builds the analysis worker of a container (the server, ``codeannals worker``, ``codeannals analyze``).

Settings (environment):

* ``CODEANNALS_ANALYSIS_PROCESSES``: processes measuring file contents (default 0: the worker thread);
* ``CODEANNALS_ANALYSIS_LEASE_SECONDS``: a dead worker's job is taken over after this (default 60);
* ``CODEANNALS_ANALYSIS_POLL_SECONDS``: how often to look for jobs and new commits (default 5);
* ``CODEANNALS_ANALYSIS_BATCH_COMMITS`` / ``CODEANNALS_ANALYSIS_BATCH_CONTENTS``: a batch's size
  (at most 500 commits; about 2000 contents measured);
* ``CODEANNALS_ANALYSIS_PAUSE_SECONDS``: a pause between batches, to leave the CPU to the rest of a busy
  server (default 0).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from application.analysis.measuring import InProcessMeasurer
from application.analysis.ports import Measurer
from application.analysis.service import AnalysisApplication
from application.analysis.worker import AnalysisRunner, AnalysisWorker, WorkerSettings
from application.history.service import HistoryApplication
from interfaces.analysis.pool import PoolMeasurer
from interfaces.analysis.sources import MirrorSources, ReadModelConfigs

if TYPE_CHECKING:
    from interfaces.container import Container


def _number(extra: Mapping[str, str], key: str, default: float) -> float:
    raw = extra.get(key)
    return float(raw) if raw not in (None, "") else default


def worker_settings(extra: Mapping[str, str]) -> WorkerSettings:
    return WorkerSettings(
        lease_seconds=_number(extra, "CODEANNALS_ANALYSIS_LEASE_SECONDS", 60.0),
        poll_seconds=_number(extra, "CODEANNALS_ANALYSIS_POLL_SECONDS", 5.0),
        max_commits=int(_number(extra, "CODEANNALS_ANALYSIS_BATCH_COMMITS", 500)),
        max_contents=int(_number(extra, "CODEANNALS_ANALYSIS_BATCH_CONTENTS", 2000)),
        pause_seconds=_number(extra, "CODEANNALS_ANALYSIS_PAUSE_SECONDS", 0.0),
    )


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_measurer(app: AnalysisApplication, extra: Mapping[str, str]) -> Measurer:
    fallback = InProcessMeasurer(app.analyzers)
    processes = int(_number(extra, "CODEANNALS_ANALYSIS_PROCESSES", 0))
    return PoolMeasurer(fallback, processes) if processes > 0 else fallback


def build_runner(container: Container, worker_id: str | None = None) -> AnalysisRunner:
    app = container.app(AnalysisApplication)
    extra = container.settings.extra
    return AnalysisRunner(
        app, MirrorSources(container.store, container.settings.data_dir), ReadModelConfigs(container.store),
        build_measurer(app, extra), worker_id or new_worker_id(), worker_settings(extra),
    )


def build_analysis_worker(container: Container) -> AnalysisWorker:
    runner = build_runner(container)
    worker = AnalysisWorker(runner)
    runner.app.add_listener(worker.wake)
    if HistoryApplication.name in container.applications:
        container.applications[HistoryApplication.name].add_listener(worker.wake)
    return worker
