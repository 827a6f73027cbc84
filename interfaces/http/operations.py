"""One policy for every documented operation, read from the operation itself and its OpenAPI entry:
who may call it, and which query parameters it knows.

* **Credentials.** Every operation needs credentials unless its view is marked :func:`public`, or
  :func:`public_test_results` (public while ``CODEANNALS_PUBLIC_TEST_RESULTS`` is on, the default).
  A call without them is a 401 before anything else is looked at (not a 400 for a bad body first).
  The OpenAPI document declares, per operation, the credentials its API family takes (a public
  operation declares none): coderadar a JWT in ``Authorization`` (or an API token as Bearer),
  Testery an API token as Bearer, Copr HTTP Basic (login and API token), Projektor
  ``X-PROJEKTOR-TOKEN`` (or Bearer). Every kind works everywhere; those are what each family's clients send.
* **Query parameters.** On coderadar and Copr operations an unknown query parameter is a 400 that
  names it and the parameters the operation knows: its documented query parameters and, for a GET
  that takes a JSON body, that body's fields (they may come as query parameters too).
* **Text.** A NUL character in the path, the query or a JSON body is a 400 (no database stores it).
* **GET with a body.** Swagger UI cannot send one, so such an operation's description points to its
  POST twin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, request
from flask_smorest import Api

from domain.shared.errors import Invalid
from interfaces.http.auth import require_user
from interfaces.http.errors import family_of
from interfaces.http.testing.common import drain_request
from interfaces.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "_codeannals_access"
SECURITY_ATTRIBUTE = "_codeannals_security"
PUBLIC, PUBLIC_TEST_RESULTS = "public", "public-test-results"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "jwt": {"type": "apiKey", "in": "header", "name": "Authorization",
            "description": "coderadar: the access token of POST /api/user/auth, sent bare (`Bearer <jwt>` works too)"},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "an API token (POST /api/user/tokens) as `Authorization: Bearer cat_...`"},
    "basic": {"type": "http", "scheme": "basic",
              "description": "Copr: HTTP Basic with your login and an API token as the password"},
    "projektorToken": {"type": "apiKey", "in": "header", "name": "X-PROJEKTOR-TOKEN",
                       "description": "Projektor: an API token in X-PROJEKTOR-TOKEN (what projektor-publish sends)"},
}
FAMILY_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "coderadar": [{"jwt": []}, {"bearer": []}],
    "testery": [{"bearer": []}],
    "copr": [{"basic": []}],
    "projektor": [{"projektorToken": []}, {"bearer": []}],
}
CHECKED_QUERY_FAMILIES = ("coderadar", "copr")
METHODS = ("get", "post", "put", "patch", "delete")
MAX_CHECKED_JSON_BYTES = 8 * 1024 * 1024
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def public(view: F) -> F:
    """Mark an operation as callable without credentials. Put it above the other decorators."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def public_test_results(view: F) -> F:
    """Mark a read of test results: public unless ``CODEANNALS_PUBLIC_TEST_RESULTS`` is off."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC_TEST_RESULTS)
    return view


def secured_by(*schemes: str) -> Callable[[F], F]:
    """Mark an operation that takes other credentials than its API family's (by scheme name, each an
    alternative), such as a platform admins' operation under a Projektor path. Put it above the others."""
    unknown = set(schemes) - set(SECURITY_SCHEMES)
    if unknown:
        raise ValueError(f"unknown security schemes {sorted(unknown)}")

    def mark(view: F) -> F:
        setattr(view, SECURITY_ATTRIBUTE, [{name: []} for name in schemes])
        return view

    return mark


@dataclass(frozen=True)
class Operation:
    family: str
    needs_credentials: bool
    query: frozenset[str]


def openapi_path(rule: str) -> str:
    return _RULE_PARAMETER.sub(r"{\1}", rule)


def _schema_properties(schema: Any, schemas: dict[str, Any]) -> set[str]:
    if isinstance(schema, dict) and "$ref" in schema:
        schema = schemas.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
    return set(schema.get("properties", {})) if isinstance(schema, dict) else set()


def _query_names(operation: dict[str, Any], operations: dict[str, Any], schemas: dict[str, Any]) -> frozenset[str]:
    names = {str(p["name"]) for p in [*operations.get("parameters", []), *operation.get("parameters", [])]
             if isinstance(p, dict) and p.get("in") == "query"}
    if "requestBody" in operations.get("get", {}):
        # A GET with a body (and its POST twin) takes the body's fields as query parameters too.
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        names |= _schema_properties(body.get("schema"), schemas)
    return frozenset(names)


