"""Test-run pages: the run page (``/tests/{publicId}`` for browsers, ``/ui/runs/{publicId}``) with its
attachments (images and videos inline, streamed from ``/ui/runs/{publicId}/attachments/{name}``),
performance results, code-quality files, messages and its pin (a Pin/Unpin form for its publisher and
platform admins, as ``POST /run/{id}/attributes/pin``), a repository (coverage trend, test count and
duration, performance timeline, flaky tests), an organisation, the list of runs (pinned ones marked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, redirect, request, url_for

from domain.shared.errors import DomainError, Invalid, NotFound
from domain.testing.attachments import attachment_type
from domain.testing.run import is_public_id
from interfaces.http.auth import Principal
from interfaces.http.testing.common import full_name, repo_name, require_change, testing_app, viewer_of
from interfaces.http.testing.projektor_attachments import INLINE_TYPES, SAFE_HEADERS, blobs
from interfaces.http.testing.projektor_lifecycle import performance_view
from interfaces.web import session as web_session
from interfaces.web.common import (
    PAGE_SIZE,
    blp,
    error_page,
    page,
    page_number,
    page_url,
    require_signed_in,
    store,
    unexpected,
)
from projections.testing import extra_queries, queries
from projections.testing.queries import Viewer
from projections.web import queries as web

FLAKY_RUNS = 50
CASE_PAGE = 500  # cases per page of the run page
# shown inline on the run page (an <img> or a <video>); every other attachment is a download link
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
VIDEO_TYPES = ("video/mp4", "video/webm")


def _results_viewer() -> tuple[Viewer, Viewer | None]:
    """Who reads test results here, as the Projektor API decides: everyone sees every run while test
    results are public (``CODEANNALS_PUBLIC_TEST_RESULTS``), signed in or not; otherwise the signed-in
    person sees what they may. The second viewer is the person's own (None when not signed in), for
    what stays theirs to see, such as the projects a run's commit belongs to."""
    principal = web_session.load_principal()
    personal = None if principal is None else viewer_of(principal)
    if current_app.extensions["codeannals"].settings.public_test_results:
        return Viewer.everyone(), personal
    if personal is None:
        require_signed_in()
    assert personal is not None
    return personal, personal


def _visible(public_id: str) -> tuple[dict[str, Any], Viewer | None]:
    viewer, personal = _results_viewer()
    run = queries.run_by_public_id(store(), public_id) if is_public_id(public_id) else None
    if run is None or not viewer.sees(run, store()):
        raise NotFound(f"Test run {public_id} not found.")
    return run, personal


def _run_page(public_id: str) -> Response:
    run, personal = _visible(public_id)
    commit_in = []
    if run["commit_sha"] and personal is not None:
        commit_in = web.projects_with_commit(store(), str(run["commit_sha"]),
                                             None if personal.admin else personal.projects)
    run_id = int(run["id"])
    sort = request.args.get("sort", "slowest")
    suites = queries.suites_of(store(), run_id)
    cases = queries.cases_of(store(), run_id)
    if sort == "slowest":
        suites = sorted(suites, key=lambda s: -float(s["duration_ms"] or 0))
        cases = sorted(cases, key=lambda c: -float(c["duration_ms"] or 0))
    failed = [c for c in queries.cases_of(store(), run_id, ["FAILED", "ERROR"])]
    groups = []
    for report in queries.coverage_reports_of(store(), run_id):
        files = []
        for f in queries.coverage_files_of(store(), run_id, int(report["report"])):
            files.append({**f, "missed_list": json.loads(f["missed_lines"]),
                          "partial_list": json.loads(f["partial_lines"])})
        groups.append({"report": report, "files": files})
    number = page_number()
    shown = cases[(number - 1) * CASE_PAGE:number * CASE_PAGE]
    return page("run.html", run=run, commit_in=commit_in, suites=suites, cases=shown, case_total=len(cases),
                case_first=(number - 1) * CASE_PAGE + 1, number=number, more=number * CASE_PAGE < len(cases),
                page_url=page_url, failed=failed, groups=groups, sort=sort, full_name=full_name,
                **_extras(run))


