"""The home page: the user's projects with import and analysis state (a live progress bar), newest
commit, headline figures, coverage, last run and last build; then repositories with runs but no
project. ``/ui/progress.json`` feeds the progress bars."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from interfaces.http.auth import Principal
from interfaces.http.testing.common import viewer_of
from interfaces.web.common import LINE_METRIC_PREFIX, blp, page, require_signed_in, store
from projections.analysis import queries as analysis
from projections.builds import queries as builds
from projections.history import queries as history
from projections.projects import queries as projects
from projections.web import queries as web


def visible_projects(principal: Principal) -> list[dict[str, Any]]:
    if principal.platform_admin:
        return projects.list_projects(store())
    return [p for p, _ in projects.projects_of_user(store(), principal.user_id)]


def progress(project_id: int) -> dict[str, Any]:
    """Import and analysis state of a project, with a percentage while one runs."""
    imp = history.import_status(store(), project_id)
    ana = analysis.status(store(), project_id)
    out: dict[str, Any] = {"import": None, "analysis": None}
    if imp is not None:
        total = imp["total"]
        done = int(imp["commits"] or 0)
        pct = 100 if imp["status"] == "DONE" else (min(99, int(100 * done / total)) if total else None)
        out["import"] = {"state": imp["status"], "done": done, "total": total, "percent": pct,
                         "failure": imp["failure_reason"]}
    if ana is not None:
        todo = ana["todo"]
        done = int(ana["job_commits"] or 0)
        running = ana["status"] == "RUNNING"
        pct = (min(99, int(100 * done / (done + int(todo)))) if todo is not None and done + int(todo) else None) \
            if running else 100
        out["analysis"] = {"state": ana["status"], "done": done, "todo": todo, "percent": pct,
                           "analyzed": int(ana["commits"] or 0), "failure": ana["failure_reason"]}
    out["active"] = bool(
        (out["import"] and out["import"]["state"] in ("PENDING", "RUNNING"))
        or (out["analysis"] and out["analysis"]["state"] == "RUNNING"))
    return out


_FIGURES: dict[tuple[Any, ...], tuple[int, int | None]] = {}


def _files_and_lines(project_id: int, head: Any) -> tuple[int, int | None]:
    """File count and lines of an analysed commit, remembered while the project's analysis state is
    the same (a reset or a new job changes the key)."""
    state = analysis.status(store(), project_id) or {}
    key = (project_id, head.hash, head.lane, head.seq, state.get("job"), state.get("commits"), state.get("status"))
    found = _FIGURES.get(key)
    if found is None:
        metrics = [m for m in analysis.metric_names(store(), project_id) if m.startswith(LINE_METRIC_PREFIX)]
        files = len(analysis.values_at(store(), project_id, head))
        lines = sum(analysis.totals_at(store(), project_id, head, metrics).values()) if metrics else None
        found = (files, lines)
        if len(_FIGURES) > 1000:
            _FIGURES.clear()
        _FIGURES[key] = found
    return found


def headline(project_id: int) -> dict[str, Any]:
    """Files, lines and contributors at the newest analysed commit of the default branch."""
    figures: dict[str, Any] = {"files": None, "lines": None, "contributors": len(history.contributors(store(),
                                                                                                     project_id))}
    imp = history.import_status(store(), project_id)
    name = (imp or {}).get("default_branch")
    ref = history.ref_by_name(store(), project_id, str(name)) if name else None
    if ref is not None:
        head = analysis.newest_analysed_ancestor(store(), project_id, str(ref["commit_hash"]))
        if head is not None:  # lines: of every language measured
            figures["files"], figures["lines"] = _files_and_lines(project_id, head)
    return figures


@blp.route("/")
def home() -> Response:
    principal = require_signed_in()
    viewer = viewer_of(principal)
    rows = []
    for project in visible_projects(principal):
        pid = int(project["id"])
        last_builds = builds.builds(store(), project_id=pid, limit=1)
        rows.append({
            "project": project,
            "progress": progress(pid),
            "newest": web.newest_commit(store(), pid),
            "figures": headline(pid),
            "run": web.newest_run_of_project(store(), pid),
            "coverage": web.newest_run_of_project(store(), pid, with_coverage=True),
            "build": last_builds[0] if last_builds else None,
        })
    orphans = web.repositories_without_project(store(), viewer)
    return page("home.html", rows=rows, orphans=orphans)


@blp.route("/ui/progress.json")
def progress_json() -> Response:
    principal = require_signed_in()
    return jsonify({str(p["id"]): progress(int(p["id"])) for p in visible_projects(principal)})
