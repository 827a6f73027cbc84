"""Helpers shared by the analysis resources (and the check the projects resources call)."""

from __future__ import annotations

from flask import current_app

from application.analysis.service import AnalysisApplication
from domain.shared.errors import Unprocessable
from interfaces.http.history.common import resolve_commit
from interfaces.http.projects.access import store
from projections.analysis import queries
from projections.analysis.queries import AnalysedCommit


def analysis_app() -> AnalysisApplication:
    app: AnalysisApplication = current_app.extensions["codeannals"].app(AnalysisApplication)
    return app


def refuse_while_analyzing(project_id: int) -> None:
    """422 while an analysis job runs for the project: changing file patterns, analyzers or modules
    then would change what the running job produces."""
    if queries.running(store(), project_id):
        raise Unprocessable(
            f"An analysis is running for project {project_id}; stop it (POST /api/projects/{project_id}/analyze/stop) "
            "or wait until it is done before changing the configuration."
        )


def analysed_commit(project_id: int, value: object, field: str = "commit") -> tuple[str, AnalysedCommit | None]:
    """A commit of the project by full hash or unique prefix (400 malformed or ambiguous, 404 unknown),
    with its place in the analysis (None while it is not analysed)."""
    commit = resolve_commit(project_id, value, field)
    full = str(commit["hash"])
    found = queries.commits_by_prefix(store(), project_id, full, limit=1)
    return full, (found[0] if found and found[0].hash == full else None)