def _may_pin(principal: Principal | None, run: dict[str, Any]) -> bool:
    """The API's rule for ``POST /run/{id}/attributes/pin``: the run's publisher or a platform admin."""
    return principal is not None and (principal.platform_admin or int(run["owner_id"]) == principal.user_id)


def size_text(size: Any) -> str:
    value = float(size or 0)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover - the loop returns


def _extras(run: dict[str, Any]) -> dict[str, Any]:
    """What the Projektor views ``/run/{id}/attachments``, ``/performance``, ``/quality``, ``/messages`` and
    ``/attributes`` read, through the same queries."""
    run_uuid = str(run["uuid"])
    attachments = []
    for row in extra_queries.attachments_of(store(), run_uuid):
        content_type = str(row["content_type"])
        shown = "image" if content_type in IMAGE_TYPES else "video" if content_type in VIDEO_TYPES else "link"
        attachments.append({"name": row["name"], "size": size_text(row["size"]), "bytes": int(row["size"]),
                            "content_type": content_type, "kind": attachment_type(str(row["name"])), "shown": shown,
                            "url": url_for("web.run_attachment", public_id=run["public_id"], name=row["name"])})
    settings = current_app.extensions["codeannals"].settings
    return {"attachments": attachments,
            "performance": [performance_view(r) for r in extra_queries.performance_of(store(), run_uuid)],
            "quality": extra_queries.quality_of(store(), run_uuid),
            "messages": [*settings.projektor_messages, *extra_queries.messages_of(store(), run_uuid)],
            "pinned": extra_queries.is_pinned(store(), run_uuid),
            "may_pin": _may_pin(web_session.load_principal(), run)}


def run_page_response(public_id: str) -> Response:
    """The run page for a browser asking ``/tests/{publicId}`` (outside the web blueprint, so its
    errors are turned into pages here)."""
    try:
        return _run_page(public_id)
    except DomainError as exc:
        return error_page(exc)
    except Exception as exc:  # a page, never the API's JSON error, for a browser
        return unexpected(exc)


@blp.route("/ui/runs/<string:public_id>")
def run(public_id: str) -> Response:
    return _run_page(public_id)


@blp.route("/ui/runs/<string:public_id>/attachments/<path:name>")
def run_attachment(public_id: str, name: str) -> Response:
    """An attachment of a run, streamed from the blob store with its content type, for whoever may see the
    run page (so an <img> on it loads under the page's ``img-src 'self'``); as ``GET
    /run/{id}/attachments/{name}``, never run as a page of this server."""
    run, _ = _visible(public_id)
    row = extra_queries.attachment(store(), str(run["uuid"]), name)
    if row is None:
        raise NotFound(f"Test run {public_id} has no attachment {name!r}.")
    content_type, size, etag = str(row["content_type"]), int(row["size"]), f'"{row["sha256"]}"'
    wanted = _wanted_range(size, etag)
    if wanted == "unsatisfiable":
        refused = Response(status=416)
        refused.headers["Content-Range"] = f"bytes */{size}"
        return refused
    chunks = blobs().open(str(row["blob"]))
    if isinstance(wanted, tuple):
        start, stop = wanted
        response = Response(_byte_range(chunks, start, stop), status=206, mimetype=content_type,
                            direct_passthrough=True)
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        response.headers["Content-Length"] = str(stop - start)
    else:
        response = Response(chunks, mimetype=content_type, direct_passthrough=True)
        response.headers["Content-Length"] = str(size)
    response.headers["Accept-Ranges"] = "bytes"  # a video player may seek
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name, safe='')}"
    for key, value in SAFE_HEADERS.items():
        response.headers[key] = value
    return response


def _wanted_range(size: int, etag: str) -> tuple[int, int] | str | None:
    """The one byte range asked for (``Range: bytes=...``) as (start, stop), "unsatisfiable", or None for
    the whole file (no range, several ranges, or an ``If-Range`` for another version)."""
    asked = request.range
    if asked is None or request.headers.get("If-Range", etag) != etag or len(asked.ranges) != 1:
        return None
    found = asked.range_for_length(size)
    return "unsatisfiable" if found is None else found


def _byte_range(chunks: Iterator[bytes], start: int, stop: int) -> Iterator[bytes]:
    position = 0
    try:
        for chunk in chunks:
            end = position + len(chunk)
            if end > start and position < stop:
                yield chunk[max(0, start - position):min(len(chunk), stop - position)]
            position = end
            if position >= stop:
                break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


