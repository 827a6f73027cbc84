"""Behavioural code analysis: hotspots, change coupling, ownership, truck factor and code age.

Every endpoint takes ``commitHash`` (default: the head of the project's default branch) and ``since``
(epoch ms). The window: commits reachable from ``commitHash``, merges left out, authored at or after
``since``. Files are those present at ``commitHash``, their histories followed through renames and
reported under their names there. Authors are the project's contributors after merges, shown as
``{name: displayName, email: first e-mail}``. The statistics come from the behavioural read model
(``projections/behaviour``)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from domain.history.behaviour import age_days, degree, main_developer, ownership, truck_factor
from domain.shared.errors import Invalid, NotFound
from interfaces.http.history.common import json_response, resolve_commit
from interfaces.http.projects.access import MEMBER, project_access, store
from interfaces.http.schemas import RequestSchema
from projections.analysis import queries as analysis_queries
from projections.behaviour import queries as behaviour_queries
from projections.behaviour.stats import FileStat, Stats, count_up_to
from projections.history import queries as history_queries
from projections.testing import queries as testing_queries

blp = Blueprint("behaviour", __name__, url_prefix="/api",
                description="Behavioural code analysis: hotspots, coupling, ownership, truck factor, code age")

DEFAULT_METRIC = "coderadar:size:loc"
_NON_NEGATIVE = validate.Range(min=0, max=2**31, error="must be from 0 to 2**31")


class WindowSchema(RequestSchema):
    commitHash = fields.String(validate=validate.Length(max=100),
                               metadata={"description": "default: the head of the project's default branch"})
    since = fields.Integer(validate=validate.Range(min=-(2**53), max=2**53),
                           metadata={"description": "epoch ms: only commits authored at or after it"})


class HotspotsQuerySchema(WindowSchema):
    metric = fields.String(load_default=DEFAULT_METRIC, validate=validate.Length(min=1, max=300),
                           metadata={"description": "a metric name, or one without its :<extension> part"})
    limit = fields.Integer(load_default=100, validate=_NON_NEGATIVE)


class CouplingQuerySchema(WindowSchema):
    minRevisions = fields.Integer(load_default=5, validate=_NON_NEGATIVE)
    minShared = fields.Integer(load_default=5, validate=_NON_NEGATIVE)
    minDegree = fields.Integer(load_default=30, validate=_NON_NEGATIVE)
    maxChangesetSize = fields.Integer(load_default=30, validate=_NON_NEGATIVE)
    limit = fields.Integer(load_default=100, validate=_NON_NEGATIVE)


class OwnershipQuerySchema(WindowSchema):
    path = fields.String(load_default="", validate=validate.Length(max=1000),
                         metadata={"description": "only files whose path starts with this"})


class CodeAgeQuerySchema(WindowSchema):
    limit = fields.Integer(load_default=100, validate=_NON_NEGATIVE)


class AuthorSchema(RequestSchema):
    name = fields.String()
    email = fields.String()


class HotspotSchema(RequestSchema):
    path = fields.String()
    revisions = fields.Integer()
    authors = fields.Integer()
    value = fields.Integer()
    score = fields.Integer()
    lastChange = fields.Integer()
    coveredPercentage = fields.Float(allow_none=True)
    failedTests = fields.Integer()


class CouplingSchema(RequestSchema):
    path = fields.String()
    coupledPath = fields.String()
    degree = fields.Integer()
    shared = fields.Integer()
    revisions = fields.Integer()
    coupledRevisions = fields.Integer()


class OwnershipSchema(RequestSchema):
    path = fields.String()
    mainDeveloper = fields.Nested(AuthorSchema)
    mainDeveloperCommits = fields.Integer()
    revisions = fields.Integer()
    ownership = fields.Float()
    authors = fields.Integer()


class TruckAuthorSchema(AuthorSchema):
    files = fields.Integer()


class TruckFactorSchema(RequestSchema):
    truckFactor = fields.Integer()
    files = fields.Integer()
    authors = fields.List(fields.Nested(TruckAuthorSchema))


class CodeAgeSchema(RequestSchema):
    path = fields.String()
    lastChange = fields.Integer()
    ageDays = fields.Integer()


# --- the window -------------------------------------------------------------------------------------
def _caught_up_with_history() -> None:
    """Wait (bounded) until the behavioural read model has every history event the history read model
    has: a commit the commits API shows is then counted here too."""
    container = current_app.extensions["codeannals"]
    position = store().scalar(
        "SELECT position FROM projection_tracking WHERE projection=%s AND application=%s", ("history", "history"))
    if position:
        container.runner.wait_for({"history": int(position)}, container.settings.read_wait_seconds)


class Window:
    """The project, the commit the question is about and the window's statistics."""

    def __init__(self, project_id: int, args: dict[str, Any]) -> None:
        self.access = project_access(project_id, MEMBER)
        _caught_up_with_history()
        self.project_id = project_id
        self.commit = self._commit(args.get("commitHash"))
        self.since: int | None = args.get("since")

    def _commit(self, value: str | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                return resolve_commit(self.project_id, value)
            except NotFound:
                raise Invalid(f"commitHash {value.strip()[:60]} is not a commit of project {self.project_id}") \
                    from None
        name = self.access.project.get("default_branch")
        if not name:
            status = history_queries.import_status(store(), self.project_id)
            name = status["default_branch"] if status else None
        ref = history_queries.ref_by_name(store(), self.project_id, str(name)) if name else None
        if ref is None or ref["commit_idx"] is None:
            return None  # nothing imported yet
        return history_queries.commit_at(store(), self.project_id, int(ref["commit_idx"]))

    def stats(self, pairs: int | None = None, min_shared: int = 1) -> Stats:
        if self.commit is None:
            return Stats({}, {}, 0)
        return behaviour_queries.stats(store(), self.project_id, int(self.commit["idx"]), self.since, pairs, min_shared)

    def contributors(self, files: dict[str, FileStat]) -> tuple[dict[str, int], dict[int, dict[str, str]]]:
        """e-mail -> contributor, and each contributor's view, for the authors of ``files``."""
        owners = history_queries.contributor_emails(store(), self.project_id)
        emails = {email for stat in files.values() for email in stat.authors}
        of_email = {email: owners.get(email, -1 - i) for i, email in enumerate(sorted(emails))}
        views: dict[int, dict[str, str]] = {}
        for c in history_queries.contributors_by_id(store(), self.project_id, {i for i in of_email.values() if i >= 0}):
            views[int(c["id"])] = {"name": str(c["display_name"]), "email": (c["emails"] or [""])[0]}
        for email, cid in of_email.items():
            views.setdefault(cid, {"name": email, "email": email})
        return of_email, views


def _per_contributor(stat: FileStat, of_email: dict[str, int]) -> dict[int, int]:
    commits: dict[int, int] = {}
    for email, n in stat.authors.items():
        cid = of_email[email]
        commits[cid] = commits.get(cid, 0) + n
    return commits


def _owners(window: Window, files: dict[str, FileStat]) -> tuple[dict[str, tuple[int, int, int]],
                                                                  dict[int, dict[str, str]]]:
    """path -> (main developer, their commits, distinct contributors), and the contributors' views."""
    of_email, views = window.contributors(files)
    email_of = {cid: view["email"] for cid, view in views.items()}
    out: dict[str, tuple[int, int, int]] = {}
    for path, stat in files.items():
        commits = _per_contributor(stat, of_email)
        best = main_developer(commits, email_of)
        if best is not None:
            out[path] = (best[0], best[1], len(commits))
    return out, views


# --- hotspots ---------------------------------------------------------------------------------------
def _metric_value(values: dict[str, int], metric: str) -> int | None:
    if metric in values:
        return values[metric]
    prefix = metric + ":"
    for name in sorted(values):
        if name.startswith(prefix):
            return values[name]
    return None


def _values(window: Window, metric: str) -> dict[str, int]:
    known = analysis_queries.metric_names(store(), window.project_id)
    if not any(name == metric or name.startswith(metric + ":") for name in known):
        if metric == DEFAULT_METRIC and not known:
            return {}  # nothing measured yet
        raise Invalid(f"unknown metric {metric[:100]!r}: the project measures {', '.join(known[:20]) or 'nothing'}")
    if window.commit is None:
        return {}
    analysed = analysis_queries.newest_analysed_ancestor(store(), window.project_id, str(window.commit["hash"]))
    if analysed is None:
        return {}
    out: dict[str, int] = {}
    for path, values in analysis_queries.values_at(store(), window.project_id, analysed).items():
        value = _metric_value(values, metric)
        if value is not None:
            out[path] = value
    return out


def _coverage_run(window: Window) -> dict[str, Any] | None:
    """The newest run with coverage of ``commitHash``, else of its nearest analysed ancestor."""
    if window.commit is None:
        return None
    candidates = [str(window.commit["hash"])]
    analysed = analysis_queries.newest_analysed_ancestor(store(), window.project_id, candidates[0])
    if analysed is not None and analysed.hash not in candidates:
        candidates.append(analysed.hash)
    for sha in candidates:
        runs = [r for r in testing_queries.runs_of_commit(store(), sha) if r["has_coverage"]]
        if runs:
            return runs[-1]
    return None


def _matches(path: str, reported: str) -> bool:
    reported = reported.lstrip("./")
    return bool(reported) and (path == reported or path.endswith("/" + reported) or reported.endswith("/" + path))


def _risk(window: Window, paths: list[str]) -> dict[str, tuple[float | None, int]] | None:
    run = _coverage_run(window)
    if run is None:
        return None
    run_id = int(run["id"])
    coverage: list[tuple[str, int, int]] = []
    for report in testing_queries.coverage_reports_of(store(), run_id):
        coverage.extend((str(f["path"]), int(f["covered"]), int(f["missed"]))
                        for f in testing_queries.coverage_files_of(store(), run_id, int(report["report"])))
    failed = testing_queries.failed_cases_in(store(), [run_id])
    out: dict[str, tuple[float | None, int]] = {}
    for path in paths:
        covered = missed = 0
        found = False
        for reported, c, m in coverage:
            if _matches(path, reported):
                covered, missed, found = covered + c, missed + m, True
        percentage = round(100.0 * covered / (covered + missed), 2) if found and covered + missed else None
        name = path.rsplit("/", 1)[-1]
        stem = name.rsplit(".", 1)[0]
        failures = 0
        for case in failed:
            classname = str(case.get("classname") or "")
            simple = classname.rsplit(".", 1)[-1].split("$", 1)[0]
            file = str(case.get("file") or "").rsplit("/", 1)[-1]
            if (stem and simple == stem) or (file and file == name):
                failures += 1
        out[path] = (percentage, failures)
    return out


# --- the answers (the API below and the web pages in interfaces/web/behaviour.py) -----------------------
def hotspot_rows(window: Window, metric: str) -> list[dict[str, Any]]:
    """Every hotspot of the window by score (most first), then path; without the risk fields."""
    values = _values(window, metric.strip())
    stats = window.stats()
    of_email, _ = window.contributors(stats.files)
    rows: list[dict[str, Any]] = []
    for path, stat in stats.files.items():
        value = values.get(path)
        if value is None:
            continue
        rows.append({"path": path, "revisions": stat.revisions,
                     "authors": len({of_email[e] for e in stat.authors}), "value": value,
                     "score": stat.revisions * value, "lastChange": stat.last_change})
    rows.sort(key=lambda r: (-r["score"], r["path"]))
    return rows


def with_risk(window: Window, rows: list[dict[str, Any]]) -> bool:
    """Adds ``coveredPercentage`` and ``failedTests`` to ``rows`` where a run with coverage exists for
    the window's commit (or its nearest analysed ancestor); whether one does."""
    risk = _risk(window, [r["path"] for r in rows])
    if risk is None:
        return False
    for r in rows:
        r["coveredPercentage"], r["failedTests"] = risk[r["path"]]
    return True


def coupling_rows(window: Window, min_revisions: int, min_shared: int, min_degree: int,
                  max_size: int) -> list[dict[str, Any]]:
    """Every coupled pair of the window by degree, shared commits, then paths."""
    stats = window.stats(pairs=max_size, min_shared=min_shared)
    revisions = {path: stat.revisions_up_to(max_size) for path, stat in stats.files.items()}
    rows: list[dict[str, Any]] = []
    for (a, b), sizes in stats.pairs.items():
        shared = count_up_to(sizes, max_size)
        ra, rb = revisions.get(a, 0), revisions.get(b, 0)
        if shared < max(1, min_shared) or ra < min_revisions or rb < min_revisions:
            continue
        d = degree(shared, ra, rb)
        if d < min_degree:
            continue
        rows.append({"path": a, "coupledPath": b, "degree": d, "shared": shared, "revisions": ra,
                     "coupledRevisions": rb})
    rows.sort(key=lambda r: (-r["degree"], -r["shared"], r["path"], r["coupledPath"]))
    return rows


def ownership_rows(window: Window, prefix: str = "", stats: Stats | None = None) -> list[dict[str, Any]]:
    """The main developer of every file under ``prefix`` changed in the window, by path."""
    stats = window.stats() if stats is None else stats
    files = {p: s for p, s in stats.files.items() if p.startswith(prefix)}
    owners, views = _owners(window, files)
    rows: list[dict[str, Any]] = []
    for path in sorted(owners):
        main, commits, authors = owners[path]
        revisions = files[path].revisions
        rows.append({"path": path, "mainDeveloper": views[main], "mainDeveloperCommits": commits,
                     "revisions": revisions, "ownership": ownership(commits, revisions), "authors": authors})
    return rows


def truck_factor_of(window: Window, stats: Stats | None = None) -> dict[str, Any]:
    """``{truckFactor, files, authors: [{name, email, files}]}`` of the window."""
    owners, views = _owners(window, (window.stats() if stats is None else stats).files)
    owned: dict[int, int] = {}
    for main, _, _ in owners.values():
        owned[main] = owned.get(main, 0) + 1
    ranked = sorted(owned, key=lambda c: (-owned[c], views[c]["email"], c))
    authors = [{**views[c], "files": owned[c]} for c in ranked]
    return {"truckFactor": truck_factor([owned[c] for c in ranked], len(owners)), "files": len(owners),
            "authors": authors}


def code_age_rows(window: Window) -> list[dict[str, Any]]:
    """Every file changed in the window by its last change (oldest first), then path."""
    if window.commit is None:
        return []
    at = int(window.commit["author_time"])
    rows = [{"path": path, "lastChange": stat.last_change, "ageDays": age_days(at, stat.last_change)}
            for path, stat in window.stats().files.items()]
    rows.sort(key=lambda r: (r["lastChange"], r["path"]))
    return rows


@blp.route("/projects/<int:project_id>/hotspots")
class Hotspots(MethodView):
    @blp.arguments(HotspotsQuerySchema, location="query")
    @blp.response(200, HotspotSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """Files by revisions x metric value: ``revisions`` (commits of the window changing the file),
        ``authors`` (distinct contributors among them), ``value`` (the metric at ``commitHash``),
        ``score``, ``lastChange``; with ``coveredPercentage`` and ``failedTests`` where a test run
        with coverage exists for ``commitHash`` or its nearest analysed ancestor."""
        window = Window(project_id, args)
        rows = hotspot_rows(window, str(args["metric"]))[:int(args["limit"])]
        with_risk(window, rows)
        return json_response(rows)


@blp.route("/projects/<int:project_id>/coupling")
class Coupling(MethodView):
    @blp.arguments(CouplingQuerySchema, location="query")
    @blp.response(200, CouplingSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """Pairs of files changed together (code-maat's coupling), each once with ``path <
        coupledPath``; commits of more than ``maxChangesetSize`` files are left out of every count."""
        window = Window(project_id, args)
        rows = coupling_rows(window, int(args["minRevisions"]), int(args["minShared"]), int(args["minDegree"]),
                             int(args["maxChangesetSize"]))
        return json_response(rows[:int(args["limit"])])


@blp.route("/projects/<int:project_id>/ownership")
class Ownership(MethodView):
    @blp.arguments(OwnershipQuerySchema, location="query")
    @blp.response(200, OwnershipSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """The main developer of each file under ``path`` (most commits in the window; ties: the
        e-mail that sorts first), their commits, the file's revisions, ``ownership`` (their share,
        two decimals) and distinct ``authors``; by path."""
        window = Window(project_id, args)
        return json_response(ownership_rows(window, str(args["path"]).lstrip("/")))


@blp.route("/projects/<int:project_id>/truckFactor")
class TruckFactor(MethodView):
    @blp.arguments(WindowSchema, location="query")
    @blp.response(200, TruckFactorSchema)
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """How many main developers the project can lose before more than half of its files have none
        left: ``files`` with a main developer, ``authors`` with the files each is the main developer
        of (most first, then by e-mail), ``truckFactor``."""
        return json_response(truck_factor_of(Window(project_id, args)))


@blp.route("/projects/<int:project_id>/codeAge")
class CodeAge(MethodView):
    @blp.arguments(CodeAgeQuerySchema, location="query")
    @blp.response(200, CodeAgeSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """Files by the time since their last change in the window, oldest first, then by path:
        ``ageDays`` counts whole days up to the timestamp of ``commitHash`` (not now)."""
        return json_response(code_age_rows(Window(project_id, args))[:int(args["limit"])])
