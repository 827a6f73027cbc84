"""No silent ignores (issue 12): an unknown metric name or query parameter is a 400 that names it and
what is known; a metric without its language suffix stands for every language; a 204 has no body
and no content type; a project shows the default branch its import uses; a malformed token is
reported as malformed. On a real repository imported and analysed through the API."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.analysis.flow import Flow
from tests.support.api import Api, User
from tests.support.copr import Copr
from tests.support.gitrepo import GitRepo

JAVA_FILE = "/** A class. */\npublic class A {\n    int a = 1;\n}\n"
PY_FILE = "# a comment\nx = 1\n\ny = 2\n"
PATTERNS = [["**/*.java", "INCLUDE"], ["**/*.py", "INCLUDE"]]
LOC = "coderadar:size:loc"


def _analysed(repos: Path, flow: Flow, api: Api) -> tuple[User, int, str]:
    repo = GitRepo(repos / "mixed")
    head = repo.commit("java and python", {"src/A.java": JAVA_FILE, "tool/b.py": PY_FILE})
    owner = api.register("owner")
    project = flow.project(owner, str(repo.path), patterns=PATTERNS, modules=[])
    flow.analyse(owner, project)
    return owner, project, head


def test_metric_names_unknown_is_a_400_and_a_prefix_stands_for_every_language(
    client: FlaskClient, api: Api, flow: Flow, repos: Path
) -> None:
    owner, project, head = _analysed(repos, flow, api)
    measured = client.get(f"/api/projects/{project}/metrics", headers=owner.headers).get_json()
    assert {f"{LOC}:java", f"{LOC}:py"} <= set(measured)
    per_language = flow.query(owner, project, "metricvalues/perCommit",
                              {"commit": head, "metrics": [f"{LOC}:java", f"{LOC}:py"]})
    assert sorted(v["value"] for v in per_language) == [4, 4]
    by_prefix = flow.query(owner, project, "metricvalues/perCommit", {"commit": head, "metrics": [LOC]})
    assert sorted(by_prefix, key=str) == sorted(per_language, key=str)
    tree = flow.query(owner, project, "metricvalues/tree", {"commit": head, "metrics": [LOC]})
    assert tree == flow.query(owner, project, "metricvalues/tree",
                              {"commit": head, "metrics": [f"{LOC}:java", f"{LOC}:py"]})
    # a metric an analyzer of the server offers that this project never measured: no values, no error
    assert flow.query(owner, project, "metricvalues/perCommit",
                      {"commit": head, "metrics": ["coderadar:size:loc:rs"]}) == []
    for resource in ("perCommit", "tree"):
        r = client.post(f"/api/projects/{project}/metricvalues/{resource}", headers=owner.headers,
                        json={"commit": head, "metrics": ["coderadar:size:lco:java"]})
        assert r.status_code == 400, r.get_json()
        message = r.get_json()["errorMessage"]
        assert "coderadar:size:lco:java" in message and all(m in message for m in measured)
    r = client.post(f"/api/projects/{project}/metricvalues/deltaTree", headers=owner.headers,
                    json={"commit1": head, "commit2": head, "metrics": ["nosuch"]})
    assert r.status_code == 400 and "nosuch" in r.get_json()["errorMessage"]
    history = client.get(f"/api/projects/{project}/metricvalues/history?metric={LOC}:java", headers=owner.headers)
    assert history.status_code == 200 and history.get_json()[-1]["value"] == 4
    ambiguous = client.get(f"/api/projects/{project}/metricvalues/history?metric={LOC}", headers=owner.headers)
    assert ambiguous.status_code == 400 and f"{LOC}:py" in ambiguous.get_json()["errorMessage"]
    unknown = client.get(f"/api/projects/{project}/metricvalues/history?metric=nosuch", headers=owner.headers)
    assert unknown.status_code == 400 and "nosuch" in unknown.get_json()["errorMessage"]


def test_an_unknown_query_parameter_is_a_400_naming_the_known_ones(
    client: FlaskClient, api: Api, flow: Flow, repos: Path
) -> None:
    owner, project, head = _analysed(repos, flow, api)
    right = client.get(f"/api/projects/{project}/commits?branchName=main", headers=owner.headers)
    assert right.status_code == 200 and right.get_json()
    wrong = client.get(f"/api/projects/{project}/commits?branch=main", headers=owner.headers)
    assert wrong.status_code == 400
    assert "branch" in wrong.get_json()["errorMessage"] and "branchName" in wrong.get_json()["errorMessage"]
    # a GET with a body takes its fields as query parameters too; anything else is unknown
    query = f"commit={head}&metrics={LOC}:java"
    assert client.get(f"/api/projects/{project}/metricvalues/perCommit?{query}",
                      headers=owner.headers).get_json() == [{"metricName": f"{LOC}:java", "value": 4}]
    r = client.get(f"/api/projects/{project}/metricvalues/perCommit?{query}&metric=x", headers=owner.headers)
    assert r.status_code == 400 and "metric" in r.get_json()["errorMessage"]
    # Copr: the parameters copr's client_v2 sends are known; anything else is named
    copr = Copr(client, api)
    packager = copr.user("packager")
    copr_project = copr.create_project(packager, "hello")
    build = copr.create_build(packager, copr_project)
    for url in (f"/api_2/builds?project_id={copr_project}&owner=packager&limit=10&offset=0",
                f"/api_2/build_tasks?owner=packager&project_id={copr_project}&build_id={build}&state=failed&limit=1&offset=0",
                "/api_2/projects?search_query=hel&owner=packager&group=g&name=hello&limit=1&offset=0",
                "/api_2/mock_chroots?active_only=True"):
        assert client.get(url, headers=packager.auth).status_code == 200, url
    r = client.get(f"/api_2/builds?projectid={copr_project}", headers=packager.auth)
    assert r.status_code == 400
    assert "projectid" in r.get_json()["message"] and "project_id" in r.get_json()["message"]
    assert r.get_json()["data"]["unknown"] == ["projectid"]
    # Projektor and Testery are not checked: their clients send what they like
    assert client.get("/api/v1/repo/acme/shop/coverage/current?cacheBust=1").status_code == 204


def test_a_204_has_no_body_and_no_content_type(client: FlaskClient, api: Api) -> None:
    user = api.register("reader")
    for url in ("/api/v1/repo/acme/shop/coverage/current", "/repo/acme/shop/coverage/timeline",
                "/api/v1/org/acme/coverage/current"):
        r = client.get(url, headers=user.headers)
        assert r.status_code == 204 and r.data == b"" and "Content-Type" not in r.headers, (url, r.headers)


def test_a_project_shows_the_default_branch_its_import_uses(
    client: FlaskClient, api: Api, flow: Flow, repos: Path
) -> None:
    repo = GitRepo(repos / "trunk", branch="trunk")
    repo.commit("first", {"a.py": "x = 1\n"})
    owner = api.register("owner")
    project = api.create_project(owner, vcs_url=str(repo.path))
    flow.imported(owner, project)
    assert client.get(f"/api/projects/{project}/import", headers=owner.headers).get_json()["defaultBranch"] == "trunk"
    assert client.get(f"/api/projects/{project}", headers=owner.headers).get_json()["defaultBranch"] == "trunk"
    listed = client.get("/api/projects", headers=owner.headers).get_json()
    assert [p["defaultBranch"] for p in listed if p["id"] == project] == ["trunk"]
    mine = client.get(f"/api/users/{owner.id}/projects", headers=owner.headers).get_json()
    assert [p["project"]["defaultBranch"] for p in mine] == ["trunk"]
    # a default branch set on the project wins over the import's
    assert client.post(f"/api/projects/{project}", json={"defaultBranch": "release"},
                       headers=owner.headers).status_code == 200
    assert client.get(f"/api/projects/{project}", headers=owner.headers).get_json()["defaultBranch"] == "release"


def test_a_malformed_token_is_reported_as_malformed(client: FlaskClient, api: Api) -> None:
    user = api.register("someone")
    truncated = user.access_token.rsplit(".", 1)[0]  # a JWT cut short when copied
    for header in (truncated, f"Bearer {truncated}", "a.b.c", "Bearer not-a-token"):
        r = client.get("/api/users", headers={"Authorization": header})
        assert r.status_code == 401 and "malformed" in r.get_json()["errorMessage"], (header, r.get_json())
    forged = user.access_token[:-4] + ("AAAA" if not user.access_token.endswith("AAAA") else "BBBB")
    r = client.get("/api/users", headers={"Authorization": forged})
    assert r.status_code == 401 and "signature" in r.get_json()["errorMessage"]
    r = client.get("/api/users", headers={"Authorization": "Bearer cat_revoked-or-never-issued"})
    assert r.status_code == 401 and r.get_json()["errorMessage"] == "invalid or revoked API token"
    assert client.get("/api/users", headers=user.headers).status_code == 200
