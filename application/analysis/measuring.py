"""Running the analyzers on file contents, in this process (``InProcessMeasurer``); the same functions
serve the worker processes of ``interfaces/analysis/pool.py``."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from application.analysis.ports import CommitSource, Measured, MeasureTask, Measuring
from domain.analysis.analyzer import FileAnalyzer

log = logging.getLogger("codeannals.analysis")

MAX_ERROR_LENGTH = 500


class AnalyzerFactory(Protocol):
    """Builds a configured analyzer (``domain.analysis.analyzer_catalog.AnalyzerCatalog`` is one)."""

    def create(self, name: str, parameters: Mapping[str, object] | None = None) -> FileAnalyzer: ...


class Analyzers:
    """Configured analyzer instances, built once per (name, parameters)."""

    def __init__(self, factory: AnalyzerFactory) -> None:
        self.factory = factory
        self._built: dict[tuple[str, tuple[tuple[str, Any], ...]], FileAnalyzer] = {}

    def get(self, name: str, parameters: tuple[tuple[str, Any], ...]) -> FileAnalyzer:
        key = (name, parameters)
        analyzer = self._built.get(key)
        if analyzer is None:
            analyzer = self.factory.create(name, dict(parameters))
            self._built[key] = analyzer
        return analyzer


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


def run_analyzers(analyzers: Analyzers, task: MeasureTask, content: bytes) -> dict[int, Measured]:
    """Every analyzer of the task on one content. An analyzer that raises gives an error result for
    this content only."""
    out: dict[int, Measured] = {}
    for key, name, parameters in task.analyzers:
        try:
            result = analyzers.get(name, parameters).analyze(task.path, content)
            findings = [[f.metric, f.line_start, f.line_end, f.char_start, f.char_end, f.message]
                        for f in result.findings]
            out[key] = Measured({m: int(v) for m, v in result.metrics.items()}, findings)
        except Exception as exc:  # one bad file must not stop an analysis
            log.warning("analyzer %s failed on %s (%s)", name, task.path, task.blob, exc_info=True)
            out[key] = Measured({}, [], error_text(exc))
    return out


def unreadable(task: MeasureTask, exc: BaseException) -> dict[int, Measured]:
    message = f"the content could not be read: {error_text(exc)}"
    return {key: Measured({}, [], message) for key, _, _ in task.analyzers}


class Done:
    """Measurements already done."""

    def __init__(self, results: list[dict[int, Measured]]) -> None:
        self._results = results

    def result(self) -> list[dict[int, Measured]]:
        return self._results


class InProcessMeasurer:
    """Measures in the calling thread."""

    def submit(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> Measuring:
        return Done(self.measure(source, tasks))

    def __init__(self, factory: AnalyzerFactory) -> None:
        self.analyzers = Analyzers(factory)

    def measure(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> list[dict[int, Measured]]:
        results: list[dict[int, Measured]] = []
        for task in tasks:
            try:
                content = source.read_blob(task.blob)
            except Exception as exc:
                results.append(unreadable(task, exc))
                continue
            results.append(run_analyzers(self.analyzers, task, content))
        return results

    def close(self) -> None:
        return None
