"""Projektor's reads are public by default, as in Projektor (``CODEANNALS_PUBLIC_TEST_RESULTS``):
every Projektor read endpoint and badge answers without credentials and shows every run to anyone;
with the setting off each one is a 401 without credentials. Testery stays token-only and publishing
always needs a token, in both modes."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from interfaces.http.errors import family_of
from tests.support.api import Api
from tests.testing.reports import go_reference, grouped_body, jacoco_reference, junit_xml, publish, published_id

PRIVATE = pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")
BOTH_MODES = pytest.mark.parametrize("public", [pytest.param(True, id="public"), pytest.param(False, id="private",
                                                                                           marks=PRIVATE)])


def _published(client: FlaskClient, api: Api) -> tuple[str, dict[str, str], str]:
    owner = api.register("publisher")
    token = api.api_token(owner)
    run = published_id(publish(client, token, grouped_body([junit_xml(failing={"com.acme.Suite0.test0"})],
                                                           [jacoco_reference()])))
    published_id(publish(client, token, grouped_body([junit_xml()], [go_reference()], project="ui")))
    return run, {"X-PROJEKTOR-TOKEN": token}, token


def _reads(client: FlaskClient, run: str, headers: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Every Projektor read of the OpenAPI document -> (a URL of it for the published runs, the status
    its reader gets)."""
    group = client.get(f"/run/{run}/coverage", headers=headers).get_json()["groups"][0]["name"]
    repo, project = "/repo/{org}/{repo}", "/repo/{org}/{repo}/project/{project}"
    return {
        "/run/{public_id}": (f"/run/{run}", 200),
        "/run/{public_id}/summary": (f"/run/{run}/summary", 200),
        "/run/{public_id}/cases/failed": (f"/run/{run}/cases/failed", 200),
        "/run/{public_id}/cases/slow": (f"/run/{run}/cases/slow", 200),
        "/results/{public_id}/status": (f"/results/{run}/status", 200),
        "/tests/{public_id}": (f"/tests/{run}", 302),
        "/run/{public_id}/coverage": (f"/run/{run}/coverage", 200),
        "/run/{public_id}/coverage/overall": (f"/run/{run}/coverage/overall", 200),
        "/run/{public_id}/coverage/exists": (f"/run/{run}/coverage/exists", 200),
        "/run/{public_id}/coverage/{group}/files": (f"/run/{run}/coverage/{group}/files", 200),
        "/api/v1/repo/{org}/{repo}/coverage/current": ("/api/v1/repo/acme/shop/coverage/current", 200),
        f"{repo}/coverage/current": ("/repo/acme/shop/coverage/current", 200),
        f"{project}/coverage/current": ("/repo/acme/shop/project/ui/coverage/current", 200),
        "/api/v1/org/{org}/coverage/current": ("/api/v1/org/acme/coverage/current", 200),
        f"{repo}/coverage/timeline": ("/repo/acme/shop/coverage/timeline", 200),
        f"{project}/coverage/timeline": ("/repo/acme/shop/project/ui/coverage/timeline", 200),
        f"{repo}/tests/flaky": ("/repo/acme/shop/tests/flaky?threshold=1", 200),
        f"{project}/tests/flaky": ("/repo/acme/shop/project/ui/tests/flaky?threshold=1", 204),  # ui never failed
        "/api/v1/repo/{org}/{repo}/tests/flaky": ("/api/v1/repo/acme/shop/tests/flaky?threshold=1", 200),
        f"{repo}/badge/coverage": ("/repo/acme/shop/badge/coverage", 200),
        f"{project}/badge/coverage": ("/repo/acme/shop/project/ui/badge/coverage", 200),
        f"{repo}/badge/tests": ("/repo/acme/shop/badge/tests", 200),
        f"{project}/badge/tests": ("/repo/acme/shop/project/ui/badge/tests", 200),
        "/run/{public_id}/badge/coverage": (f"/run/{run}/badge/coverage", 200),
        "/run/{public_id}/badge/tests": (f"/run/{run}/badge/tests", 200),
        "/run/{public_id}/attachments": (f"/run/{run}/attachments", 200),
        "/run/{public_id}/attachments/{name}": (f"/run/{run}/attachments/none.txt", 404),
        "/run/{public_id}/performance": (f"/run/{run}/performance", 204),
        "/run/{public_id}/quality": (f"/run/{run}/quality", 204),
        "/run/{public_id}/messages": (f"/run/{run}/messages", 200),
        "/run/{public_id}/attributes": (f"/run/{run}/attributes", 200),
        "/run/{public_id}/previous": (f"/run/{run}/previous", 204),
        f"{repo}/performance/timeline": ("/repo/acme/shop/performance/timeline", 204),
        f"{project}/performance/timeline": ("/repo/acme/shop/project/ui/performance/timeline", 204),
        f"{repo}/run/latest": ("/repo/acme/shop/run/latest", 302),
        f"{project}/run/latest": ("/repo/acme/shop/project/ui/run/latest", 302),
    }


