"""``codeannals analyze PROJECT_ID [--branch B ...]``: run a project's analysis in the foreground.

Starts a job (unless one runs already) with the project's file patterns and enabled analyzers, and runs
it in this process with a progress bar: the same job the server's worker runs, recorded the same way,
so a server can take it over if this command is stopped or killed (and the other way round). When
another worker holds the job, the command follows its progress instead.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Any
from uuid import UUID

import click

from application.analysis.service import AnalysisApplication
from domain.analysis.jobs import JobStatus, ProjectAnalysis
from domain.shared.actor import SYSTEM
from domain.shared.errors import DomainError
from interfaces.cli.common import existing_settings
from interfaces.container import Container


class _Bar:
    """A progress bar whose length is known once the job is planned."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def update(self, analysis: ProjectAnalysis) -> None:
        total = analysis.job_commits + (analysis.todo or 0)
        if self.bar is None:
            if analysis.todo is None:
                return
            self.bar = click.progressbar(length=max(total, 1), label="analyzing", file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(analysis.job_commits - self.shown)
        self.shown = analysis.job_commits

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("analyze")
@click.argument("project_id", type=int)
@click.option("--branch", "branches", multiple=True, help="A branch to analyse (repeatable; default: all).")
def analyze(project_id: int, branches: tuple[str, ...]) -> None:
    """Analyse a project's commits now, with a progress bar."""
    from interfaces.analysis.wiring import build_runner
    from projections.projects import queries as projects

    container = Container(existing_settings())
    container.hold_storage()
    container.start(projections=True, workers=False)
    stop = threading.Event()

    def interrupted(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    bar = _Bar()
    try:
        project = projects.project_by_id(container.store, project_id)
        if project is None:
            raise click.ClickException(f"Project with id {project_id} not found.")
        project_uuid = UUID(project["uuid"])
        app = container.app(AnalysisApplication)
        current = app.analysis(project_uuid)
        if current is None or not current.running:
            patterns = [[str(r["pattern"]), str(r["inclusion_type"])]
                        for r in projects.file_patterns(container.store, project_id)]
            analyzers = [[a["analyzer_name"], dict(a["parameters"] or {})]
                         for a in projects.analyzers(container.store, project_id) if a["enabled"]]
            try:
                app.start(project_uuid, project_id, list(branches), patterns, analyzers, actor=SYSTEM)
            except DomainError as exc:
                raise click.ClickException(exc.message) from None
        runner = build_runner(container)
        started = time.perf_counter()
        outcome = runner.run(project_uuid, stop, bar.update)
        while outcome == "busy" and not stop.is_set():  # another worker holds it: follow its progress
            analysis = app.analysis(project_uuid)
            if analysis is None or not analysis.running:
                outcome = "done" if analysis is not None and analysis.state is JobStatus.DONE else "ended"
                break
            bar.update(analysis)
            stop.wait(0.5)
        runner.measurer.close()
        bar.close()
        final = app.analysis(project_uuid)
        seconds = time.perf_counter() - started
        done = final.job_commits if final else 0
        click.echo(f"{outcome}: {done} commits analysed in {seconds:.1f}s "
                   f"({done / seconds if seconds > 0 else 0:.0f} commits/s), "
                   f"{final.measured if final else 0} contents measured, {final.failures if final else 0} failed")
        if outcome not in ("done", "stopped"):
            reason = final.failure_reason if final else None
            raise click.ClickException(f"the analysis {outcome}" + (f": {reason}" if reason else ""))
    finally:
        bar.close()
        container.close()
