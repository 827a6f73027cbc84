"""One user cannot reach another user's project or runs through any API family."""

from __future__ import annotations

import gzip
import json

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api
from tests.support.copr import basic

JUNIT = b'<testsuite name="s" tests="1"><testcase classname="c" name="t" time="0.1"/></testsuite>'


@pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")  # runs visible to their readers only
def test_a_stranger_reaches_nothing_of_anothers_project_in_any_family(client: FlaskClient, api: Api) -> None:
    api.register("root")  # the first user is a platform admin; the others are ordinary users
    alice, mallory = api.register("alice"), api.register("mallory")
    alice_token, mallory_token = api.api_token(alice), api.api_token(mallory)

    # coderadar: alice's project is invisible to mallory (404 before any detail leaks), and unchangeable.
    project_id = api.create_project(alice, "secret")
    for path in (f"/api/projects/{project_id}", f"/api/projects/{project_id}/modules",
                 f"/api/projects/{project_id}/filePatterns", f"/api/projects/{project_id}/users",
                 f"/api/projects/{project_id}/history", f"/api/projects/{project_id}/branches",
                 f"/api/projects/{project_id}/commits?branchName=main", f"/api/projects/{project_id}/contributors"):
        r = client.get(path, headers=mallory.headers)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert "secret" not in r.get_data(as_text=True)
    assert all(p["project"]["id"] != project_id if "project" in p else p["id"] != project_id
               for p in client.get("/api/projects", headers=mallory.headers).get_json())
    r = client.post(f"/api/projects/{project_id}", headers=mallory.headers, json={"name": "mine now"})
    assert r.status_code in (403, 404)
    assert client.post(f"/api/projects/{project_id}/users/{mallory.id}", headers=mallory.headers,
                       json={"role": "ADMIN"}).status_code in (403, 404)
    assert client.delete(f"/api/projects/{project_id}", headers=mallory.headers).status_code in (403, 404)
    assert client.get(f"/api/projects/{project_id}", headers=alice.headers).get_json()["name"] == "secret"

    # Projektor and Testery: alice's run is not mallory's to read or cancel.
    body = {"groupedTestSuites": [{"groupName": "Tests", "testSuitesBlob": JUNIT.decode()}],
            "metadata": {"git": {"repoName": "alice/app", "branchName": "main", "isMainBranch": True}}}
    r = client.post("/groupedResults", data=gzip.compress(json.dumps(body).encode()),
                    headers={"X-PROJEKTOR-TOKEN": alice_token, "Content-Encoding": "gzip"},
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200, r.get_json()
    public_id = r.get_json()["id"]
    alice_runs = client.get("/api/test-runs", headers={"Authorization": f"Bearer {alice_token}"}).get_json()
    run_id = alice_runs[0]["id"]
    as_mallory = {"Authorization": f"Bearer {mallory_token}"}
    assert client.get("/api/test-runs", headers=as_mallory).get_json() == []
    assert client.get(f"/api/test-runs/{run_id}", headers=as_mallory).status_code in (403, 404)
    assert client.get(f"/api/test-runs/{run_id}/results", headers=as_mallory).status_code in (403, 404)
    assert client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"},
                        headers=as_mallory).status_code in (403, 404)
    projektor_mallory = {"X-PROJEKTOR-TOKEN": mallory_token}
    for path in (f"/run/{public_id}", f"/run/{public_id}/summary", f"/run/{public_id}/cases/failed"):
        assert client.get(path, headers=projektor_mallory).status_code in (403, 404), path
    assert client.get(f"/api/test-runs/{run_id}", headers={"Authorization": f"Bearer {alice_token}"}
                      ).get_json()["status"] != "CANCELED"

    # Copr: reads are public, but only the owner changes the project or builds in it.
    r = client.post("/api_2/projects", json={"name": "pkg", "chroots": ["fedora-40-x86_64"]},
                    headers=basic("alice", alice_token))
    assert r.status_code == 201, r.get_json()
    copr_id = int(r.headers["Location"].rsplit("/", 1)[1])
    as_mallory_copr = basic("mallory", mallory_token)
    assert client.put(f"/api_2/projects/{copr_id}", json={"description": "pwned"},
                      headers=as_mallory_copr).status_code == 403
    assert client.delete(f"/api_2/projects/{copr_id}", headers=as_mallory_copr).status_code == 403
    r = client.post("/api_2/builds", json={"project_id": copr_id, "srpm_url": "https://example.org/x.src.rpm"},
                    headers=as_mallory_copr)
    assert r.status_code == 403 and "message" in r.get_json()
    # Mallory's token with alice's login is not alice.
    assert client.delete(f"/api_2/projects/{copr_id}", headers=basic("alice", mallory_token)).status_code == 401
    assert client.get(f"/api_2/projects/{copr_id}").get_json()["project"]["description"] != "pwned"
