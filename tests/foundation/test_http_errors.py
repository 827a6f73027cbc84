"""Errors are JSON on every path, in the style of the API family the path belongs to."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from tests.support.api import Api


def test_unknown_paths_and_methods_answer_json(client: FlaskClient) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and r.is_json and "errorMessage" in r.get_json()
    r = client.delete("/health")
    assert r.status_code == 405 and r.is_json and "GET" in r.headers["Allow"]
    assert b"<html" not in r.data.lower()


def test_each_api_family_keeps_its_own_error_style(client: FlaskClient) -> None:
    assert set(client.get("/api_2/no-such-collection").get_json()) == {"message"}
    assert set(client.get("/api/v1/nothing-here").get_json()) == {"error_message"}
    assert set(client.get("/api/test-runs-nothing/x").get_json()) == {"message"}
    assert set(client.get("/api/nothing").get_json()) == {"errorMessage"}


def test_malformed_json_and_schema_errors_are_400_with_a_message(client: FlaskClient) -> None:
    r = client.post("/api/user/registration", data=b"{not json", content_type="application/json")
    assert r.status_code == 400 and "JSON" in r.get_json()["errorMessage"]
    r = client.post("/api/user/registration", json={"username": 5, "password": ["x"]})
    body = r.get_json()["errorMessage"]
    assert r.status_code == 400 and "username" in body and "password" in body
    r = client.post("/api/user/registration", json=[1, 2, 3])
    assert r.status_code == 400


def test_request_size_limit_is_413(container: Container) -> None:
    from dataclasses import replace

    small = replace(container.settings, max_request_bytes=1024)
    client = create_app(small, container=container, start=False).test_client()
    r = client.post("/api/user/registration", data=b"x" * 4096, content_type="application/json")
    assert r.status_code == 413 and r.get_json() == {"errorMessage": "request body too large"}


def test_unhandled_exceptions_are_500_without_a_stack_trace(app: Flask) -> None:
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/boom", "boom", boom)
    r = app.test_client().get("/api/boom")
    assert r.status_code == 500
    assert r.get_json() == {"errorMessage": "internal server error"}
    assert b"Traceback" not in r.data and b"secret internal detail" not in r.data


def test_openapi_docs_health_and_version(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "Code Annals"
    assert "/api/user/registration" in spec["paths"] and "/health" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    health = client.get("/health").get_json()
    assert health["status"] == "ok" and health["database"] in ("sqlite", "postgres")
    assert client.get("/version").get_json()["name"] == "codeannals"


def test_hostile_json_bodies_are_400(client: FlaskClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    r = client.post("/api/user/registration", data=deep, content_type="application/json")
    assert r.status_code == 400 and "nested too deeply" in r.get_json()["errorMessage"]
    r = client.post("/api/user/registration", data=b'{"username": "\xff\xfe", "password": "x"}',
                    content_type="application/json")
    assert r.status_code == 400 and "JSON" in r.get_json()["errorMessage"]
    r = client.post("/api/user/registration", json={"username": "abc\u0000", "password": "password1"})
    assert r.status_code == 400
    r = client.post("/api/user/registration", json={"username": "x' OR '1'='1", "password": "password1"})
    assert r.status_code == 400
    assert client.get("/health").status_code == 200


def test_ids_beyond_64_bits_are_404_and_documented_bounds(client: FlaskClient, api: Api) -> None:
    user = api.register("bounded")
    r = client.get("/api/users/99999999999999999999999", headers=user.headers)
    assert r.status_code == 404 and "errorMessage" in r.get_json()
    spec = client.get("/openapi.json").get_json()
    (param,) = spec["paths"]["/api/users/{user_id}"]["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    assert "errorMessage" in spec["components"]["schemas"]["Error"]["properties"]
