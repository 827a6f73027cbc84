"""Coverage and test badges as SVG (shields.io style), as Projektor serves them.

* ``/repo/{org}/{repo}/badge/coverage`` (``/project/{name}/`` or ``?project=`` for a project): the
  current main-branch coverage, rounded to a whole percent, green from 90%, yellow from 80%, orange
  from 70%, red below.
* ``/repo/{org}/{repo}/badge/tests``: "passing" or "failing" for the newest main-branch run with
  test results.
* ``/run/{id}/badge/coverage`` and ``/run/{id}/badge/tests``: the same for one run.

404 when there is nothing to show. Like every read, a badge needs credentials and shows only runs the
caller may see.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.shared.errors import NotFound
from interfaces.http.operations import public_test_results
from interfaces.http.testing.common import readable_run, reading_viewer, repo_name, run_percentage, store
from interfaces.http.testing.schemas import ProjektorErrorSchema
from projections.testing import queries

blp = Blueprint("projektor_badges", __name__, description="Projektor: coverage and test badges (SVG)")

SVG_RESPONSE = {
    "200": {"description": "An SVG badge", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
}
GREEN, YELLOW, ORANGE, RED = "#4c1", "#dfb317", "#fe7d37", "#e05d44"


def _text_width(text: str) -> int:
    """Approximate width in pixels of Verdana 11px (what shields.io badges use)."""
    narrow = sum(1 for c in text if c in "ilj.,:;!|' ")
    return round(7 * (len(text) - narrow) + 3.5 * narrow)


def badge_svg(label: str, value: str, color: str) -> str:
    left = _text_width(label) + 10
    right = _text_width(value) + 10
    width = left + right
    label_e, value_e, title = escape(label), escape(value), escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="shade" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="round"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#round)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{width}" height="20" fill="url(#shade)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label_e}</text>'
        f'<text x="{left / 2:.1f}" y="14">{label_e}</text>'
        f'<text x="{left + right / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{value_e}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{value_e}</text></g></svg>'
    )


def coverage_color(percent: float) -> str:
    if percent >= 90:
        return GREEN
    if percent >= 80:
        return YELLOW
    if percent >= 70:
        return ORANGE
    return RED


def coverage_badge(run: dict[str, Any]) -> Response:
    percent = run_percentage(run)
    shown = Decimal(str(percent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _svg(badge_svg("coverage", f"{shown}%", coverage_color(percent)))


def tests_badge(run: dict[str, Any]) -> Response:
    passed = int(run["failures"]) + int(run["errors"]) == 0
    return _svg(badge_svg("tests", "passing" if passed else "failing", GREEN if passed else RED))


def _svg(svg: str) -> Response:
    response = Response(svg, status=200, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _latest(org: str, repo: str, project: str | None, with_coverage: bool) -> dict[str, Any]:
    viewer = reading_viewer()
    name = repo_name(org, repo)
    if with_coverage:
        run = queries.latest_run(store(), viewer, name, project, mainline=True, with_coverage=True)
    else:
        runs = queries.recent_runs(store(), viewer, name, project, mainline=True, limit=1)
        run = runs[0] if runs else None
    if run is None:
        raise NotFound(f"no test run of {name} to show")
    return run


@blp.route("/repo/<string:org>/<string:repo>/badge/coverage")
class RepositoryCoverageBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, org: str, repo: str) -> Response:
        """The repository's current coverage as a badge (``?project=`` for a project)."""
        return coverage_badge(_latest(org, repo, request.args.get("project"), with_coverage=True))


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/badge/coverage")
class ProjectCoverageBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, org: str, repo: str, project: str) -> Response:
        """A project's current coverage as a badge."""
        return coverage_badge(_latest(org, repo, project, with_coverage=True))


@blp.route("/repo/<string:org>/<string:repo>/badge/tests")
class RepositoryTestsBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, org: str, repo: str) -> Response:
        """Whether the repository's newest main-branch run passed, as a badge."""
        return tests_badge(_latest(org, repo, request.args.get("project"), with_coverage=False))


@blp.route("/repo/<string:org>/<string:repo>/project/<string:project>/badge/tests")
class ProjectTestsBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, org: str, repo: str, project: str) -> Response:
        """Whether a project's newest main-branch run passed, as a badge."""
        return tests_badge(_latest(org, repo, project, with_coverage=False))


@blp.route("/run/<string:public_id>/badge/coverage")
class RunCoverageBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, public_id: str) -> Response:
        """One run's coverage as a badge."""
        _, run = readable_run(public_id)
        if not run["has_coverage"]:
            raise NotFound(f"test run {public_id} has no coverage")
        return coverage_badge(run)


@blp.route("/run/<string:public_id>/badge/tests")
class RunTestsBadge(MethodView):
    @public_test_results
    @blp.doc(responses=SVG_RESPONSE)
    @blp.alt_response(404, schema=ProjektorErrorSchema, description="Nothing to show")
    def get(self, public_id: str) -> Response:
        """Whether one run passed, as a badge."""
        _, run = readable_run(public_id)
        return tests_badge(run)
