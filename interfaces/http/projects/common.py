"""Helpers shared by the coderadar project resources."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Response, request

from domain.projects.team import UserRef
from domain.shared.errors import Invalid, NotFound
from interfaces.http.projects.access import projects_app, store
from projections.identity import queries as identity_queries
from projections.projection import iso
from projections.projects import queries

_DIGITS = re.compile(r"^\d{1,16}$")


def ok() -> Response:
    return Response(status=200)


def user_ref(user_id: int) -> UserRef:
    """A user by public id, or 404."""
    user = identity_queries.user_by_id(store(), user_id)
    if user is None:
        raise NotFound(f"User with id {user_id} not found.")
    return UserRef(UUID(user["uuid"]), int(user["id"]))


def user_refs(user_ids: list[int]) -> list[UserRef]:
    return [user_ref(int(u)) for u in dict.fromkeys(user_ids)]


def as_of() -> str | None:
    """The ``asOf`` parameter (query string, or a GET's JSON body as coderadar allows) as sortable ISO
    text in UTC; None when absent. ISO-8601 (no zone: UTC) or epoch milliseconds."""
    raw: Any = request.args.get("asOf")
    if raw is None and request.method == "GET" and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            raw = body.get("asOf")
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    try:
        if _DIGITS.match(text):
            moment = datetime.fromtimestamp(int(text) / 1000, UTC)
        else:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise Invalid(f"asOf must be an ISO-8601 time or epoch milliseconds, not {text!r}") from None
    return iso(moment)


def aggregate_as_of(project: dict[str, Any], kind: str, moment: str) -> Any | None:
    """One of the project's aggregates (``project``, ``modules``, ``file_patterns``, ``analyzers``)
    rebuilt from the event log as it stood at ``moment``. 404 when the project did not exist then;
    None when the project existed but that aggregate did not yet."""
    aggregates = queries.aggregates_of(store(), int(project["id"]))
    project_version = queries.version_at(store(), aggregates["project"], moment)
    if project_version is None:
        raise NotFound(f"Project with id {project['id']} did not exist at {moment}.")
    if kind == "project":
        return projects_app().at_version(UUID(aggregates["project"]), project_version)
    aggregate_uuid = aggregates.get(kind)
    version = None if aggregate_uuid is None else queries.version_at(store(), aggregate_uuid, moment)
    if aggregate_uuid is None or version is None:
        return None
    return projects_app().at_version(UUID(aggregate_uuid), version)