def _projektor_reads_in_the_document(client: FlaskClient) -> set[str]:
    paths = client.get("/openapi.json").get_json()["paths"]
    admin_only = {"/failures/recent"}  # the uploads that failed, for platform admins
    return {p for p, ops in paths.items() if "get" in ops and family_of(p) == "projektor"} - admin_only


@BOTH_MODES
def test_every_projektor_read_and_badge_is_public_unless_the_setting_is_off(
    client: FlaskClient, api: Api, public: bool
) -> None:
    run, headers, _ = _published(client, api)
    reads = _reads(client, run, headers)
    assert set(reads) == _projektor_reads_in_the_document(client)  # no read is left out of this test
    stranger = {"X-PROJEKTOR-TOKEN": api.api_token(api.register("stranger"))}
    for template, (url, status) in reads.items():
        as_publisher = client.get(url, headers=headers)
        assert as_publisher.status_code == status, (template, as_publisher.status_code, as_publisher.data[:200])
        anonymous = client.get(url)
        if public:
            assert anonymous.status_code == status, (template, anonymous.status_code, anonymous.data[:300])
            assert anonymous.data == as_publisher.data, template  # anyone sees what its publisher sees
            assert client.get(url, headers=stranger).data == as_publisher.data, template
        else:
            assert anonymous.status_code == 401, (template, anonymous.status_code)
            assert anonymous.get_json()["error_message"], template
            assert client.get(url, headers=stranger).status_code in (404, 204), template  # not theirs to see
    badge = client.get("/repo/acme/shop/badge/coverage")
    if public:  # what GitHub's image proxy fetches, without credentials
        assert badge.mimetype == "image/svg+xml" and "coverage: 97%" in badge.get_data(as_text=True)
        assert client.get(f"/tests/{run}").headers["Location"] == f"/run/{run}"


@BOTH_MODES
def test_testery_stays_token_only_and_publishing_needs_a_token(client: FlaskClient, api: Api, public: bool) -> None:
    run, _, token = _published(client, api)
    run_id = client.get("/api/test-runs", headers={"Authorization": f"Bearer {token}"}).get_json()[0]["id"]
    for path in ("/api/test-runs", f"/api/test-runs/{run_id}", f"/api/test-runs/{run_id}/results"):
        r = client.get(path)
        assert r.status_code == 401 and r.get_json()["message"], path
    assert client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"}).status_code == 401
    assert client.post("/api/test-runs-upload").status_code == 401
    assert client.post("/groupedResults", json=grouped_body([junit_xml()])).status_code == 401
    assert client.post("/results", data=junit_xml(), content_type="application/xml").status_code == 401
    assert client.post(f"/run/{run}/coverage", data=go_reference()).status_code == 401
    assert client.post(f"/run/{run}/coverageFile", data=go_reference()).status_code == 401
    assert client.get("/api/test-runs", headers={"Authorization": f"Bearer {token}"}).get_json()[0]["status"] != (
        "CANCELED")


def test_credentials_sent_to_a_public_read_must_still_be_valid(client: FlaskClient, api: Api) -> None:
    run, _, _ = _published(client, api)
    r = client.get(f"/run/{run}", headers={"X-PROJEKTOR-TOKEN": "cat_not-a-token"})
    assert r.status_code == 401 and "API token" in r.get_json()["error_message"]
    assert client.get(f"/run/{run}").status_code == 200


@pytest.mark.parametrize("path", ["/tests/%C2%84%C2%BC%C3%86K%C3%9C%0Aj", "/tests/a%0D%0ALocation:%20x",
                                  "/tests/NOSUCHRUN123", "/tests/lower-case", "/run/%C2%84%0Aj/badge/tests"])
def test_a_run_id_that_names_no_run_is_a_404_never_a_server_error(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and r.get_json()["error_message"]
    assert "Location" not in r.headers
