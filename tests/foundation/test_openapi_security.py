"""The OpenAPI document says who may call what: it declares the security schemes of the four families
and, per operation, the credentials the operation needs (none for a public one). Checked against the
server itself: every operation is called without credentials, and it answers 401 exactly when the
document declares security for it. GET-with-body operations point to their POST twins."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.http.errors import family_of

METHODS = ("get", "post", "put", "patch", "delete")
PRIVATE = pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")
BOTH_MODES = pytest.mark.parametrize("public", [pytest.param(True, id="public"), pytest.param(False, id="private",
                                                                                           marks=PRIVATE)])
FAMILY_SCHEME = {"coderadar": "jwt", "copr": "basic", "testery": "bearer", "projektor": "projektorToken"}
ALWAYS_PUBLIC = {("post", "/api/user/registration"), ("post", "/api/user/auth"), ("post", "/api/user/refresh"),
                 ("get", "/health"), ("get", "/version"),
                 ("post", "/api/projects/{project_id}/hooks/push"),  # signed with the webhook secret instead
                 ("get", "/api/qualityGate/badge/{key}.svg")}  # opened by its unguessable key


def _url(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "x", re.sub(r"\{[^}]*_id\}", "1", path))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()
            if method in METHODS]


def test_the_document_declares_the_security_schemes_of_the_four_families(client: FlaskClient) -> None:
    schemes = client.get("/openapi.json").get_json()["components"]["securitySchemes"]
    assert {k: {f: v for f, v in s.items() if f != "description"} for k, s in schemes.items()} == {
        "jwt": {"type": "apiKey", "in": "header", "name": "Authorization"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "projektorToken": {"type": "apiKey", "in": "header", "name": "X-PROJEKTOR-TOKEN"},
    }
    assert all(s["description"] for s in schemes.values())


@BOTH_MODES
def test_an_operation_answers_401_without_credentials_exactly_when_it_declares_security(
    client: FlaskClient, public: bool
) -> None:
    spec = client.get("/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    public_operations: set[tuple[str, str]] = set()
    for method, path, op in _operations(spec):
        r = client.open(_url(path), method=method.upper(), json=None if method == "get" else {})
        declared = op.get("security")
        if r.status_code == 401:
            assert declared, f"{method.upper()} {path} needs credentials but declares no security"
            assert {name for alternative in declared for name in alternative} <= set(schemes)
            expected = "jwt" if path == "/failures/recent" else FAMILY_SCHEME[family_of(path)]  # platform admins'
            assert {expected: []} in declared, (method, path, declared)
        else:
            assert not declared, f"{method.upper()} {path} answers {r.status_code} anonymously but declares {declared}"
            public_operations.add((method, path))
    projektor_reads = {(m, p) for m, p, _ in _operations(spec) if m == "get" and family_of(p) == "projektor"
                       and p != "/failures/recent"}  # the failed uploads are for platform admins
    copr_reads = {(m, p) for m, p, _ in _operations(spec) if m == "get" and family_of(p) == "copr"}
    assert len(projektor_reads) >= 25 and len(copr_reads) >= 11
    assert public_operations == ALWAYS_PUBLIC | copr_reads | (projektor_reads if public else set())
    assert not any(family_of(p) == "testery" for _, p in public_operations)  # Testery is token-only
    assert ("post", "/groupedResults") not in public_operations  # publishing needs a token


def test_every_get_with_a_body_points_to_its_post_twin(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    with_body = [path for path, ops in paths.items() if "requestBody" in ops.get("get", {})]
    assert len(with_body) >= 8
    for path in with_body:
        assert "post" in paths[path], path
        assert paths[path]["post"]["requestBody"] == paths[path]["get"]["requestBody"], path
        assert f"POST {path}" in paths[path]["get"]["description"], path