@blp.route("/ui/runs/<string:public_id>/pin", methods=["POST"])
def pin_run(public_id: str) -> Response:
    """Pin or unpin (form field ``pinned``: ``true`` or ``false``) a run: its publisher or a platform admin,
    as ``POST /run/{id}/attributes/pin`` and ``/unpin``; anyone else who sees the run gets 403."""
    principal = require_signed_in()
    run, _ = _visible(public_id)
    require_change(principal, run)
    wanted = request.form.get("pinned", "")
    if wanted not in ("true", "false"):
        raise Invalid("say pinned=true or pinned=false")
    testing_app().pin(str(run["public_id"]), wanted == "true", actor=principal.actor)
    return redirect(url_for("web.run", public_id=run["public_id"]), 303)  # type: ignore[return-value]


@blp.route("/ui/runs")
def runs() -> Response:
    principal = require_signed_in()
    number = page_number()
    rows = queries.list_runs(store(), viewer_of(principal), PAGE_SIZE + 1, (number - 1) * PAGE_SIZE)
    pinned = extra_queries.pinned_among(store(), [str(r["uuid"]) for r in rows[:PAGE_SIZE]])
    return page("runs.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, number=number, page_url=page_url,
                pinned=pinned)


@blp.route("/ui/repos/<string:org>/<string:name>")
def repository(org: str, name: str) -> Response:
    viewer, _ = _results_viewer()
    repo = repo_name(org, name)
    history = web.run_history(store(), viewer, repo)
    if not history:
        raise NotFound(f"No test runs of repository {repo} that you may see.")
    coverage = [{"x": r["created_at"], "y": round(100.0 * r["line_covered"] / (r["line_covered"] + r["line_missed"]),
                                                   2), "id": r["public_id"]}
                for r in history if r["has_coverage"] and (r["line_covered"] + r["line_missed"])]
    tests = [{"x": r["created_at"], "tests": int(r["tests"]), "duration": float(r["duration_ms"]) / 1000,
              "id": r["public_id"]} for r in history if int(r["uploads"])]
    recent = queries.recent_runs(store(), viewer, repo, None, False, FLAKY_RUNS)
    by_id = {int(r["id"]): r for r in recent}
    failing: dict[str, list[dict[str, Any]]] = {}
    for case in queries.failed_cases_in(store(), list(by_id)):
        failing.setdefault(full_name(case), []).append(case)
    flaky = sorted(((n, len(c), by_id[int(c[0]["run_id"])]) for n, c in failing.items()
                    if 0 < len(c) < len(recent)), key=lambda t: (-t[1], t[0]))
    performance = _performance_series(viewer, repo, history)
    pinned = extra_queries.pinned_among(store(), [str(r["uuid"]) for r in history[-30:]])
    return page("repository.html", repo=repo, org=org, history=list(reversed(history)), coverage=coverage,
                tests=tests, flaky=flaky[:50], recent=len(recent), performance=performance, pinned=pinned)


def _chart_text(text: str) -> str:
    """A name for a chart's legend: Plotly reads a few HTML-like tags in trace names, so none are left."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def _performance_series(viewer: Viewer, repo: str, history: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The repository's performance timeline (``/repo/{org}/{repo}[/project/{p}]/performance/timeline``)
    as chart series: p95 and average of each k6 result over the runs, one series per project too."""
    series: dict[str, list[dict[str, Any]]] = {}
    projects = sorted({r["project_name"] for r in history if r["project_name"]})
    for project in [None, *projects]:
        for row in extra_queries.performance_timeline(store(), viewer, repo, project):
            for figure in ("p95", "average"):
                label = _chart_text(f"{project + ': ' if project else ''}{row['name']} {figure} (ms)")
                series.setdefault(label, []).append({"x": row["created_at"], "y": float(row[figure]),
                                                     "id": row["public_id"]})
    return series


@blp.route("/ui/orgs/<string:org>")
def organisation(org: str) -> Response:
    viewer, _ = _results_viewer()
    repo_name(org, "x")
    rows = queries.organization_coverage(store(), viewer, org)
    return page("organisation.html", org=org, rows=rows)
