"""Projektor's read views over several runs: organization coverage, coverage timeline and deltas,
flaky tests, badges, the runs of a commit, and what canceling a run removes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from projections.testing import queries
from projections.testing.queries import Viewer
from tests.support.api import Api, User
from tests.testing.reports import (
    cobertura_reference,
    go_reference,
    grouped_body,
    jacoco_reference,
    junit_xml,
    publish,
    published_id,
)


def _setup(api: Api) -> tuple[User, str, dict[str, str]]:
    user = api.register("publisher")
    token = api.api_token(user)
    return user, token, {"X-PROJEKTOR-TOKEN": token}


def test_organization_coverage_newest_main_branch_run_per_repository_and_project(
    client: FlaskClient, api: Api
) -> None:
    _, token, headers = _setup(api)
    published_id(publish(client, token, grouped_body(coverage=[go_reference()], repo="acme/shop")))
    shop = published_id(publish(client, token, grouped_body(coverage=[jacoco_reference()], repo="acme/shop")))
    published_id(publish(client, token, grouped_body(coverage=[go_reference()], repo="acme/shop", branch="dev",
                                                     main=False)))
    ui = published_id(publish(client, token, grouped_body(coverage=[cobertura_reference()], repo="acme/shop",
                                                          project="ui")))
    api_repo = published_id(publish(client, token, grouped_body(coverage=[go_reference()], repo="acme/api")))
    published_id(publish(client, token, grouped_body(coverage=[go_reference()], repo="other/thing")))
    published_id(publish(client, token, grouped_body([junit_xml()], repo="acme/tests-only")))
    r = client.get("/api/v1/org/acme/coverage/current", headers=headers)
    assert r.status_code == 200
    repositories = r.get_json()["repositories"]
    assert [(e["repo"], e["project"], e["id"], e["covered_percentage"]) for e in repositories] == [
        ("acme/api", None, api_repo, 50.0), ("acme/shop", None, shop, 97.44), ("acme/shop", "ui", ui, 98.72)]
    assert all(list(e) == ["id", "created_timestamp", "covered_percentage", "repo", "project", "branch"]
               for e in repositories)
    assert client.get("/api/v1/org/nobody/coverage/current", headers=headers).status_code == 204
    assert client.get("/api/v1/repo/acme/nothing/coverage/current", headers=headers).status_code == 204


def test_coverage_timeline_and_deltas(client: FlaskClient, api: Api) -> None:
    _, token, headers = _setup(api)
    first = published_id(publish(client, token, grouped_body(coverage=[go_reference()])))
    branch = published_id(publish(client, token, grouped_body(coverage=[cobertura_reference()], branch="x",
                                                              main=False)))
    second = published_id(publish(client, token, grouped_body(coverage=[jacoco_reference()])))
    coverage = client.get(f"/run/{second}/coverage", headers=headers).get_json()
    assert coverage["previous_test_run_id"] == first
    line = coverage["overall_stats"]["line_stat"]
    assert (line["covered_percentage"], line["covered_percentage_delta"]) == (97.44, 47.44)
    assert [g["name"] for g in coverage["groups"]] == ["generated"]  # the JaCoCo report's name
    timeline = client.get("/repo/acme/shop/coverage/timeline", headers=headers).get_json()["timeline_entries"]
    assert [(e["public_id"], e["coverage_stats"]["line_stat"]["covered_percentage"]) for e in timeline] == [
        (first, 50.0), (second, 97.44)]
    everything = client.get("/repo/acme/shop/coverage/timeline?branch=ALL", headers=headers).get_json()
    assert [e["public_id"] for e in everything["timeline_entries"]] == [first, branch, second]
    assert client.get("/repo/acme/none/coverage/timeline", headers=headers).status_code == 204
    overall = client.get(f"/run/{second}/coverage/overall", headers=headers).get_json()
    assert overall["line_stat"]["covered"] == 953
    assert client.get(f"/run/{second}/coverage/exists", headers=headers).get_json() == {"exists": True}


def test_flaky_tests(client: FlaskClient, api: Api) -> None:
    _, token, headers = _setup(api)
    flaky, steady = "com.acme.Suite0.test1", "com.acme.Suite1.test0"
    ids = []
    for n in range(6):
        failing = {flaky} if n % 2 == 0 else set()
        if n >= 3:
            failing.add(steady)
        ids.append(published_id(publish(client, token, grouped_body([junit_xml(failing=failing)]))))
    r = client.get("/repo/acme/shop/tests/flaky?threshold=3&max_runs=10", headers=headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["max_runs"], body["failure_count_threshold"]) == (10, 3)
    assert [(t["test_case"]["full_name"], t["failure_count"], t["failure_percentage"]) for t in body["tests"]] == [
        (flaky, 3, 50.0), (steady, 3, 50.0)]
    entry = body["tests"][0]
    assert entry["first_test_case"]["public_id"] == ids[0]
    assert entry["latest_test_case"]["public_id"] == ids[4]
    assert entry["test_case"]["failure"]["failure_message"] == "expected 1"
    # only the newest runs count
    newest = client.get("/repo/acme/shop/tests/flaky?threshold=2&max_runs=3", headers=headers).get_json()
    assert [(t["test_case"]["full_name"], t["failure_count"], t["failure_percentage"])
            for t in newest["tests"]] == [(steady, 3, 100.0)]
    assert client.get("/repo/acme/shop/tests/flaky?threshold=4", headers=headers).status_code == 204
    assert client.get("/api/v1/repo/acme/shop/tests/flaky?threshold=3", headers=headers).status_code == 200
    assert client.get("/repo/acme/shop/tests/flaky?threshold=0", headers=headers).status_code == 400


def test_badges(client: FlaskClient, api: Api) -> None:
    _, token, headers = _setup(api)
    assert client.get("/repo/acme/shop/badge/coverage", headers=headers).status_code == 404
    assert client.get("/repo/acme/shop/badge/coverage").status_code == 404  # public reads: anonymous too
    public_id = published_id(publish(client, token, grouped_body(
        [junit_xml(failing={"com.acme.Suite0.test0"})], [jacoco_reference()])))
    r = client.get("/repo/acme/shop/badge/coverage", headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    svg = ET.fromstring(r.data)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert "coverage: 97%" in r.get_data(as_text=True) and "#4c1" in r.get_data(as_text=True)
    tests = client.get("/repo/acme/shop/badge/tests", headers=headers)
    assert tests.status_code == 200 and "failing" in tests.get_data(as_text=True)
    ET.fromstring(tests.data)
    published_id(publish(client, token, grouped_body([junit_xml()], [go_reference()])))
    assert "passing" in client.get("/repo/acme/shop/badge/tests", headers=headers).get_data(as_text=True)
    low = client.get("/repo/acme/shop/badge/coverage", headers=headers).get_data(as_text=True)
    assert "coverage: 50%" in low and "#e05d44" in low
    assert "97%" in client.get(f"/run/{public_id}/badge/coverage", headers=headers).get_data(as_text=True)
    assert "97%" in client.get(f"/run/{public_id}/badge/coverage").get_data(as_text=True)  # as GitHub's proxy asks


def test_canceled_runs_leave_current_coverage_and_statistics(client: FlaskClient, api: Api) -> None:
    _, token, headers = _setup(api)
    first = published_id(publish(client, token, grouped_body(coverage=[go_reference()])))
    second = published_id(publish(client, token, grouped_body(coverage=[jacoco_reference()])))
    run_id = client.get("/api/test-runs?limit=1", headers=headers).get_json()[0]["id"]
    assert client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"}, headers=headers).status_code == 200
    current = client.get("/api/v1/repo/acme/shop/coverage/current", headers=headers).get_json()
    assert current["id"] == first != second


def test_runs_of_a_commit(client: FlaskClient, api: Api, container: Container) -> None:
    user, token, _ = _setup(api)
    sha = "ABCDEF0123456789abcdef0123456789abcdef01"
    linked = published_id(publish(client, token, grouped_body([junit_xml()], sha=sha)))
    published_id(publish(client, token, grouped_body([junit_xml()], sha="1" * 40)))
    runs = queries.runs_of_commit(container.store, sha.lower(), Viewer(user.id))
    assert [r["public_id"] for r in runs] == [linked]
    assert [r["public_id"] for r in queries.runs_of_commit(container.store, sha[:10])] == [linked]
    assert queries.runs_of_commit(container.store, sha, Viewer(user.id + 1000)) == []


@pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")  # runs visible to their readers only
def test_a_projektor_run_names_the_publishers_project_of_its_repository(client: FlaskClient, api: Api) -> None:
    owner, token, headers = _setup(api)
    project_id = api.create_project(owner, name="shop", vcs_url="git@github.com:acme/shop.git")
    member = api.register("member")
    api.set_role(owner, project_id, member, "MEMBER")
    public_id = published_id(publish(client, token, grouped_body([junit_xml()])))
    run = client.get("/api/test-runs", headers=headers).get_json()[0]
    assert run["projectId"] == project_id and run["key"] == public_id
    assert client.get(f"/run/{public_id}", headers=member.headers).status_code == 200
    unrelated = published_id(publish(client, token, grouped_body([junit_xml()], repo="acme/elsewhere")))
    assert client.get(f"/run/{unrelated}", headers=member.headers).status_code == 404
