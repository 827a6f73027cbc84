"""Helpers shared by the analysis resources (and the check the projects resources call)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from flask import current_app

from application.analysis.service import AnalysisApplication
from domain.analysis.analyzer_catalog import AnalyzerCatalog
from domain.analysis.renames import unique
from domain.shared.errors import Invalid, Unprocessable
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


@functools.lru_cache(maxsize=8)
def _offered_metrics(catalog: AnalyzerCatalog) -> frozenset[str]:
    return frozenset(m.id for spec in catalog.specs() for m in catalog.metrics(spec.name))


def offered_metrics() -> frozenset[str]:
    """Every metric id an analyzer of this server may report (``coderadar:size:loc:java``, ...)."""
    catalog = analysis_app().analyzers
    return _offered_metrics(catalog) if isinstance(catalog, AnalyzerCatalog) else frozenset()


def resolve_metrics(project_id: int, names: Sequence[str]) -> list[str]:
    """The metrics a query asks for. A metric the project measured, or one an analyzer of this server
    reports, stands for itself. A prefix of whole segments without the language suffix
    (``coderadar:size:loc``) stands for every metric the project measured below it, one per language
    (``coderadar:size:loc:java``, ``coderadar:size:loc:py``, ...). Anything else is a 400 that names it
    and lists the project's metrics."""
    measured = queries.metric_names(store(), project_id)
    known = set(measured) | offered_metrics()
    out: list[str] = []
    for name in unique(names):
        if name in known:
            out.append(name)
            continue
        prefix = name.rstrip(":") + ":"
        if prefix != ":" and any(m.startswith(prefix) for m in known):
            out += [m for m in measured if m.startswith(prefix)]
            continue
        listed = ", ".join(measured) if measured else "none yet (no analysis has measured anything)"
        raise Invalid(f"unknown metric {name!r}; the metrics of project {project_id}: {listed}",
                      unknown=name, metrics=measured)
    return unique(out)
