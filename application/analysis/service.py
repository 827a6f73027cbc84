"""Analysis use cases: start, stop and reset a project's analysis; claim, record and finish a job.

Commands take the project's UUID and public number (the HTTP layer resolves them through the projects
read model) and the configuration to run with (the file patterns and enabled analyzers as the
projects read model shows them): a job keeps the configuration it was started with.

User commands (start, stop, reset) are retried on the newest state when a worker's save won the race;
worker commands are not: a worker that loses a race has lost the job (``Conflict``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from application.analysis.engine import Engine, JobConfig
from application.analysis.measuring import AnalyzerFactory
from application.shared.base import ContextApplication
from domain.analysis.jobs import MeasurementBatch, ProjectAnalysis, analysis_id, batch_id
from domain.analysis.records import BatchRecord, decode_batch, encode_batch
from domain.shared.errors import Conflict, Invalid

MAX_BRANCHES = 1000
MAX_BRANCH_LENGTH = 255


def check_branches(branches: object) -> list[str]:
    """A start request's branch names: a list of non-empty names (empty: every branch)."""
    if branches is None:
        return []
    if not isinstance(branches, list) or not all(isinstance(b, str) for b in branches):
        raise Invalid("The request body must be a JSON list of branch names (empty: all branches).")
    names = [b.strip() for b in branches]
    if len(names) > MAX_BRANCHES:
        raise Invalid(f"At most {MAX_BRANCHES} branch names can be given.")
    for name in names:
        if not name or len(name) > MAX_BRANCH_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
            raise Invalid(f"{name!r} is not a branch name.")
    return list(dict.fromkeys(names))



