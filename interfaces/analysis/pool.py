"""Measuring in worker processes: each process opens the repository itself (only blob ids travel), runs
the analyzers and sends back the values. Used when the source names a repository and the batch is large
enough to pay for the trip; otherwise contents are measured in the calling thread.

Processes are started with ``spawn`` (the server has threads and open connections; forking it is not
safe) once, on first use, and live until ``close``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from application.analysis.measuring import Analyzers, InProcessMeasurer, run_analyzers, unreadable
from application.analysis.ports import CommitSource, Measured, MeasureTask, Measuring

_readers: dict[str, Any] = {}
_analyzers: Analyzers | None = None


def _measure_chunk(repository: str, tasks: list[MeasureTask]) -> list[dict[int, Measured]]:
    """In a worker process: read each content from the repository and measure it."""
    global _analyzers
    from interfaces.history.git_reader import GitReader

    if _analyzers is None:
        from interfaces.analysis.complexity import full_catalog

        _analyzers = Analyzers(full_catalog())
    reader = _readers.get(repository)
    if reader is None:
        if len(_readers) >= 4:
            for old in _readers.values():
                old.close()
            _readers.clear()
        reader = _readers[repository] = GitReader(repository)
    out: list[dict[int, Measured]] = []
    for task in tasks:
        try:
            content = reader.read_blob(task.blob)
        except Exception as exc:
            out.append(unreadable(task, exc))
            continue
        out.append(run_analyzers(_analyzers, task, content))
    return out


class _Chunks:
    """Chunks of tasks measuring in the pool."""

    def __init__(self, futures: list[Future[list[dict[int, Measured]]]]) -> None:
        self.futures = futures

    def result(self) -> list[dict[int, Measured]]:
        results: list[dict[int, Measured]] = []
        for future in self.futures:
            results.extend(future.result())
        return results


class PoolMeasurer:
    def __init__(self, fallback: InProcessMeasurer, processes: int, chunk: int = 50, min_tasks: int = 1000) -> None:
        self.fallback = fallback
        self.processes = processes
        self.chunk = chunk
        self.min_tasks = min_tasks
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def measure(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> list[dict[int, Measured]]:
        return self.submit(source, tasks).result()

    def submit(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> Measuring:
        repository = source.repository()
        if self.processes < 1 or repository is None or len(tasks) < self.min_tasks:
            return self.fallback.submit(source, tasks)
        pool = self._executor()
        return _Chunks([pool.submit(_measure_chunk, repository, list(tasks[i:i + self.chunk]))
                        for i in range(0, len(tasks), self.chunk)])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
