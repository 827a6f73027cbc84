"""coderadar metric queries (seed 5.1, 5.3, 5.4) and a metric's history along a branch.

``metricvalues/perCommit``, ``metricvalues/tree`` and ``metricvalues/deltaTree`` take their fields as a
JSON body of a GET (coderadar's "Usage of GET"), of a POST, or as query parameters. A commit is named by
its full hash or a unique prefix; a commit that is not analysed (yet) has no values. Values that are
zero are left out. The metric values of ``files/content`` and the ``analyzed`` flags of commit lists come
from here too (:func:`file_metrics` and :func:`analyzed`, registered with the history context).

Metric names: a name the project measured or an analyzer of this server reports; a prefix without the
language suffix (``coderadar:size:loc``) stands for that metric in every language the project measured
(``coderadar:size:loc:java``, ``coderadar:size:loc:py``, ... each listed on its own); any other name
is a 400 naming it and listing the project's metrics (see ``resolve_metrics``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.analysis.renames import exact_renames
from domain.shared.errors import Invalid, NotFound
from interfaces.history.importing import mirror_path, open_mirror
from interfaces.history.renames import Entry, SimilarityIndex, detect_renames
from interfaces.http.analysis.common import analysed_commit, resolve_metrics
from interfaces.http.analysis.schemas import (
    CommitMetricsQuerySchema,
    DeltaTreeQuerySchema,
    DeltaTreeSchema,
    HistoryPointSchema,
    HistoryQuerySchema,
    MetricTreeSchema,
    MetricValueSchema,
)
from interfaces.http.analysis.trees import delta_tree, finding_view, metric_list, metric_tree_json
from interfaces.http.history.common import data_dir, register_analyzed_lookup, request_fields, resolve_commit
from interfaces.http.history.files import register_file_metrics
from interfaces.http.projects.access import MEMBER, project_access, store
from projections.analysis import queries
from projections.history import queries as history
from projections.projects import queries as projects

blp = Blueprint("coderadar_metrics", __name__, url_prefix="/api",
                description="coderadar metrics, metric values and metric trees (seed 5.1, 5.3, 5.4)")

REGULAR_FILE = 0o100644


def _modules(project_id: int) -> list[str]:
    return [str(m["path"]) for m in projects.modules(store(), project_id)]


def _files(project_id: int, commit: queries.AnalysedCommit | None) -> dict[str, queries.FileValues]:
    return {} if commit is None else queries.files_at(store(), project_id, commit)


@blp.route("/projects/<int:project_id>/metrics")
class Metrics(MethodView):
    @blp.response(200, description="A JSON array of metric names")
    def get(self, project_id: int) -> Response:
        """Every metric measured in the project so far, by name."""
        project_access(project_id, MEMBER)
        return jsonify(queries.metric_names(store(), project_id))


def _per_commit(project_id: int) -> Response:
    project_access(project_id, MEMBER)
    fields = request_fields(CommitMetricsQuerySchema)
    metrics = resolve_metrics(project_id, fields["metrics"])
    _, commit = analysed_commit(project_id, fields["commit"])
    if commit is None:
        return jsonify([])
    return jsonify(metric_list(queries.totals_at(store(), project_id, commit, metrics), metrics))


@blp.route("/projects/<int:project_id>/metricvalues/perCommit", methods=["GET", "POST"])
class PerCommit(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": CommitMetricsQuerySchema}}})
    @blp.response(200, MetricValueSchema(many=True))
    @blp.alt_response(404, description="No such commit")
    def get(self, project_id: int) -> Response:
        """A commit's totals of the given metrics over its files (JSON body: commit, metrics)."""
        return _per_commit(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": CommitMetricsQuerySchema}}})
    @blp.response(200, MetricValueSchema(many=True))
    def post(self, project_id: int) -> Response:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _per_commit(project_id)


def _tree(project_id: int) -> Response:
    project_access(project_id, MEMBER)
    fields = request_fields(CommitMetricsQuerySchema)
    metrics = resolve_metrics(project_id, fields["metrics"])
    _, commit = analysed_commit(project_id, fields["commit"])
    files = {} if commit is None else queries.values_at(store(), project_id, commit)
    return Response(metric_tree_json(files, _modules(project_id), metrics), mimetype="application/json")


@blp.route("/projects/<int:project_id>/metricvalues/tree", methods=["GET", "POST"])
class Tree(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": CommitMetricsQuerySchema}}})
    @blp.response(200, MetricTreeSchema)
    @blp.alt_response(404, description="No such commit")
    def get(self, project_id: int) -> Response:
        """The modules and files of a commit with their metric values, summed per module (JSON body:
        commit, metrics)."""
        return _tree(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": CommitMetricsQuerySchema}}})
    @blp.response(200, MetricTreeSchema)
    def post(self, project_id: int) -> Response:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _tree(project_id)


def renames_between(project: dict[str, Any], deleted: dict[str, str], added: dict[str, str]) -> dict[str, str]:
    """Files renamed between two commits (new path -> old path), as ``git diff -M`` pairs them: exact
    renames first, then by content similarity (60%) when the repository mirror is at hand."""
    if not deleted or not added:
        return {}
    reader = open_mirror(mirror_path(data_dir(), project["uuid"]))
    if reader is None:
        return exact_renames(deleted, added)
    try:
        def load(sha: bytes) -> bytes:
            try:
                return reader.read_blob(sha.decode("ascii"))
            except KeyError:
                return b""

        def entries(files: dict[str, str]) -> list[Entry]:
            return sorted((path.encode("utf-8", "surrogateescape"), REGULAR_FILE, blob.encode("ascii"))
                          for path, blob in files.items())

        found = detect_renames(entries(added), entries(deleted), SimilarityIndex(load))
        return {r.new[0].decode("utf-8", "surrogateescape"): r.old[0].decode("utf-8", "surrogateescape")
                for r in found.renames}
    finally:
        reader.close()


def _delta_tree(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    fields = request_fields(DeltaTreeQuerySchema)
    metrics = resolve_metrics(project_id, fields["metrics"])
    first = resolve_commit(project_id, fields["commit1"], "commit1")
    second = resolve_commit(project_id, fields["commit2"], "commit2")
    if int(first["idx"]) > int(second["idx"]):  # commit1 must be the older one
        first, second = second, first
    _, commit1 = analysed_commit(project_id, first["hash"], "commit1")
    _, commit2 = analysed_commit(project_id, second["hash"], "commit2")
    files1, files2 = _files(project_id, commit1), _files(project_id, commit2)
    deleted = {p: f.blob for p, f in files1.items() if p not in files2}
    added = {p: f.blob for p, f in files2.items() if p not in files1}
    renames = renames_between(access.project, deleted, added)
    return jsonify(delta_tree({p: f.values for p, f in files1.items()}, {p: f.values for p, f in files2.items()},
                              _modules(project_id), metrics, renames))


@blp.route("/projects/<int:project_id>/metricvalues/deltaTree", methods=["GET", "POST"])
class DeltaTree(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": DeltaTreeQuerySchema}}})
    @blp.response(200, DeltaTreeSchema)
    @blp.alt_response(404, description="No such commit")
    def get(self, project_id: int) -> Response:
        """Two commits' metric trees side by side (the older one as commit1), with each file's changes
        and renames between them (JSON body: commit1, commit2, metrics)."""
        return _delta_tree(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": DeltaTreeQuerySchema}}})
    @blp.response(200, DeltaTreeSchema)
    def post(self, project_id: int) -> Response:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _delta_tree(project_id)


def _one_metric(project_id: int, name: str) -> str:
    """A history follows one metric: a prefix must stand for exactly one (400 naming them otherwise)."""
    metrics = resolve_metrics(project_id, [name])
    if len(metrics) == 1:
        return metrics[0]
    if not metrics:
        return name  # a metric this server offers that the project has not measured: no values yet
    raise Invalid(f"metric {name!r} stands for {len(metrics)} metrics; name one of them: {', '.join(metrics)}",
                  metrics=metrics)


@blp.route("/projects/<int:project_id>/metricvalues/history")
class MetricHistory(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPointSchema(many=True))
    @blp.alt_response(404, description="No such branch")
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """A metric's total at every analysed commit of a branch's first-parent line, oldest first."""
        project_access(project_id, MEMBER)
        metric = _one_metric(project_id, args["metric"])
        name = args.get("branchName")
        if not name:
            status = history.import_status(store(), project_id)
            name = (status or {}).get("default_branch") or "main"
        ref = history.ref_by_name(store(), project_id, str(name))
        if ref is None:
            raise NotFound(f"Branch {name} not found in project {project_id}.")
        head = queries.newest_analysed_ancestor(store(), project_id, str(ref["commit_hash"]))
        if head is None:
            return jsonify([])
        return jsonify(queries.metric_history(store(), project_id, head, metric))


def file_metrics(project: dict[str, Any], commit: dict[str, Any], path: str, blob: str) -> list[dict[str, Any]]:
    """A file's metric values at a commit with their findings, as ``files/content`` shows them."""
    project_id = int(project["id"])
    found = queries.commits_by_prefix(store(), project_id, str(commit["hash"]), limit=1)
    if not found or found[0].hash != str(commit["hash"]):
        return []
    state = queries.file_at(store(), project_id, found[0], path)
    if state is None or state.blob != blob:
        return []
    findings, _ = queries.findings_of(store(), project_id, state.keys, state.blob)
    return [{"name": metric, "value": value, "findings": [finding_view(f) for f in findings.get(metric, [])]}
            for metric, value in reversed(list(state.values.items())) if value]


def analyzed(project_id: int, hashes: Sequence[str]) -> set[str]:
    """Which of these commits are analysed (commit lists of the history context show it)."""
    return queries.analyzed_hashes(store(), project_id, hashes)


register_file_metrics(file_metrics)
register_analyzed_lookup(analyzed)