class AnalysisApplication(ContextApplication):
    name = "analysis"
    snapshotting_intervals = {ProjectAnalysis: 50}

    def __init__(self, env: dict[str, str] | None = None, analyzers: AnalyzerFactory | None = None) -> None:
        super().__init__(env)
        if analyzers is None:
            from domain.analysis.analyzer_catalog import default_catalog

            analyzers = default_catalog()
        self.analyzers: AnalyzerFactory = analyzers

    # --- reading ------------------------------------------------------------------------------
    def analysis(self, project_uuid: UUID) -> ProjectAnalysis | None:
        found: ProjectAnalysis | None = self.find_aggregate(analysis_id(project_uuid))
        return found

    def _analysis_or_new(self, project_uuid: UUID, project_num: int, actor: str) -> ProjectAnalysis:
        return self.analysis(project_uuid) or ProjectAnalysis(project_id=project_uuid, project_num=project_num,
                                                              actor=actor)

    def batches(self, project_uuid: UUID, generation: int, upto: int, start: int = 1) -> Iterator[BatchRecord]:
        """The recorded batches ``start..upto`` of a generation, decoded."""
        for seq in range(start, upto + 1):
            batch: MeasurementBatch = self.repository.get(batch_id(project_uuid, generation, seq))
            yield decode_batch(batch.payload)

    def engine(self, analysis: ProjectAnalysis, cached: Engine | None = None) -> Engine:
        """The engine of the analysis's current generation, as its recorded batches leave it (an
        engine that already holds a prefix of them is brought up to date)."""
        project = analysis.project_id
        if cached is not None and cached.generation == analysis.generation and cached.batches <= analysis.seq:
            for record in self.batches(project, analysis.generation, analysis.seq, cached.batches + 1):
                cached.apply(record)
            return cached
        carried = [(int(g), int(n)) for g, n in analysis.carried_generations()]
        if carried and cached is not None and cached.generation == carried[-1][0] and cached.batches <= carried[-1][1]:
            # The previous generation's engine, brought up to date, is inherited without reading it again.
            for record in self.batches(project, carried[-1][0], carried[-1][1], cached.batches + 1):
                cached.apply(record)
            engine = Engine.inherit(analysis.generation, cached)
            for record in self.batches(project, analysis.generation, analysis.seq):
                engine.apply(record)
            return engine
        inherited = (record for generation, upto in carried for record in self.batches(project, generation, upto))
        return Engine.replay(analysis.generation, self.batches(project, analysis.generation, analysis.seq), inherited)

    # --- user commands ------------------------------------------------------------------------
    def config(self, patterns: Sequence[Sequence[str]], analyzers: Sequence[Sequence[Any]]) -> JobConfig:
        return JobConfig(patterns, analyzers, self.analyzers)

    def start(self, project_uuid: UUID, project_num: int, branches: Sequence[str],
              patterns: Sequence[Sequence[str]], analyzers: Sequence[Sequence[Any]], actor: str,
              automatic: bool = False) -> int:
        """Start a job; answers its number. Unprocessable without an INCLUDE pattern or an enabled
        analyzer, or while a job runs."""
        config = self.config(patterns, analyzers)
        config.check()
        names = check_branches(list(branches))
        plain_patterns = [[str(p), str(t)] for p, t in patterns]
        plain_analyzers = [[str(n), dict(p or {})] for n, p in analyzers]

        def command() -> int:
            analysis = self._analysis_or_new(project_uuid, project_num, actor)
            job = analysis.start(names, plain_patterns, plain_analyzers, automatic, actor=actor)
            self.save(analysis)
            return job

        return self.retry_on_race(command, attempts=5)

    def stop(self, project_uuid: UUID, actor: str) -> bool:
        def command() -> bool:
            analysis = self.analysis(project_uuid)
            if analysis is None or not analysis.stop(actor=actor):
                return False
            self.save(analysis)
            return True

        return self.retry_on_race(command, attempts=5)

    def reset(self, project_uuid: UUID, project_num: int, actor: str) -> None:
        def command() -> None:
            analysis = self._analysis_or_new(project_uuid, project_num, actor)
            analysis.reset(actor=actor)
            self.save(analysis)

        self.retry_on_race(command, attempts=5)

    # --- worker commands (a lost race is a Conflict) ------------------------------------------
    def claim(self, project_uuid: UUID, worker: str, now: float, lease_seconds: float, actor: str) -> ProjectAnalysis:
        analysis = self.analysis(project_uuid)
        if analysis is None:
            raise Conflict("no analysis")
        analysis.claim(worker, now, lease_seconds, actor=actor)
        self.save(analysis)
        return analysis

    def plan(self, analysis: ProjectAnalysis, todo: int, worker: str, now: float, lease_seconds: float,
             actor: str) -> None:
        analysis.plan(todo, worker, now, lease_seconds, actor=actor)
        self.save(analysis)

    def record_batch(self, analysis: ProjectAnalysis, record: BatchRecord, commits: int, measured: int,
                     failures: int, worker: str, now: float, lease_seconds: float, actor: str) -> int:
        """Save a batch together with the progress it makes (one save); answers its position."""
        batch = analysis.record_batch(encode_batch(record), commits, measured, failures, worker, now, lease_seconds,
                                      actor=actor)
        recordings = self.save(analysis, batch)
        return max(r.notification.id for r in recordings)

    def renew(self, analysis: ProjectAnalysis, worker: str, now: float, lease_seconds: float, actor: str) -> None:
        analysis.renew(worker, now, lease_seconds, actor=actor)
        self.save(analysis)

    def finish(self, analysis: ProjectAnalysis, worker: str, actor: str) -> None:
        analysis.finish(worker, actor=actor)
        self.save(analysis)

    def release(self, analysis: ProjectAnalysis, worker: str, actor: str) -> None:
        analysis.release(worker, actor=actor)
        self.save(analysis)

    def fail(self, project_uuid: UUID, worker: str, reason: str, actor: str) -> None:
        """Mark the job failed, if this worker still holds it."""
        analysis = self.analysis(project_uuid)
        if analysis is None or not analysis.held_by(worker):
            return
        analysis.fail(reason, actor=actor)
        self.save(analysis)

    def parameters_of(self, analyzers: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """The enabled analyzers of a configuration list (rows with ``analyzer_name``, ``enabled``,
        ``parameters``) as a job takes them."""
        return [[a["analyzer_name"], dict(a.get("parameters") or {})] for a in analyzers if a.get("enabled")]
