"""Helpers shared by the coderadar history resources: commits by hash prefix, the project's mirror,
request fields given as GET with a JSON body, POST, or query parameters (coderadar's "Usage of GET")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError

from application.history.service import HistoryApplication
from domain.history.records import comment, short_hash
from domain.history.rules import check_commit_ref
from domain.shared.errors import Invalid, NotFound
from interfaces.history.git_reader import GitReader
from interfaces.history.importing import mirror_path, open_mirror
from interfaces.http.projects.access import store
from projections.history import queries


def history_app() -> HistoryApplication:
    app: HistoryApplication = current_app.extensions["codeannals"].app(HistoryApplication)
    return app


def data_dir() -> Path:
    path: Path = current_app.extensions["codeannals"].settings.data_dir
    return path


def request_fields(schema: Schema) -> dict[str, Any]:
    """The request's fields: its JSON body (GET or POST; the content type is not required for a GET's
    body), with query parameters filling what the body leaves out. 400 when a field is invalid."""
    data: dict[str, Any] = {key: value for key, value in request.args.items()}
    if request.get_data(cache=True):
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            raise Invalid("invalid request: the body must be a JSON object")
        data.update(body)
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        detail = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in messages.items())
        raise Invalid(f"invalid request: {detail}", errors=messages) from None
    return loaded


def resolve_commit(project_id: int, value: object, field: str = "commitHash") -> dict[str, Any]:
    """A reachable commit of the project by full hash or unique prefix (at least 7 hex digits).
    400 when malformed or ambiguous, 404 when unknown."""
    prefix = check_commit_ref(value, field)
    matches = queries.commits_by_prefix(store(), project_id, prefix, limit=2)
    if not matches:
        raise NotFound(f"Commit {prefix} not found in project {project_id}.")
    if len(matches) > 1:
        raise Invalid(f"{field} {prefix} is ambiguous: several commits start with it; give more digits")
    return matches[0]


@contextmanager
def mirror(project: dict[str, Any]) -> Iterator[GitReader]:
    """The project's repository mirror, for reading files and diffs. 404 while there is none here."""
    reader = open_mirror(mirror_path(data_dir(), project["uuid"]))
    if reader is None:
        raise NotFound(f"The repository of project {project['id']} is not available on this server yet.")
    try:
        yield reader
    finally:
        reader.close()


def commit_view(row: dict[str, Any]) -> dict[str, Any]:
    """A commit as coderadar lists it (seed 5.2)."""
    return {
        "hash": short_hash(str(row["hash"])),
        "timestamp": int(row["author_time"]),
        "analyzed": bool(row["analyzed"]),
        "author": row["author_name"],
        "authorEmail": row["author_email"],
        "comment": comment(str(row["message"])),
    }
