"""The web interface over real HTTP against a real server process: sign-in through the form, the
session cookie's flags, CSRF refusals, access rules, escaping of every user-supplied field, /tests/{id}
answering HTML to a browser and JSON to a JSON client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from tests.conftest import BACKENDS, REQUIRE_POSTGRES
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env
from tests.support.server import ServerProcess
from tests.support.web import PASSWORD, PAYLOAD, Scenario, build_scenario, junit, register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Scenario, str]]:
    with ExitStack() as stack:
        url = None
        if request.param == "postgres":
            reason = postgres_unavailable_reason()
            if reason:
                if REQUIRE_POSTGRES:
                    pytest.fail(f"PostgreSQL is required (CODEANNALS_REQUIRE_POSTGRES) but unavailable: {reason}")
                pytest.skip(reason)
            url = stack.enter_context(postgres_database())
        yield from _scenario(tmp_path_factory, url)


def _scenario(tmp_path_factory: pytest.TempPathFactory,
              url: str | None) -> Iterator[tuple[ServerProcess, Scenario, str]]:
    work = tmp_path_factory.mktemp("web")
    (work / "data").mkdir()
    server = ServerProcess(server_env(work / "data", url, CODEANNALS_LOCAL_REPO_ROOTS=str(work)),
                           log_path=work / "server.log").start()
    try:
        s = build_scenario(server.url, work, commits=12)
        r = requests.post(f"{server.url}/results", data=junit(), timeout=30,
                          headers={"X-PROJEKTOR-TOKEN": s.token})
        assert r.status_code == 200, r.text
        public_id = r.json()["id"]
        yield server, s, public_id
    finally:
        server.stop()


def signed_in(base: str, username: str = "admin") -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/signin", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    r = session.post(f"{base}/signin", data={"username": username, "password": PASSWORD,
                                            "csrf_token": token.group(1)}, timeout=30)
    assert r.status_code == 200 and "Projects" in r.text, r.text
    return session


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_sign_in_sets_a_safe_session_cookie_and_csrf_is_required(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, _, _ = scenario
    base = server.url
    anonymous = requests.get(f"{base}/", timeout=30, allow_redirects=False)
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]
    session = requests.Session()
    page = session.get(f"{base}/signin", timeout=30)
    # a sign-in without the token is refused, and nobody is signed in
    r = session.post(f"{base}/signin", data={"username": "admin", "password": PASSWORD}, timeout=30,
                     allow_redirects=False)
    assert r.status_code == 400 and "security token" in r.text
    r = session.post(f"{base}/signin", data={"username": "admin", "password": PASSWORD,
                                            "csrf_token": csrf_of(page.text)}, timeout=30, allow_redirects=False)
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = session.get(f"{base}/", timeout=30)
    assert home.status_code == 200 and "demo" in home.text
    # a changing form without (or with a wrong) token is refused and changes nothing
    for data in ({}, {"csrf_token": "forged"}):
        r = session.post(f"{base}/account", data={"current": PASSWORD, "password": "another-pass1",
                                                 "password2": "another-pass1", **data}, timeout=30)
        assert r.status_code == 400 and "security token" in r.text
    assert requests.post(f"{base}/api/user/auth", json={"username": "admin", "password": PASSWORD},
                         timeout=30).status_code == 200
    r = session.post(f"{base}/signout", data={}, timeout=30, allow_redirects=False)
    assert r.status_code == 400
    # behind https the cookie is Secure too
    r = requests.Session().get(f"{base}/signin", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert "Secure" in r.headers["Set-Cookie"]


def test_user_supplied_fields_stay_text(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, public_id = scenario
    session = signed_in(server.url)
    pages = [
        "/", f"/ui/projects/{s.project_id}", f"/ui/projects/{s.project_id}/commits/{s.repo.head('HEAD~' + str(13))}",
        f"/tests/{public_id}",
    ]
    for path in pages:
        r = session.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == 200, (path, r.text[:500])
        assert PAYLOAD not in r.text, path
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in r.text, path


def test_access_rules_and_error_pages(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, public_id = scenario
    register(server.url, "stranger")
    session = signed_in(server.url, "stranger")
    r = session.get(f"{server.url}/ui/projects/{s.project_id}", timeout=30)
    assert r.status_code == 403 and "no role" in r.text and "<html" in r.text
    r = session.get(f"{server.url}/tests/{public_id}", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and "Failed cases" in r.text  # test results are public by default
    assert f"/ui/projects/{s.project_id}" not in r.text  # but not the projects of the run's commit
    r = session.get(f"{server.url}/tests/{'x' * 12}", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 404 and "not found" in r.text
    assert "demo" not in session.get(f"{server.url}/", timeout=30).text
    r = session.get(f"{server.url}/ui/audit", timeout=30)
    assert r.status_code == 403
    r = session.get(f"{server.url}/ui/projects/999999", timeout=30)
    assert r.status_code == 404


def test_run_link_answers_html_to_browsers_and_json_to_clients(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, public_id = scenario
    session = signed_in(server.url)
    browser = session.get(f"{server.url}/tests/{public_id}", timeout=30,
                          headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 200 and browser.headers["Content-Type"].startswith("text/html")
    assert "expected 1 &lt;script&gt;" in browser.text and "Failed cases (1)" in browser.text
    client = requests.get(f"{server.url}/tests/{public_id}", headers={"Accept": "application/json",
                                                                      "X-PROJEKTOR-TOKEN": s.token},
                          timeout=30, allow_redirects=False)
    assert "<html" not in client.text  # the JSON route's answer (a redirect to /run/{id}, or JSON), not the page
    assert client.status_code in (200, 302)


def test_docs_use_local_swagger_ui(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, _, _ = scenario
    docs = requests.get(f"{server.url}/docs", timeout=30).text
    assert "cdn.jsdelivr" not in docs and "/ui/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert requests.get(f"{server.url}/ui/vendor/swagger-ui/swagger-ui-bundle.js", timeout=30).status_code == 200
    assert requests.get(f"{server.url}/ui/vendor/plotly.min.js", timeout=30).status_code == 200


def test_admin_forms_change_the_configuration_and_merge_contributors(
        scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, _ = scenario
    base, h = server.url, {"Authorization": s.jwt}
    session = signed_in(base)
    page = session.get(f"{base}/ui/projects/{s.project_id}", timeout=30)
    assert "Start analysis" in page.text and "Reset" in page.text
    r = session.post(f"{base}/ui/projects/{s.project_id}/configuration", timeout=30,
                     data={"what": "add_module", "path": "src/", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "<code>src/</code>" in r.text
    modules = requests.get(f"{base}/api/projects/{s.project_id}/modules", headers=h, timeout=30).json()
    assert [m["path"] for m in modules] == ["src/"]
    register(base, "newcomer")
    r = session.post(f"{base}/ui/projects/{s.project_id}/configuration", timeout=30,
                     data={"what": "set_role", "username": "newcomer", "role": "MEMBER", "csrf_token": csrf_of(r.text)})
    assert r.status_code == 200
    users = requests.get(f"{base}/api/projects/{s.project_id}/users", headers=h, timeout=30).json()
    assert "newcomer" in [u["username"] for u in users]
    # two metrics picked for the trend
    r = session.get(f"{base}/ui/projects/{s.project_id}", timeout=30,
                    params=[("metric", "coderadar:size:loc:java"), ("metric", "codeannals:markers:todo")])
    trend = re.search(r'data-chart="multi"[^>]*><script type="application/json">(.*?)</script>', r.text)
    assert trend and set(json.loads(trend.group(1))) == {"coderadar:size:loc:java", "codeannals:markers:todo"}
    # the contributors: alice and bob; merged into one through the form
    page = session.get(f"{base}/ui/projects/{s.project_id}/contributors", timeout=30)
    assert "Alice Liddell" in page.text and "Bob Builder" in page.text
    people = requests.get(f"{base}/api/projects/{s.project_id}/contributors", headers=h, timeout=30).json()
    ids = [str(p["id"]) for p in people]
    r = session.post(f"{base}/ui/projects/{s.project_id}/contributors", timeout=30,
                     data={"ids": ids, "display_name": "Team A", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "Team A" in r.text
    people = requests.get(f"{base}/api/projects/{s.project_id}/contributors", headers=h, timeout=30).json()
    assert [p["displayName"] for p in people] == ["Team A"]
    # the change history shows the module added by the admin
    history = session.get(f"{base}/ui/projects/{s.project_id}/history", timeout=30).text
    assert "modules: ModuleAdded" in history and "<dd>src/</dd>" in history and '"nowrap">admin<' in history


def test_code_map_delta_and_commit_pages(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, _ = scenario
    session = signed_in(server.url)
    older = s.repo.head("HEAD~5")
    r = session.get(f"{server.url}/ui/projects/{s.project_id}/codemap", timeout=30,
                    params={"commit": s.head, "compare": older})
    assert r.status_code == 200
    assert "changed 1" in r.text and "added 1" in r.text  # Main.java changed, Feature.java merged in
    r = session.get(f"{server.url}/ui/projects/{s.project_id}/commits/{s.head}", timeout=30)
    assert r.status_code == 200 and "merge feature" in r.text and "src/app/Feature.java" in r.text
    progress = session.get(f"{server.url}/ui/projects/{s.project_id}/progress.json", timeout=30).json()
    assert progress["import"]["state"] == "DONE" and progress["active"] is False


def test_lists_organisation_and_audit_pages(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, s, public_id = scenario
    session = signed_in(server.url)
    runs = session.get(f"{server.url}/ui/runs", timeout=30).text
    assert f"/tests/{public_id}" in runs and "FAIL" in runs
    run = session.get(f"{server.url}/ui/runs/{public_id}", timeout=30).text
    assert "Failed cases (1)" in run
    audit = session.get(f"{server.url}/ui/audit", params={"actor": "system"}, timeout=30)
    actors = re.findall(r'<a href="\?actor=[^"]*">([^<]*)</a>', audit.text)
    assert actors and set(actors) == {"system"}
    typed = session.get(f"{server.url}/ui/audit", params={"type": "FilePatternAdded"}, timeout=30).text
    assert "FilePatternAdded" in typed and "ProjectCreated" not in typed
    codemap = session.get(f"{server.url}/ui/projects/{s.project_id}/codemap", timeout=30).text
    assert "Largest files by coderadar:size:loc:java" in codemap and "src/app/Main.java" in codemap


def test_register_and_change_password_through_the_forms(scenario: tuple[ServerProcess, Scenario, str]) -> None:
    server, _, _ = scenario
    base = server.url
    browser = requests.Session()
    form = browser.get(f"{base}/register", timeout=30)
    r = browser.post(f"{base}/register", timeout=30, data={"username": "changer", "password": PASSWORD,
                                                          "password2": PASSWORD, "csrf_token": csrf_of(form.text)})
    assert r.status_code == 200 and "changer" in r.text  # registered and signed in
    other = signed_in(base, "changer")  # a second browser
    page = browser.get(f"{base}/account", timeout=30)
    r = browser.post(f"{base}/account", timeout=30, data={"current": PASSWORD, "password": "new-password2",
                                                         "password2": "new-password2",
                                                         "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "Your password was changed." in r.text
    assert browser.get(f"{base}/", timeout=30, allow_redirects=False).status_code == 200  # this one stays in
    assert other.get(f"{base}/", timeout=30, allow_redirects=False).status_code == 302  # the other one is out
    assert requests.post(f"{base}/api/user/auth", json={"username": "changer", "password": "new-password2"},
                         timeout=30).status_code == 200
    r = browser.post(f"{base}/signout", data={"csrf_token": csrf_of(page.text)}, timeout=30, allow_redirects=False)
    assert r.status_code == 400  # the token belonged to the session before the change
    r = browser.post(f"{base}/signout", data={"csrf_token": csrf_of(browser.get(f"{base}/account", timeout=30).text)},
                     timeout=30, allow_redirects=False)
    assert r.status_code == 302 and browser.get(f"{base}/", timeout=30, allow_redirects=False).status_code == 302
