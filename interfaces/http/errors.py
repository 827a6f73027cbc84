"""One place that turns every error into JSON, in the error style of the API family it came from.

coderadar: ``{"errorMessage": ...}``; Copr: ``{"message": ..., "data": ...}``; Projektor:
``{"error_message": ...}``; Testery: ``{"message": ...}``. No HTML error page, no stack trace."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError
from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from domain.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
    Unprocessable,
)
from interfaces.http.wording import api_message

log = logging.getLogger("codeannals.http")

STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unprocessable: 422,
    RateLimited: 429,
    Unavailable: 503,
}

PROJEKTOR_PREFIXES = ("/groupedResults", "/results", "/run/", "/repo/", "/api/v1/", "/tests/", "/failures/")
TESTERY_PREFIXES = ("/api/test-runs", "/api/account", "/api/environments")


def family_of(path: str) -> str:
    if path == "/api_2" or path.startswith("/api_2/"):
        return "copr"
    if path.startswith(TESTERY_PREFIXES):
        return "testery"
    if path.startswith(PROJEKTOR_PREFIXES):
        return "projektor"
    return "coderadar"


def error_body(family: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    if family == "copr":
        body: dict[str, Any] = {"message": message}
        if data:
            body["data"] = data
        return body
    if family == "projektor":
        return {"error_message": message, **({"id": data["id"]} if data and "id" in data else {})}
    if family == "testery":
        return {"message": message}
    return {"errorMessage": message}


def error_response(status: int, message: str, data: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = error_body(family_of(request.path), message, data)
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _validation_message(messages: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix and key not in ("json", "query", "form", "files") else (
                prefix or ("" if key in ("json", "query", "form", "files", "_schema") else str(key))
            )
            out += _validation_message(value, name)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list):
                out += _validation_message(item, prefix)
            else:
                out.append(f"{prefix}: {item}" if prefix else str(item))
    else:
        out.append(f"{prefix}: {messages}" if prefix else str(messages))
    return out


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages is not None:
        # webargs/marshmallow validation errors: a 400 naming every bad field.
        detail = "; ".join(_validation_message(messages)) or "invalid request"
        return error_response(400, f"invalid request: {detail}", {"errors": messages})
    message = (data.get("message") if isinstance(data, dict) else None) or exc.description or exc.name
    headers = {}
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    if status == 413:
        message = "request body too large"
    return error_response(status, str(message), headers=headers)


def handle_domain_error(exc: DomainError) -> Response:
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"Retry-After": "5"} if status == 503 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    if status == 401 and family_of(request.path) == "copr":
        headers = {"WWW-Authenticate": 'Basic realm="copr"'}
    return error_response(status, api_message(exc, family_of(request.path)), dict(exc.data) or None, headers)


def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, OverflowError):
        return error_response(400, "invalid request: a number is out of range")
    if isinstance(exc, RecursionError):
        return error_response(400, "invalid request: the body is nested too deeply")
    if _is_data_error(exc):
        return error_response(400, "invalid request: a value is out of range or not storable")
    if isinstance(exc, IntegrityError):
        return error_response(409, "a concurrent change was saved first; reload and try again")
    if _is_database_down(exc):
        log.warning("database unavailable: %s", exc)
        return error_response(503, "the database is unavailable; try again shortly", headers={"Retry-After": "5"})
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal server error")


def _is_data_error(exc: BaseException) -> bool:
    """The database refused a value of the request (a number out of its range, a text it cannot
    store): the request's fault, never the server's."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"DataError", "NumericValueOutOfRange"})


def _is_database_down(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"OperationalError", "PoolTimeout", "InterfaceError", "ConnectionTimeout"})


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
