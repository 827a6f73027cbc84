"""Testery's test runs: multipart upload, the seed's run shape and time format, paging both ways,
buildKey, results, cancel; and one run seen through both APIs."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api, User
from tests.testing.reports import go_reference, grouped_body, junit_xml, publish, published_id

SEED_FIELDS = [
    "id", "name", "testName", "key", "startTime", "endTime", "createTime", "accountId", "projectId", "status",
    "copies", "passCount", "failCount", "ignoredCount", "codeCoverageName", "codeCoverageVersion",
    "codeCoveragePercentage", "codeCoverageTotalStatements", "codeCoverageCoveredStatements", "totalTestingTime",
    "isSchedule", "totalCount", "gitRef", "buildKey", "environment", "statusInfo", "includeTags", "complete",
]
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000$")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(client: FlaskClient, token: str, project_id: int, report: bytes, **fields: str) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(report), "results.xml", "application/xml"),
                            "projectId": str(project_id), "environmentId": "7", **fields}
    return client.post("/api/test-runs-upload", data=data, headers=_bearer(token), content_type="multipart/form-data")


@pytest.fixture
def owner(api: Api) -> tuple[User, str, int]:
    user = api.register("owner")
    project_id = api.create_project(user, name="shop", vcs_url="https://github.com/acme/shop.git",
                                    defaultBranch="main")
    return user, api.api_token(user), project_id


def test_upload_then_get_with_every_field_of_the_seed(client: FlaskClient, owner: tuple[User, str, int]) -> None:
    user, token, project_id = owner
    report = junit_xml(suites=2, per_suite=5, failing={"com.acme.Suite0.test1"}, skipped={"com.acme.Suite1.test4"})
    sha = "abcd4e87d8d928a21a393b0def6ab0c0a21d35a2"
    r = _upload(client, token, project_id, report, branch="main", ref=sha, buildKey="23")
    assert r.status_code == 201, r.get_json()
    assert list(r.get_json()) == ["id"]
    run_id = r.get_json()["id"]
    run = client.get(f"/api/test-runs/{run_id}", headers=_bearer(token)).get_json()
    assert list(run)[: len(SEED_FIELDS)] == SEED_FIELDS
    assert run["id"] == run_id and len(run["key"]) == 12
    assert (run["status"], run["passCount"], run["failCount"], run["ignoredCount"], run["totalCount"]) == (
        "FAIL", 8, 1, 1, 10)
    assert run["totalTestingTime"] == round(2 * sum(0.1 * (n + 1) for n in range(5)) * 1000)
    assert (run["gitRef"], run["buildKey"], run["environment"], run["projectId"], run["accountId"]) == (
        sha, "23", "7", project_id, user.id)
    assert run["name"] == "results.xml" and run["testName"] is None and run["copies"] == 1
    assert run["includeTags"] == [] and run["complete"] is True and run["isSchedule"] is None
    assert run["codeCoveragePercentage"] is None and run["codeCoverageName"] is None
    for field in ("startTime", "endTime", "createTime"):
        assert TIME.match(run[field]), run[field]
    # the same run through Projektor's eyes, by its public id
    summary = client.get(f"/run/{run['key']}/summary", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert (summary["total_test_count"], summary["total_failure_count"]) == (10, 1)


def test_results_of_a_run(client: FlaskClient, owner: tuple[User, str, int]) -> None:
    _, token, project_id = owner
    report = junit_xml(suites=1, per_suite=3, failing={"com.acme.Suite0.test0"}, skipped={"com.acme.Suite0.test2"})
    run_id = _upload(client, token, project_id, report).get_json()["id"]
    results = client.get(f"/api/test-runs/{run_id}/results", headers=_bearer(token)).get_json()
    assert [r["status"] for r in results] == ["FAIL", "PASS", "IGNORED"]
    assert [r["duration"] for r in results] == [100, 200, 300]
    first = results[0]
    assert list(first) == ["status", "duration", "error", "stackTrace", "name", "projectTest"]
    assert first["error"] == "expected 0" and first["stackTrace"].startswith("at com.acme.Suite0.test0")
    assert first["name"] == "test0"
    assert first["projectTest"]["name"] == "com.acme.Suite0.test0"
    assert results[1]["error"] is None and results[1]["stackTrace"] is None
    page = client.get(f"/api/test-runs/{run_id}/results?limit=1&offset=1", headers=_bearer(token)).get_json()
    assert [r["name"] for r in page] == ["test1"]


def test_listing_newest_first_with_page_or_offset_and_build_key(client: FlaskClient,
                                                                owner: tuple[User, str, int]) -> None:
    _, token, project_id = owner
    ids = [_upload(client, token, project_id, junit_xml(), buildKey=f"b{i % 2}").get_json()["id"] for i in range(5)]
    newest_first = list(reversed(ids))

    def listed(query: str) -> list[int]:
        r = client.get(f"/api/test-runs{query}", headers=_bearer(token))
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert isinstance(body, list)
        return [run["id"] for run in body]

    assert listed("") == newest_first
    assert listed("/?page=0&limit=2") == newest_first[:2]
    assert listed("?page=1&limit=2") == newest_first[2:4]
    assert listed("?page=2&limit=2") == newest_first[4:]
    assert listed("?limit=2&offset=1") == newest_first[1:3]
    assert listed("?limit=250&offset=0") == newest_first
    assert listed("?buildKey=b0") == [i for i in newest_first if ids.index(i) % 2 == 0]
    assert listed("?buildKey=nope") == []
    for bad in ("?limit=0", "?page=-1", "?limit=x", "?offset=-5"):
        r = client.get(f"/api/test-runs{bad}", headers=_bearer(token))
        assert r.status_code == 400 and r.get_json()["message"], bad


def test_cancel(client: FlaskClient, api: Api, owner: tuple[User, str, int]) -> None:
    _, token, project_id = owner
    run_id = _upload(client, token, project_id, junit_xml()).get_json()["id"]
    key = client.get(f"/api/test-runs/{run_id}", headers=_bearer(token)).get_json()["key"]
    stranger = api.register("stranger")
    r = client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"}, headers=_bearer(api.api_token(stranger)))
    assert r.status_code == 404 and r.get_json()["message"]
    assert client.patch(f"/api/test-runs/{run_id}", json={"status": "PASS"}, headers=_bearer(token)).status_code == 400
    r = client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"}, headers=_bearer(token))
    assert r.status_code == 200 and r.get_json()["status"] == "CANCELED"
    assert client.get(f"/api/test-runs/{run_id}", headers=_bearer(token)).get_json()["status"] == "CANCELED"
    again = client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"}, headers=_bearer(token))
    assert again.status_code == 200
    # a canceled run takes no more coverage
    r = client.post(f"/run/{key}/coverage", data=go_reference(), headers={"X-PROJEKTOR-TOKEN": token})
    assert r.status_code == 422 and "canceled" in r.get_json()["error_message"]


def test_a_projektor_run_is_a_testery_run(client: FlaskClient, api: Api) -> None:
    user = api.register("publisher")
    token = api.api_token(user)
    sha = "0123456789abcdef0123456789abcdef01234567"
    public_id = published_id(publish(client, token, grouped_body(
        [junit_xml(failing={"com.acme.Suite1.test2"})], [go_reference()], sha=sha, build_key="copr-9")))
    (run,) = client.get("/api/test-runs", headers=_bearer(token)).get_json()
    assert run["key"] == public_id
    assert (run["status"], run["totalCount"], run["failCount"], run["gitRef"], run["buildKey"]) == (
        "FAIL", 6, 1, sha, "copr-9")
    assert (run["codeCoverageName"], run["codeCoveragePercentage"], run["codeCoverageTotalStatements"],
            run["codeCoverageCoveredStatements"]) == ("GO", 50.0, 12, 6)
    assert client.get("/api/test-runs?buildKey=copr-9", headers=_bearer(token)).get_json()[0]["id"] == run["id"]


def test_upload_needs_a_project_role_and_the_fields(client: FlaskClient, api: Api,
                                                    owner: tuple[User, str, int]) -> None:
    user, token, project_id = owner
    outsider = api.register("outsider")
    outsider_token = api.api_token(outsider)
    r = _upload(client, outsider_token, project_id, junit_xml())
    assert r.status_code == 403 and r.get_json()["message"]
    assert _upload(client, token, 999_999, junit_xml()).status_code == 404
    r = client.post("/api/test-runs-upload", data={"file": (io.BytesIO(junit_xml()), "r.xml")},
                    headers=_bearer(token), content_type="multipart/form-data")
    assert r.status_code == 400 and "projectId" in r.get_json()["message"]
    r = client.post("/api/test-runs-upload", data={"projectId": str(project_id), "environmentId": "1"},
                    headers=_bearer(token), content_type="multipart/form-data")
    assert r.status_code == 400 and "file" in r.get_json()["message"]
    assert client.get("/api/test-runs").status_code == 401
    # a member of the project sees the runs uploaded to it; the outsider does not
    member = api.register("member")
    api.set_role(user, project_id, member, "MEMBER")
    run_id = _upload(client, token, project_id, junit_xml()).get_json()["id"]
    assert client.get(f"/api/test-runs/{run_id}", headers=member.headers).status_code == 200
    assert client.get(f"/api/test-runs/{run_id}", headers=_bearer(outsider_token)).status_code == 404
    assert client.get("/api/test-runs", headers=_bearer(outsider_token)).get_json() == []
    # the main branch is the project's default branch
    feature = _upload(client, token, project_id, junit_xml(), branch="feature").get_json()["id"]
    key = client.get(f"/api/test-runs/{feature}", headers=_bearer(token)).get_json()["key"]
    assert client.get(f"/run/{key}/summary", headers=_bearer(token)).status_code == 200
