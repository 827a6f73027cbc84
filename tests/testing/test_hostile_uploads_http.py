"""Malformed, hostile and oversized uploads: refused with a 4xx and a message, nothing recorded (the
event logs do not move), and the server goes on serving. Limits are small here (4 MB request, 8 MB
decompressed, 1,000 test cases) so the refusals come early."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.api import Api
from tests.testing.reports import go_reference, grouped_body, junit_xml, publish, published_id

REQUEST_LIMIT = 4 << 20
DECOMPRESSED_LIMIT = 8 << 20

LAUGHS = "".join(
    ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                               for n in range(1, 10)]
)
BILLION_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE testsuites [{LAUGHS}]><testsuites name="&lol9;"/>'
XXE = ('<?xml version="1.0"?><!DOCTYPE testsuites [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<testsuites><testsuite name="&xxe;"><testcase name="a"/></testsuite></testsuites>')
PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE report [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">'
                    '%remote;]><report name="x"></report>')
JACOCO_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE report [{LAUGHS}]><report name="&lol9;"></report>'


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings.from_env({**env, "CODEANNALS_MAX_REQUEST_BYTES": str(REQUEST_LIMIT),
                              "CODEANNALS_MAX_DECOMPRESSED_BYTES": str(DECOMPRESSED_LIMIT),
                              "CODEANNALS_MAX_TEST_CASES": "1000"})


def _events(container: Container) -> int:
    """Events recorded by every application but the history importer (which works on its own after a
    project is registered)."""
    return sum(app.max_position() for name, app in container.applications.items() if name != "history")


def _gzip_stream(parts: Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [compressor.compress(p) for p in parts]
    out.append(compressor.flush())
    return b"".join(out)


def _spaces(total: int) -> Iterator[bytes]:
    chunk = b" " * (1 << 20)
    for _ in range(total // len(chunk)):
        yield chunk


def zip_bomb_json() -> bytes:
    """Valid-looking grouped results whose blob inflates to 64 MB (of white space inside XML)."""
    head = b'{"groupedTestSuites": [{"groupName": "x", "testSuitesBlob": "<testsuites>'
    return _gzip_stream(iter([head, *_spaces(64 << 20), b'</testsuites>"}]}']))


def zip_bomb_xml(root: bytes = b"<testsuites>", end: bytes = b"</testsuites>") -> bytes:
    return _gzip_stream(iter([root, *_spaces(64 << 20), end]))


def zip_bomb_zeros() -> bytes:
    return _gzip_stream(iter(b"\x00" * (1 << 20) for _ in range(64)))


Case = tuple[str, Callable[[FlaskClient, dict[str, str]], TestResponse], int, str]


def _grouped(blob: str) -> bytes:
    return json.dumps(grouped_body([blob.encode()])).encode()


def _post(path: str, data: bytes, encoding: str | None = None,
          content_type: str = "application/x-www-form-urlencoded") -> Callable[[FlaskClient, dict[str, str]],
                                                                               TestResponse]:
    def send(client: FlaskClient, headers: dict[str, str]) -> TestResponse:
        h = dict(headers)
        if encoding:
            h["Content-Encoding"] = encoding
        return client.post(path, data=data, headers=h, content_type=content_type)
    return send


CASES: list[Case] = [
    ("malformed json", _post("/groupedResults", gzip.compress(b'{"groupedTestSuites": [}'), "gzip"), 400,
     "grouped results"),
    ("json array", _post("/groupedResults", b"[1, 2]", content_type="application/json"), 400, "JSON object"),
    ("malformed xml in blob", _post("/groupedResults", gzip.compress(_grouped("<testsuites><testsuite>")), "gzip"),
     400, "JUnit"),
    ("empty blob", _post("/groupedResults", _grouped("  "), content_type="application/json"), 400, "empty"),
    ("billion laughs in blob", _post("/groupedResults", gzip.compress(_grouped(BILLION_LAUGHS)), "gzip"), 400,
     "JUnit"),
    ("external entity in blob", _post("/groupedResults", _grouped(XXE), content_type="application/json"), 400,
     "JUnit"),
    ("billion laughs in coverage", _post("/groupedResults", json.dumps(
        grouped_body(coverage=[JACOCO_LAUGHS.encode()])).encode(), content_type="application/json"), 400, "entit"),
    ("parameter entity in coverage", _post("/groupedResults", json.dumps(
        grouped_body(coverage=[PARAMETER_ENTITY.encode()])).encode(), content_type="application/json"), 400, ""),
    ("unrecognised coverage", _post("/groupedResults", json.dumps(
        grouped_body(coverage=[b"just some text\n"])).encode(), content_type="application/json"), 400,
     "unrecognised coverage format"),
    ("zip bomb of valid json", _post("/groupedResults", zip_bomb_json(), "gzip"), 413, "decompressed"),
    ("zip bomb of zeros", _post("/groupedResults", zip_bomb_zeros(), "gzip"), 400, ""),
    ("zip bomb without encoding header", _post("/results", zip_bomb_xml()), 413, "decompressed"),
    ("corrupt gzip", _post("/groupedResults", b"\x1f\x8b\x08\x00garbage-garbage", "gzip"), 400, "gzip"),
    ("truncated gzip", _post("/groupedResults", gzip.compress(_grouped("<testsuites/>"))[:30], "gzip"), 400,
     "gzip"),
    ("unknown encoding", _post("/groupedResults", b"{}", "br"), 400, "Content-Encoding"),
    ("oversized body", _post("/results", b"<testsuites>" + b" " * REQUEST_LIMIT + b"</testsuites>"), 413,
     "too large"),
    ("too many test cases", _post("/results", junit_xml(suites=11, per_suite=100)), 413, "too many test cases"),
    ("raw billion laughs", _post("/results", BILLION_LAUGHS.encode()), 400, "JUnit"),
    ("raw external entity", _post("/results", XXE.encode()), 400, "JUnit"),
    ("not xml", _post("/results", b"hello"), 400, "JUnit"),
    ("nothing to publish", _post("/groupedResults", b"{}", content_type="application/json"), 400, "nothing"),
    ("deep json", _post("/groupedResults", b'{"metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                        content_type="application/json"), 400, "deep"),
]


@pytest.mark.parametrize(("name", "send", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_refused_uploads_record_nothing(client: FlaskClient, api: Api, container: Container, name: str,
                                        send: Callable[[FlaskClient, dict[str, str]], TestResponse], status: int,
                                        message: str) -> None:
    user = api.register("publisher")
    headers = {"X-PROJEKTOR-TOKEN": api.api_token(user)}
    before = _events(container)
    r = send(client, headers)
    assert r.status_code == status, (name, r.get_json())
    body = r.get_json()
    assert message in body["error_message"], body
    assert "root:" not in r.get_data(as_text=True)
    if status == 400:  # the id the run would have had
        assert len(body["id"]) == 12
    # nothing of it is recorded but the fact that it failed (its processing failure, /failures/recent)
    failures = container.store.scalar("SELECT COUNT(*) AS n FROM processing_failures")
    assert _events(container) - before == failures <= 1
    # the server still serves, and an honest upload goes through
    assert published_id(publish(client, headers["X-PROJEKTOR-TOKEN"], grouped_body([junit_xml()])))


def test_refused_coverage_uploads_to_a_run(client: FlaskClient, api: Api, container: Container) -> None:
    user = api.register("publisher")
    token = api.api_token(user)
    headers = {"X-PROJEKTOR-TOKEN": token}
    public_id = published_id(publish(client, token, grouped_body([junit_xml()])))
    before = _events(container)
    for data, status in ((JACOCO_LAUGHS.encode(), 400), (PARAMETER_ENTITY.encode(), 400), (b"mode: set\nbad", 400),
                         (b"", 400), (zip_bomb_xml(b'<report name="x">', b"</report>"), 413)):
        r = client.post(f"/run/{public_id}/coverage", data=data, headers=headers)
        assert r.status_code == status, r.get_json()
        assert r.get_json()["error_message"] and r.get_json()["id"] == public_id
    r = client.post(f"/run/{public_id}/coverageFile", json={"baseDirectoryPath": "x"}, headers=headers)
    assert r.status_code == 400 and "reportContents" in r.get_json()["error_message"]
    assert _events(container) == before
    assert client.post(f"/run/{public_id}/coverage", data=go_reference(), headers=headers).status_code == 200
    assert _events(container) > before


def test_refused_testery_uploads(client: FlaskClient, api: Api, container: Container) -> None:
    user = api.register("owner")
    token = api.api_token(user)
    project_id = api.create_project(user)
    headers = {"Authorization": f"Bearer {token}"}
    before = _events(container)
    for report, status in ((XXE.encode(), 400), (BILLION_LAUGHS.encode(), 400), (b"<testsuites>", 400),
                           (junit_xml(suites=11, per_suite=100), 413)):
        r = client.post("/api/test-runs-upload", headers=headers, content_type="multipart/form-data", data={
            "file": (io.BytesIO(report), "r.xml"), "projectId": str(project_id), "environmentId": "1"})
        assert r.status_code == status, r.get_json()
        assert r.get_json()["message"]
    assert _events(container) == before
