"""coderadar files (seed 5.5, 5.3.2, 5.3.3): a commit's file tree, a file's content (with its metric
values: filled by the analysis context through :func:`register_file_metrics`), and a file's diff
against the first parent. Content and diff take GET with a JSON body, or POST."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.history.records import DELETE
from domain.history.rules import check_repo_path
from domain.shared.errors import NotFound
from interfaces.history.diffs import file_diff
from interfaces.history.model import ChangeKind, FileChange
from interfaces.http.history.common import json_response, mirror, request_fields, resolve_commit
from interfaces.http.history.schemas import (
    FileContentSchema,
    FileDiffSchema,
    FileRequestSchema,
    FileTreeQuerySchema,
    FileTreeSchema,
)
from interfaces.http.projects.access import MEMBER, project_access, store
from projections.history import queries

blp = Blueprint("coderadar_files", __name__, url_prefix="/api", description="coderadar files (seed 5.3.2, 5.3.3, 5.5)")

# (project row, commit row, path, blob id) -> metric entries {"name", "value", "findings"}
FileMetricsProvider = Callable[[dict[str, Any], dict[str, Any], str, str], list[dict[str, Any]]]
_metrics_providers: list[FileMetricsProvider] = []


def register_file_metrics(provider: FileMetricsProvider) -> None:
    """Let another context (analysis) add a file's metric values to the content endpoint's answer."""
    if provider not in _metrics_providers:
        _metrics_providers.append(provider)


# --- the tree ---------------------------------------------------------------------------------------
class _Node:
    __slots__ = ("children", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.children: dict[str, _Node] | None = None

    def view(self) -> dict[str, Any]:
        if self.children is None:
            return {"path": self.path, "children": None}
        return {"path": self.path, "children": [c.view() for c in self.children.values()]}


def _java_ignore_case(text: str) -> str:
    return "".join(ch.upper().lower() for ch in text)


def file_tree(paths: Iterable[str]) -> dict[str, Any]:
    """coderadar's file tree: directories and files under ``/``; a directory with a single child is
    merged with it (``a/b/File.java``); directories before files, each by path ignoring case."""
    root = _Node("/")
    root.children = {}
    for path in paths:
        node = root
        for part in path.split("/"):
            if node.children is None:
                node.children = {}
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node(part)
            node = child

    def merge(node: _Node) -> None:
        for child in (node.children or {}).values():
            merge(child)
            while child.children is not None and len(child.children) == 1:
                only = next(iter(child.children.values()))
                child.path = f"{child.path}/{only.path}"
                child.children = only.children

    def order(node: _Node) -> None:
        if node.children is None:
            return
        ranked = sorted(node.children.values(), key=lambda c: (c.children is None, _java_ignore_case(c.path)))
        node.children = {str(i): c for i, c in enumerate(ranked)}
        for child in ranked:
            order(child)

    merge(root)
    order(root)
    return root.view()


@blp.route("/projects/<int:project_id>/files/tree/<string:commit_hash>")
class FileTree(MethodView):
    @blp.arguments(FileTreeQuerySchema, location="query")
    @blp.response(200, FileTreeSchema)
    @blp.alt_response(404, description="No such commit")
    def get(self, args: dict[str, Any], project_id: int, commit_hash: str) -> Response:
        """The files of a commit as a tree; with ``changedOnly=true`` only the files the commit
        changed (added, modified, renamed or deleted, against its first parent)."""
        access = project_access(project_id, MEMBER)
        commit = resolve_commit(project_id, commit_hash)
        if args.get("changedOnly"):
            paths = sorted({str(c["path"]) for c in queries.commit_changes(store(), project_id, int(commit["idx"]))})
            return json_response(file_tree(paths))
        with mirror(access.project) as reader:
            try:
                return json_response(file_tree(entry.path for entry in reader.files(str(commit["hash"]))))
            except KeyError:
                raise NotFound(f"Commit {commit['hash']} is not in the repository mirror.") from None


# --- content and diff -------------------------------------------------------------------------------
def _file_request(project_id: int) -> tuple[dict[str, Any], str]:
    fields = request_fields(FileRequestSchema)
    commit = resolve_commit(project_id, fields["commitHash"])
    return commit, check_repo_path(fields["filepath"])


def _content(project_id: int) -> dict[str, Any]:
    access = project_access(project_id, MEMBER)
    commit, path = _file_request(project_id)
    with mirror(access.project) as reader:
        try:
            blob = reader.blob_at(str(commit["hash"]), path)
            data = None if blob is None else reader.read_blob(blob)
        except KeyError:
            blob, data = None, None
    if blob is None or data is None:
        raise NotFound(f"File {path} not found in commit {commit['hash']}.")
    metrics: list[dict[str, Any]] = []
    for provider in _metrics_providers:
        metrics.extend(provider(access.project, commit, path, blob))
    return {"content": data.decode("utf-8", "replace"), "metrics": metrics}


@blp.route("/projects/<int:project_id>/files/content", methods=["GET", "POST"])
class FileContent(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": FileRequestSchema}}})
    @blp.response(200, FileContentSchema)
    @blp.alt_response(404, description="No such commit, or no such file in it")
    def get(self, project_id: int) -> dict[str, Any]:
        """A file's content at a commit, and its metric values (JSON body: commitHash, filepath)."""
        return _content(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": FileRequestSchema}}})
    @blp.response(200, FileContentSchema)
    def post(self, project_id: int) -> dict[str, Any]:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _content(project_id)


def hunks_only(diff_text: str) -> str:
    """A ``git diff`` text without its header lines, as coderadar answers it: from the first hunk
    (``@@``) on; a binary file keeps its ``Binary files ... differ`` line."""
    lines = diff_text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("@@"):
            return "".join(lines[i:])
    return "".join(line for line in lines if line.startswith("Binary files "))


def _diff(project_id: int) -> dict[str, Any]:
    access = project_access(project_id, MEMBER)
    commit, path = _file_request(project_id)
    changes = queries.commit_changes(store(), project_id, int(commit["idx"]))
    row = next((c for c in changes if c["path"] == path and c["kind"] != DELETE), None) or next(
        (c for c in changes if c["kind"] == DELETE and c["old_path"] == path), None)
    with mirror(access.project) as reader:
        if row is None:
            try:
                present = reader.blob_at(str(commit["hash"]), path) is not None
            except KeyError:
                present = False
            if not present:
                raise NotFound(f"File {path} not found in commit {commit['hash']}.")
            return {"content": "", "metrics": None}
        change = FileChange(
            ChangeKind(str(row["kind"])), str(row["path"]), row["old_path"], row["old_blob"], row["new_blob"],
            None if row["old_mode"] is None else int(row["old_mode"]),
            None if row["new_mode"] is None else int(row["new_mode"]),
            None if row["similarity"] is None else int(row["similarity"]), 0,
        )
        try:
            text = file_diff(change, reader.read_blob)
        except KeyError:
            raise NotFound(f"The contents of {path} are not in the repository mirror.") from None
    return {"content": hunks_only(text), "metrics": None}


@blp.route("/projects/<int:project_id>/files/diff", methods=["GET", "POST"])
class FileDiff(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": FileRequestSchema}}})
    @blp.response(200, FileDiffSchema)
    @blp.alt_response(404, description="No such commit, or no such file in it")
    def get(self, project_id: int) -> dict[str, Any]:
        """A file's unified diff against the same file in the commit's first parent (renames
        followed; empty when the commit did not change the file). JSON body: commitHash, filepath."""
        return _diff(project_id)

    @blp.doc(requestBody={"content": {"application/json": {"schema": FileRequestSchema}}})
    @blp.response(200, FileDiffSchema)
    def post(self, project_id: int) -> dict[str, Any]:
        """The same as GET, for clients that cannot send a GET with a body."""
        return _diff(project_id)