def _point_to_post_twin(path: str, operations: dict[str, Any]) -> None:
    get = operations.get("get")
    if get is None or "requestBody" not in get or "post" not in operations:
        return
    note = (f"Swagger UI cannot send a GET with a body: use `POST {path}`, the same operation with the "
            "same JSON body. The fields may also be given as query parameters.")
    if note not in get.get("description", ""):
        get["description"] = (get.get("description", "").rstrip() + "\n\n" + note).strip()


def access_summary(settings: Settings) -> str:
    """Who may call what, for the OpenAPI document's description (each operation lists its security)."""
    reads = ("Projektor's reads (runs, coverage, timeline, flaky tests, badges, `/tests/{id}`) are public, as in "
             "Projektor: they need no credentials and show every run (`CODEANNALS_PUBLIC_TEST_RESULTS=false` makes "
             "them need credentials and show only the runs the caller may see)."
             if settings.public_test_results else
             "Projektor's reads need credentials and show only the runs the caller may see "
             "(`CODEANNALS_PUBLIC_TEST_RESULTS` is off).")
    return ("Credentials: a coderadar JWT (`POST /api/user/auth`) in `Authorization`, or an API token "
            "(`POST /api/user/tokens`) as `Authorization: Bearer`, as Copr's HTTP Basic password or in "
            "`X-PROJEKTOR-TOKEN`. Each operation lists what it takes; one without security is public. "
            f"{reads} Testery is token-only and publishing test results always needs a token. Copr's reads, "
            "registration, login and `/health` are public.\n\nOn coderadar and Copr operations an unknown query "
            "parameter is a 400 that names the known ones. A NUL character in any text is a 400.")


def install(app: Flask, api: Api, settings: Settings) -> None:
    """Declare the security schemes, annotate every documented operation, and check each request
    against its operation: credentials first, then NUL characters, then unknown query parameters."""
    for name, scheme in SECURITY_SCHEMES.items():
        if name not in api.spec.components.security_schemes:
            api.spec.components.security_scheme(name, scheme)
        else:
            api.spec.components.security_schemes[name].update(scheme)
    paths: dict[str, dict[str, Any]] = api.spec._paths
    schemas: dict[str, Any] = api.spec.to_dict().get("components", {}).get("schemas", {})
    table: dict[tuple[str, str], Operation] = {}
    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions.get(rule.endpoint), "view_class", None)
        path = openapi_path(rule.rule)
        operations = paths.get(path)
        if view_class is None or operations is None:
            continue
        _point_to_post_twin(path, operations)
        for method in METHODS:
            operation = operations.get(method)
            if operation is None or method.upper() not in (rule.methods or ()):
                continue
            access = getattr(getattr(view_class, method, None), ACCESS_ATTRIBUTE, None)
            needs = access is None or (access == PUBLIC_TEST_RESULTS and not settings.public_test_results)
            family = family_of(path)
            if needs:
                declared = getattr(getattr(view_class, method, None), SECURITY_ATTRIBUTE, FAMILY_SECURITY[family])
                operation["security"] = [dict(alternative) for alternative in declared]
            else:
                operation.pop("security", None)
            table[(rule.endpoint, method.upper())] = Operation(
                family, needs, _query_names(operation, operations, schemas))

    @app.before_request
    def check_operation() -> None:
        method = "GET" if request.method == "HEAD" else request.method
        operation = table.get((request.endpoint or "", method))
        if operation is not None and operation.needs_credentials:
            try:
                require_user()
            except Exception:
                drain_request()
                raise
        refuse_nul_characters()
        if operation is None:
            return
        if operation.family in CHECKED_QUERY_FAMILIES and request.args:
            unknown = sorted(set(request.args) - operation.query)
            if unknown:
                known = ", ".join(sorted(operation.query)) or "none"
                raise Invalid(f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
                              f"{', '.join(unknown)}; this operation knows: {known}",
                              unknown=unknown, known=sorted(operation.query))


def _holds_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(_holds_nul(k, depth + 1) or _holds_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v, depth + 1) for v in value)
    return False


def refuse_nul_characters() -> None:
    """Text may hold any character but NUL, which no database column takes (PostgreSQL refuses it):
    a NUL in the path, the query or a JSON body is a 400, before it can reach a query or an event
    that a read model could not store. (Projektor's uploads are streamed and checked by their
    parsers.)"""
    if "\x00" in request.path:
        raise Invalid("invalid request: the path holds a NUL character")
    if any(_holds_nul(k) or _holds_nul(v) for k, v in request.args.items(multi=True)):
        raise Invalid("invalid request: a query parameter holds a NUL character")
    if (family_of(request.path) != "projektor" and request.is_json
            and (request.content_length or 0) <= MAX_CHECKED_JSON_BYTES):
        body = request.get_json(silent=True)
        if _holds_nul(body):
            raise Invalid("invalid request: a text of the JSON body holds a NUL character (\\u0000)")
