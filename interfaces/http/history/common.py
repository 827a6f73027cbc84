"""Helpers shared by the coderadar history resources: commits by hash prefix, the project's mirror,
request fields given as GET with a JSON body, POST, or query parameters (coderadar's "Usage of GET")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError, fields

from application.history.service import HistoryApplication
from domain.history.records import comment, short_hash
from domain.history.rules import check_commit_ref
from domain.shared.errors import Invalid, NotFound
from interfaces.history.git_reader import GitReader
from interfaces.history.importing import mirror_path, open_mirror
from interfaces.http.projects.access import store
from projections.history import queries

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def json_response(data: Any) -> Response:
    """An answer already in its documented shape, sent as is: a list of 24,000 commits dumped through
    marshmallow takes seconds, as JSON a fraction of that (flask-smorest passes a Response through)."""
    return current_app.response_class(_ENCODER.encode(data), status=200, mimetype="application/json")


def history_app() -> HistoryApplication:
    app: HistoryApplication = current_app.extensions["codeannals"].app(HistoryApplication)
    return app


def data_dir() -> Path:
    path: Path = current_app.extensions["codeannals"].settings.data_dir
    return path


_SCHEMAS: dict[type[Schema], Schema] = {}


def request_fields(schema_class: type[Schema]) -> dict[str, Any]:
    """The request's fields: its JSON body (GET or POST; the content type is not required for a GET's
    body), with query parameters filling what the body leaves out. 400 when a field is invalid.
    One instance of each schema per process (building one copies its fields)."""
    schema = _SCHEMAS.get(schema_class)
    if schema is None:
        schema = _SCHEMAS.setdefault(schema_class, schema_class())
    lists = {field.data_key or name for name, field in schema.fields.items() if isinstance(field, fields.List)}
    data: dict[str, Any] = {key: request.args.getlist(key) if key in lists else value
                            for key, value in request.args.items()}
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


# (project id, full commit hashes) -> those of them that are analyzed (the analysis context registers one)
AnalyzedLookup = Callable[[int, Sequence[str]], set[str]]
_analyzed_lookups: list[AnalyzedLookup] = []


def register_analyzed_lookup(lookup: AnalyzedLookup) -> None:
    """Let another context (analysis) say which commits are analyzed; commit lists show ``analyzed``
    true for a commit when the read model's column says so or any registered lookup does."""
    if lookup not in _analyzed_lookups:
        _analyzed_lookups.append(lookup)


def with_analyzed(project_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (commit rows with ``hash`` and ``analyzed``), their ``analyzed`` completed."""
    if not _analyzed_lookups or not rows:
        return rows
    hashes = [str(r["hash"]) for r in rows]
    analyzed: set[str] = set()
    for lookup in _analyzed_lookups:
        analyzed |= lookup(project_id, hashes)
    return [{**r, "analyzed": bool(r["analyzed"]) or str(r["hash"]) in analyzed} for r in rows]


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
