"""The run page follows the Projektor reads: while test results are public (the default) anyone opens
the link ``projektor-publish`` prints, signed in or not, and repository and organisation pages too;
with ``CODEANNALS_PUBLIC_TEST_RESULTS=false`` a browser is sent to the sign-in page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api
from tests.testing.reports import grouped_body, jacoco_reference, junit_xml, publish, published_id

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _run(client: FlaskClient, api: Api) -> str:
    token = api.api_token(api.register("publisher"))
    return published_id(publish(client, token, grouped_body([junit_xml(failing={"com.acme.Suite0.test0"})],
                                                            [jacoco_reference()])))


def test_anyone_opens_the_run_page_and_the_repository_pages(client: FlaskClient, api: Api) -> None:
    run = _run(client, api)
    page = client.get(f"/tests/{run}", headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html", page.data[:300]
    assert "Failed cases (1)" in page.get_data(as_text=True) and "test0" in page.get_data(as_text=True)
    for path in ("/ui/repos/acme/shop", "/ui/orgs/acme", f"/ui/runs/{run}"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200 and "acme" in r.get_data(as_text=True), path
    assert client.get(f"/tests/{run}").status_code == 302  # a JSON client still gets the API's answer
    assert client.get(f"/tests/{'z' * 12}", headers=HTML).status_code == 404


@pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")
def test_with_results_private_a_browser_signs_in_first(client: FlaskClient, api: Api) -> None:
    run = _run(client, api)
    for path in (f"/tests/{run}", "/ui/repos/acme/shop", "/ui/orgs/acme"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 302 and "/signin" in r.headers["Location"], (path, r.status_code)


def test_the_run_page_pages_its_cases(client: FlaskClient, api: Api) -> None:
    token = api.api_token(api.register("publisher"))
    run = published_id(publish(client, token, grouped_body([junit_xml(suites=3, per_suite=250)])))  # 750 cases
    first = client.get(f"/tests/{run}?sort=order", headers=HTML).get_data(as_text=True)
    assert "(1 to 500 of 750)" in first and "Next cases" in first and "Previous cases" not in first
    assert "com.acme.Suite0.test0<" in first and "com.acme.Suite2.test249<" not in first
    second = client.get(f"/tests/{run}?sort=order&page=2", headers=HTML).get_data(as_text=True)
    assert "(501 to 750 of 750)" in second and "Previous cases" in second and "Next cases" not in second
    assert "com.acme.Suite2.test249<" in second and "com.acme.Suite0.test0<" not in second
