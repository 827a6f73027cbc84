"""Publishing through Projektor's endpoints: what projektor-publish sends (gzipped JSON with a form
Content-Type, or plain JSON), raw JUnit blobs and raw coverage reports, with reports written by the
tools themselves and the reference values of Projektor's own tests."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import Api, User
from tests.testing.reports import (
    cobertura_reference,
    coverage_py,
    go_reference,
    grouped_body,
    jacoco_reference,
    junit_xml,
    publish,
    published_id,
    pytest_junit,
)


@pytest.fixture(scope="module")
def pytest_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return pytest_junit(tmp_path_factory.mktemp("pytest-run"))


@pytest.fixture(scope="module")
def coverage_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return coverage_py(tmp_path_factory.mktemp("coverage-py"), branch=True)


def _publisher(api: Api) -> tuple[User, str]:
    user = api.register("publisher")
    return user, api.api_token(user)


def _current(client: FlaskClient, token: str, repo: str = "acme/shop", **query: str) -> Any:
    r = client.get(f"/api/v1/repo/{repo}/coverage/current", query_string=query, headers={"X-PROJEKTOR-TOKEN": token})
    assert r.status_code in (200, 204), r.get_json()
    return r.get_json() if r.status_code == 200 else None


@pytest.mark.parametrize("compress", [True, False], ids=["gzip-form-content-type", "plain-json"])
def test_grouped_results_from_pytest_and_coverage_py(client: FlaskClient, api: Api, pytest_report: bytes,
                                                     coverage_reports: dict[str, Any], compress: bool) -> None:
    _, token = _publisher(api)
    sha = "abcd4e87d8d928a21a393b0def6ab0c0a21d35a2"
    r = publish(client, token, grouped_body([pytest_report], [coverage_reports["xml"]], sha=sha, wall_clock=12.5),
                compress=compress)
    public_id = published_id(r)
    assert len(public_id) == 12 and public_id.isalnum() and public_id.upper() == public_id
    summary = client.get(f"/run/{public_id}/summary", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert summary["id"] == public_id
    assert (summary["total_test_count"], summary["total_passing_count"], summary["total_skipped_count"],
            summary["total_failure_count"], summary["passed"]) == (11, 5, 3, 3, False)
    assert summary["wall_clock_duration"] == 12.5
    totals = coverage_reports["json"]["totals"]
    current = _current(client, token)
    expected = round(totals["covered_lines"] * 100 / totals["num_statements"] + 1e-9, 2)
    assert current == {"id": public_id, "created_timestamp": summary["created_timestamp"],
                       "covered_percentage": expected, "repo": "acme/shop", "project": None, "branch": "main"}
    assert list(current) == ["id", "created_timestamp", "covered_percentage", "repo", "project", "branch"]
    assert current["created_timestamp"].endswith("Z")


@pytest.mark.parametrize(("report", "percent"), [
    (jacoco_reference, 97.44), (cobertura_reference, 98.72), (go_reference, 50.0),
], ids=["jacoco", "cobertura", "go"])
def test_reference_percentages(client: FlaskClient, api: Api, report: Any, percent: float) -> None:
    _, token = _publisher(api)
    public_id = published_id(publish(client, token, grouped_body(coverage=[report()])))
    assert _current(client, token)["covered_percentage"] == percent
    coverage = client.get(f"/run/{public_id}/coverage", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert coverage["overall_stats"]["line_stat"]["covered_percentage"] == percent
    assert coverage["previous_test_run_id"] is None


def test_lcov_and_clover_through_the_coverage_endpoint(client: FlaskClient, api: Api,
                                                       coverage_reports: dict[str, Any]) -> None:
    _, token = _publisher(api)
    headers = {"X-PROJEKTOR-TOKEN": token}
    public_id = published_id(publish(client, token, grouped_body([junit_xml()])))
    assert client.get(f"/run/{public_id}/coverage", headers=headers).status_code == 204
    assert _current(client, token) is None  # no coverage yet: 204
    r = client.post(f"/run/{public_id}/coverage", data=coverage_reports["lcov"], headers=headers,
                    content_type="text/plain")
    assert r.status_code == 200, r.get_json()
    clover = (Path(__file__).parent / "fixtures" / "clover-istanbul.xml").read_bytes()
    r = client.post(f"/run/{public_id}/coverage", data=gzip.compress(clover),
                    headers={**headers, "Content-Encoding": "gzip"}, content_type="application/xml")
    assert r.status_code == 200, r.get_json()
    coverage = client.get(f"/run/{public_id}/coverage", headers=headers).get_json()
    totals = coverage_reports["json"]["totals"]
    lcov_group, clover_group = coverage["groups"]
    assert lcov_group["name"] == "LCOV" and clover_group["name"] == "All files"
    assert lcov_group["stats"]["line_stat"]["covered"] == totals["covered_lines"]
    assert lcov_group["stats"]["line_stat"]["missed"] == totals["missing_lines"]
    assert lcov_group["stats"]["branch_stat"]["covered"] == totals["covered_branches"]
    assert clover_group["stats"]["line_stat"]["covered"] == 10 and clover_group["stats"]["line_stat"]["missed"] == 3
    overall = coverage["overall_stats"]["line_stat"]
    assert overall["covered"] == totals["covered_lines"] + 10
    assert overall["missed"] == totals["missing_lines"] + 3
    assert overall["total"] == overall["covered"] + overall["missed"]
    files = client.get(f"/run/{public_id}/coverage/LCOV/files", headers=headers).get_json()["files"]
    truth = coverage_reports["json"]["files"]
    assert {f["file_path"] for f in files} == set(truth)
    for f in files:
        facts = truth[f["file_path"]]
        assert f["missed_lines"] == facts["missing_lines"]
        assert f["stats"]["line_stat"]["covered"] == facts["summary"]["covered_lines"]
        assert f["file_name"] == Path(f["file_path"]).name
    assert client.get(f"/run/{public_id}/coverage/nope/files", headers=headers).status_code == 204


def test_coverage_base_directory_comes_after_the_report(client: FlaskClient, api: Api) -> None:
    _, token = _publisher(api)
    public_id = published_id(publish(client, token, grouped_body(coverage=[cobertura_reference()],
                                                                   base_directory="services/api")))
    files = client.get(f"/run/{public_id}/coverage/COBERTURA/files", headers={"X-PROJEKTOR-TOKEN": token})
    assert files.status_code == 200, files.get_json()
    assert [f["file_path"] for f in files.get_json()["files"]] == [
        "services/api/app/a.py", "services/api/app/b.py", "services/api/app/c/d.py"]


def test_results_endpoint_takes_a_raw_blob_of_several_documents(client: FlaskClient, api: Api,
                                                                 pytest_report: bytes) -> None:
    _, token = _publisher(api)
    blob = pytest_report + b"\n" + junit_xml(suites=2, per_suite=4, failing={"com.acme.Suite1.test2"})
    r = client.post("/results", data=blob, headers={"X-PROJEKTOR-TOKEN": token}, content_type="text/plain")
    public_id = published_id(r)
    run = client.get(f"/run/{public_id}", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert run["summary"]["total_test_count"] == 11 + 8
    assert run["summary"]["total_failure_count"] == 3 + 1
    assert [s["class_name"] for s in run["test_suites"]] == ["generated", "com.acme.Suite0", "com.acme.Suite1"]
    assert [s["idx"] for s in run["test_suites"]] == [1, 2, 3]
    page = client.get(f"/tests/{public_id}")  # the uri publishing answers
    assert page.status_code == 302 and page.headers["Location"] == f"/run/{public_id}"
    status = client.get(f"/results/{public_id}/status", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert status["id"] == public_id and status["status"] == "SUCCESS" and status["error_message"] is None


def test_same_group_and_repository_append_to_one_run(client: FlaskClient, api: Api) -> None:
    _, token = _publisher(api)
    headers = {"X-PROJEKTOR-TOKEN": token}
    first = published_id(publish(client, token, grouped_body([junit_xml(prefix="unit")], group="build-42")))
    second = published_id(publish(client, token, grouped_body(
        [junit_xml(prefix="integration", failing={"integration.Suite0.test1"})], [go_reference()], group="build-42")))
    assert second == first
    other_repo = published_id(publish(client, token, grouped_body([junit_xml()], repo="acme/other", group="build-42")))
    other_group = published_id(publish(client, token, grouped_body([junit_xml()], group="build-43")))
    assert len({first, other_repo, other_group}) == 3
    summary = client.get(f"/run/{first}/summary", headers=headers).get_json()
    assert summary["total_test_count"] == 12 and summary["total_failure_count"] == 1
    suites = client.get(f"/run/{first}", headers=headers).get_json()["test_suites"]
    assert [s["idx"] for s in suites] == [1, 2, 3, 4]
    failed = client.get(f"/run/{first}/cases/failed", headers=headers).get_json()
    assert [c["full_name"] for c in failed] == ["integration.Suite0.test1"]
    assert failed[0]["test_suite_idx"] == 3 and failed[0]["idx"] == 2
    assert failed[0]["failure"]["failure_message"] == "expected 1"
    # another publisher's upload with the same repository and group is a run of its own
    stranger = api.register("stranger")
    theirs = published_id(publish(client, api.api_token(stranger), grouped_body([junit_xml()], group="build-42")))
    assert theirs != first


def test_metadata_as_the_client_sends_it(client: FlaskClient, api: Api) -> None:
    """isMainBranch may be null, missing or an empty string; unknown fields are ignored."""
    _, token = _publisher(api)
    cov = [go_reference()]
    published_id(publish(client, token, grouped_body(coverage=cov, branch="feature/x", main=None, futureField=1)))
    published_id(publish(client, token, grouped_body(coverage=cov, branch=None, main="")))
    assert _current(client, token) is None  # neither is on the main branch
    assert _current(client, token, branch="feature/x")["branch"] == "feature/x"
    main = published_id(publish(client, token, grouped_body(coverage=cov, project="ui")))
    assert _current(client, token) is None  # project runs are not the repository's own
    assert _current(client, token, project="ui")["id"] == main
    assert _current(client, token, project="ui")["project"] == "ui"


def test_publishing_needs_a_valid_token(client: FlaskClient, api: Api) -> None:
    body = grouped_body([junit_xml()])
    r = publish(client, "cat_not-a-token", body)
    assert r.status_code == 401 and r.get_json()["error_message"]
    r = client.post("/groupedResults", json=body)
    assert r.status_code == 401 and "error_message" in r.get_json()
    user = api.register("jwt-user")
    r = client.post("/groupedResults", json=body, headers=user.headers)  # a coderadar JWT works too
    assert r.status_code == 200


@pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")  # runs visible to their readers only
def test_reads_need_credentials_and_show_only_visible_runs(client: FlaskClient, api: Api) -> None:
    admin = api.register("admin")  # the first user is a platform admin
    alice, bob = api.register("alice"), api.register("bob")
    alice_token, bob_token = api.api_token(alice), api.api_token(bob)
    public_id = published_id(publish(client, alice_token, grouped_body([junit_xml()], [go_reference()])))
    assert client.get(f"/run/{public_id}").status_code == 401
    assert client.get(f"/run/{public_id}", headers={"X-PROJEKTOR-TOKEN": bob_token}).status_code == 404
    assert client.get(f"/run/{public_id}", headers=admin.headers).status_code == 200
    assert client.get(f"/run/{public_id}", headers={"Authorization": f"Bearer {alice_token}"}).status_code == 200
    assert _current(client, bob_token) is None
    assert _current(client, alice_token)["id"] == public_id
    # only the publisher (or a platform admin) may add coverage
    r = client.post(f"/run/{public_id}/coverage", data=go_reference(), headers={"X-PROJEKTOR-TOKEN": bob_token})
    assert r.status_code == 404 and r.get_json()["error_message"]
    assert client.get("/run/NOSUCHRUN123", headers=alice.headers).status_code == 404
    assert client.get("/run/lower-case", headers=alice.headers).get_json()["error_message"]


def test_concurrent_uploads_of_one_group_end_in_one_run(app: Flask, api: Api) -> None:
    _, token = _publisher(api)
    answers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def upload(n: int) -> None:
        try:
            start.wait(30)
            r = publish(app.test_client(), token, grouped_body([junit_xml(prefix=f"shard{n}")], group="build-7"))
            answers.append(published_id(r))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(set(answers)) == 1 and len(answers) == 4
    summary = app.test_client().get(f"/run/{answers[0]}/summary", headers={"X-PROJEKTOR-TOKEN": token}).get_json()
    assert summary["total_test_count"] == 4 * 6
