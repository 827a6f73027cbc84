"""Attachments, performance results, code quality, messages, pins, previous/latest runs and
processing failures through the Projektor API (both backends), and a rebuild that equals the live
read models."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from tests.support.api import Api
from tests.support.databases import server_env
from tests.support.readmodels import dump
from tests.testing.k6 import expected_figures, k6_file, k6_summary
from tests.testing.reports import go_reference, grouped_body, junit_xml, publish, published_id

MAX_FILE = 64 * 1024
MAX_RUN = 150 * 1024


@pytest.fixture
def env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_ATTACHMENT_MAX_BYTES=str(MAX_FILE),
                      CODEANNALS_ATTACHMENT_MAX_RUN_BYTES=str(MAX_RUN),
                      CODEANNALS_PROJEKTOR_MESSAGES="Maintenance tonight|Be nice")


def _setup(api: Api) -> tuple[str, dict[str, str]]:
    user = api.register("publisher")
    token = api.api_token(user)
    return token, {"X-PROJEKTOR-TOKEN": token}


def test_attachments_upload_list_download_limits_and_names(client: FlaskClient, api: Api,
                                                           container: Container) -> None:
    token, headers = _setup(api)
    run = published_id(publish(client, token, grouped_body([junit_xml()])))
    image = os.urandom(40_000)
    text = b"line one\nline two\n" * 100
    r = client.post(f"/run/{run}/attachments/screen shot (failed).png", data=image, headers=headers,
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"name": "screen shot (failed).png", "file_name": "screen shot (failed).png",
                            "error": None}
    assert client.post(f"/run/{run}/attachments/output.log", data=text, headers=headers).status_code == 200

    listed = client.get(f"/run/{run}/attachments", headers=headers).get_json()["attachments"]
    assert [(a["file_name"], a["file_size"], a["attachment_type"], a["content_type"]) for a in listed] == [
        ("output.log", len(text), "OTHER", "text/plain"),
        ("screen shot (failed).png", len(image), "IMAGE", "image/png")]
    assert listed[1]["object_name"] == f"{run}-screen shot (failed).png"
    assert listed[1]["sha256"] == hashlib.sha256(image).hexdigest()
    got = client.get(f"/run/{run}/attachments/screen shot (failed).png", headers=headers)
    assert got.status_code == 200 and got.data == image and got.mimetype == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    got = client.get(f"/run/{run}/attachments/output.log", headers=headers)
    assert got.data == text and got.mimetype == "text/plain"

    # the events record name, size, hash and actor, never the bytes
    events = client.get("/api/audit/events?type=TestRun.AttachmentAdded", headers=api.login("publisher").headers)
    assert events.status_code == 200, events.get_json()
    payloads = [e["payload"] for e in events.get_json()]
    assert sorted(p["name"] for p in payloads) == ["output.log", "screen shot (failed).png"]
    assert all(set(p) == {"name", "blob", "size", "sha256", "content_type", "replaced_blob", "actor"}
               for p in payloads)

    # over the limit per file: refused with a message, nothing kept
    r = client.post(f"/run/{run}/attachments/video.mp4", data=b"x" * (MAX_FILE + 1), headers=headers)
    assert r.status_code == 413
    body = r.get_json()
    assert body["error"] == "ATTACHMENT_TOO_LARGE" and str(MAX_FILE) in body["error_message"]
    # over the limit per run (the run holds 41,800 bytes; two more of 60,000 reach 161,800 > 150 KiB)
    assert client.post(f"/run/{run}/attachments/a.bin", data=b"a" * 60_000, headers=headers).status_code == 200
    r = client.post(f"/run/{run}/attachments/b.bin", data=b"b" * 60_000, headers=headers)
    assert r.status_code == 413 and "per run" in r.get_json()["error_message"]
    # an empty file is an attachment too
    assert client.post(f"/run/{run}/attachments/empty.txt", data=b"", headers=headers).status_code == 200
    got = client.get(f"/run/{run}/attachments/empty.txt", headers=headers)
    assert got.status_code == 200 and got.data == b""
    # the same name again replaces (and frees the old bytes)
    assert client.post(f"/run/{run}/attachments/a.bin", data=b"c" * 10, headers=headers).status_code == 200
    assert client.get(f"/run/{run}/attachments/a.bin", headers=headers).data == b"c" * 10

    # names that are paths are refused
    for name in ("..", "../../etc/passwd", "..%2F..%2Fsecret", "dir/file.txt", "%2e%2e"):
        r = client.post(f"/run/{run}/attachments/{name}", data=b"evil", headers=headers)
        assert r.status_code in (400, 404), (name, r.status_code)
        if r.status_code == 400:
            assert r.get_json()["error"] == "ATTACHMENT_FAILED" and r.get_json()["error_message"]
    assert client.post(f"/run/{run}/attachments/..%2F..%2Fsecret", data=b"evil",
                       headers=headers).status_code == 400
    names = [a["file_name"] for a in client.get(f"/run/{run}/attachments", headers=headers).get_json()["attachments"]]
    assert names == ["a.bin", "empty.txt", "output.log", "screen shot (failed).png"]

    # strangers read them while test results are public (the default), but add none; no token, no upload
    stranger = api.api_token(api.register("stranger"))
    assert client.get(f"/run/{run}/attachments/output.log", headers={"X-PROJEKTOR-TOKEN": stranger}).status_code == 200
    assert client.get(f"/run/{run}/attachments/output.log").status_code == 200
    assert client.post(f"/run/{run}/attachments/x.txt", data=b"x",
                       headers={"X-PROJEKTOR-TOKEN": stranger}).status_code == 404
    assert client.post(f"/run/{run}/attachments/x.txt", data=b"x").status_code == 401
    assert client.get(f"/run/{run}/attachments/missing.txt", headers=headers).status_code == 404

    # on disk / in the database: exactly the three kept blobs
    if container.settings.backend == "sqlite":
        files = [p for p in (container.settings.data_dir / "blobs").rglob("*") if p.is_file()]
        assert sorted(p.stat().st_size for p in files) == sorted([0, 10, len(text), len(image)])
    else:
        assert container.store.scalar("SELECT COUNT(DISTINCT blob_key) AS n FROM blob_chunks") == 4

    live = dump(container.runner, ["testing", "testing_extras"])
    container.runner.rebuild(["testing", "testing_extras"])
    assert dump(container.runner, ["testing", "testing_extras"]) == live


def test_performance_quality_messages_pins_previous_and_latest(client: FlaskClient, api: Api,
                                                               container: Container) -> None:
    token, headers = _setup(api)
    first_k6, second_k6 = k6_summary(), k6_summary(iterations=900, rate=29.5, avg=15.25, maximum=300.0, p95=31.5)
    quality = [{"contents": "src/a.py:1: E501 line too long", "fileName": "flake8.txt", "groupName": "lint"}]
    first = published_id(publish(client, token, grouped_body(
        [junit_xml()], [go_reference()], performanceResults=[{"name": "getRun.json", "resultsBlob": k6_file(first_k6)},
                                                             {"name": "broken.json", "resultsBlob": "not json"}],
        codeQualityFiles=quality)))
    r = client.get(f"/run/{first}/performance", headers=headers)
    assert r.status_code == 200
    assert r.get_json() == {"results": [expected_figures("getRun.json", first_k6)]}
    assert client.get(f"/run/{first}/quality", headers=headers).get_json() == {"reports": [
        {"idx": 1, "contents": "src/a.py:1: E501 line too long", "file_name": "flake8.txt", "group_name": "lint"}]}
    messages = client.get(f"/run/{first}/messages", headers=headers).get_json()["messages"]
    assert messages[:2] == ["Maintenance tonight", "Be nice"]
    assert len(messages) == 3 and "broken.json" in messages[2]

    # performance only: a run of its own
    second = published_id(publish(client, token, grouped_body(
        performanceResults=[{"name": "getRun.json", "resultsBlob": k6_file(second_k6)}])))
    assert client.get(f"/run/{second}/quality", headers=headers).status_code == 204
    timeline = client.get("/repo/acme/shop/performance/timeline", headers=headers).get_json()
    (test,) = timeline["test_timelines"]
    assert test["name"] == "getRun.json"
    assert [(e["public_id"], e["performance_result"]) for e in test["entries"]] == [
        (first, expected_figures("getRun.json", first_k6)), (second, expected_figures("getRun.json", second_k6))]
    assert client.get("/repo/acme/other/performance/timeline", headers=headers).status_code == 204

    # previous main-branch run with coverage; latest run
    assert client.get(f"/run/{second}/previous", headers=headers).get_json() == {"id": first}
    assert client.get(f"/run/{first}/previous", headers=headers).status_code == 204
    latest = client.get("/repo/acme/shop/run/latest", headers=headers)
    assert latest.status_code == 302 and latest.headers["Location"] == f"/tests/{second}"
    assert client.get("/repo/acme/nothing/run/latest", headers=headers).status_code == 204
    proj = published_id(publish(client, token, grouped_body([junit_xml()], project="api")))
    r = client.get("/repo/acme/shop/project/api/run/latest", headers=headers)
    assert r.headers["Location"] == f"/tests/{proj}"

    # pins
    assert client.get(f"/run/{first}/attributes", headers=headers).get_json() == {"pinned": False}
    assert client.post(f"/run/{first}/attributes/pin", headers=headers).status_code == 200
    assert client.get(f"/run/{first}/attributes", headers=headers).get_json() == {"pinned": True}
    stranger = api.api_token(api.register("stranger"))
    assert client.post(f"/run/{first}/attributes/unpin", headers={"X-PROJEKTOR-TOKEN": stranger}).status_code == 404
    assert client.post(f"/run/{second}/attributes/pin", headers=headers).status_code == 200
    assert client.post(f"/run/{second}/attributes/unpin", headers=headers).status_code == 200
    assert client.get(f"/run/{second}/attributes", headers=headers).get_json() == {"pinned": False}
    assert client.post("/run/NOSUCHRUN123/attributes/pin", headers=headers).status_code == 404

    live = dump(container.runner, ["testing", "testing_extras"])
    container.runner.rebuild(["testing", "testing_extras"])
    assert dump(container.runner, ["testing", "testing_extras"]) == live


def test_processing_status_and_recent_failures(client: FlaskClient, api: Api) -> None:
    admin = api.register("admin")  # the first user is a platform admin
    token, headers = _setup(api)
    ok = published_id(publish(client, token, grouped_body([junit_xml()])))
    status = client.get(f"/results/{ok}/status", headers=headers).get_json()
    assert (status["id"], status["status"], status["error_message"]) == (ok, "SUCCESS", None)

    bad = publish(client, token, {"groupedTestSuites": [{"testSuitesBlob": "<testsuite><oops"}]})
    assert bad.status_code == 400
    failed_id = bad.get_json()["id"]
    status = client.get(f"/results/{failed_id}/status", headers=headers).get_json()
    assert status["status"] == "ERROR" and status["error_message"] == bad.get_json()["error_message"]
    r = client.post("/results", data=b"this is not xml", headers=headers)
    assert r.status_code == 400

    assert client.get("/failures/recent", headers=headers).status_code == 403
    recent = client.get("/failures/recent?count=5", headers=admin.headers)
    assert recent.status_code == 200
    failures = recent.get_json()
    assert [f["id"] for f in failures] == [r.get_json()["id"], failed_id]
    assert failures[0]["body"] == "this is not xml" and failures[0]["body_type"] == "TEST_RESULTS"
    assert json.loads(failures[1]["body"]) == {"groupedTestSuites": [{"testSuitesBlob": "<testsuite><oops"}]}
    assert client.get("/results/AAAAAAAAAAAA/status", headers=headers).status_code == 404
