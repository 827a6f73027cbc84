"""A project's configuration through HTTP: modules (seed 3.2), file patterns (3.4), analyzer
configurations (3.5) and the available analyzers (4.1)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.api import Api, User

LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"


def _setup(api: Api) -> tuple[User, int]:
    owner = api.register("owner")
    return owner, api.create_project(owner)


# --- modules ----------------------------------------------------------------------------------------
def test_modules_create_get_list_update_delete(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/modules"
    ids = {}
    for path in ("test-module", "/test-module/src", "test-module/src/asd/", "test-module2"):
        r = client.post(base, json={"path": path}, headers=owner.headers)
        assert r.status_code == 201 and list(r.get_json()) == ["id"], r.get_json()
        ids[path] = r.get_json()["id"]
    assert client.get(f"{base}/{ids['test-module']}", headers=owner.headers).get_json() == {
        "id": ids["test-module"], "path": "test-module/"
    }
    listed = client.get(base, headers=owner.headers).get_json()
    assert sorted((m["id"], m["path"]) for m in listed) == sorted([
        (ids["test-module"], "test-module/"), (ids["/test-module/src"], "test-module/src/"),
        (ids["test-module/src/asd/"], "test-module/src/asd/"), (ids["test-module2"], "test-module2/"),
    ])
    r = client.post(f"{base}/{ids['test-module2']}", json={"path": "renamed"}, headers=owner.headers)
    assert r.status_code == 200
    assert client.get(f"{base}/{ids['test-module2']}", headers=owner.headers).get_json()["path"] == "renamed/"
    r = client.delete(f"{base}/{ids['test-module']}", headers=owner.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"{base}/{ids['test-module']}", headers=owner.headers).get_json() == {
        "errorMessage": f"Module with id {ids['test-module']} not found."
    }
    assert len(client.get(base, headers=owner.headers).get_json()) == 3
    assert client.delete(f"{base}/{ids['test-module']}", headers=owner.headers).status_code == 404


def test_module_paths_are_checked_and_duplicates_refused(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/modules"
    first = client.post(base, json={"path": "core/src"}, headers=owner.headers).get_json()["id"]
    for same in ("core/src", "/core/src/", " core/src "):
        r = client.post(base, json={"path": same}, headers=owner.headers)
        assert r.status_code == 409, same
        assert "already exists" in r.get_json()["errorMessage"]
    for bad in ("a//b", "", "/", "../x", "a/./b", {"no": "path"}):
        r = client.post(base, json={"path": bad}, headers=owner.headers)
        assert r.status_code == 400, bad
    other = client.post(base, json={"path": "web"}, headers=owner.headers).get_json()["id"]
    assert client.post(f"{base}/{other}", json={"path": "core/src"}, headers=owner.headers).status_code == 409
    assert client.post(f"{base}/{first}", json={"path": "core/src/"}, headers=owner.headers).status_code == 200
    assert client.post(f"{base}/999999", json={"path": "x"}, headers=owner.headers).status_code == 404
    assert client.post("/api/projects/999999/modules", json={"path": "x"}, headers=owner.headers).status_code == 404


# --- file patterns ----------------------------------------------------------------------------------
def test_file_patterns_list_add_get_update_remove(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/filePatterns"
    r = client.post(base, json={"pattern": "**/*.java", "inclusionType": "INCLUDE"}, headers=owner.headers)
    assert r.status_code == 201 and list(r.get_json()) == ["id"]
    java = r.get_json()["id"]
    xml = client.post(base, json={"pattern": "**/*.xml", "inclusionType": "EXCLUDE"},
                      headers=owner.headers).get_json()["id"]
    assert client.get(f"{base}/{java}", headers=owner.headers).get_json() == {
        "id": java, "pattern": "**/*.java", "inclusionType": "INCLUDE"
    }
    assert client.get(base, headers=owner.headers).get_json() == [
        {"id": java, "pattern": "**/*.java", "inclusionType": "INCLUDE"},
        {"id": xml, "pattern": "**/*.xml", "inclusionType": "EXCLUDE"},
    ]
    r = client.post(f"{base}/{xml}", json={"pattern": "src/**/*.xml", "inclusionType": "INCLUDE"},
                    headers=owner.headers)
    assert r.status_code == 200
    assert client.get(f"{base}/{xml}", headers=owner.headers).get_json()["pattern"] == "src/**/*.xml"
    assert client.delete(f"{base}/{java}", headers=owner.headers).status_code == 200
    assert client.get(f"{base}/{java}", headers=owner.headers).get_json() == {
        "errorMessage": f"FilePattern with id {java} not found."
    }
    assert [p["id"] for p in client.get(base, headers=owner.headers).get_json()] == [xml]


def test_file_patterns_are_validated(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/filePatterns"
    for body in ({"pattern": "**/*.java", "inclusionType": "MAYBE"}, {"pattern": "", "inclusionType": "INCLUDE"},
                 {"pattern": "/abs/**", "inclusionType": "INCLUDE"}, {"pattern": "../**", "inclusionType": "INCLUDE"},
                 {"pattern": "**/*.java"}, {"inclusionType": "INCLUDE"}):
        r = client.post(base, json=body, headers=owner.headers)
        assert r.status_code == 400, body
        assert r.get_json()["errorMessage"]
    assert client.post(base, json={"pattern": "**/*.java", "inclusionType": "INCLUDE"},
                       headers=owner.headers).status_code == 201
    r = client.post(base, json={"pattern": "**/*.java", "inclusionType": "INCLUDE"}, headers=owner.headers)
    assert r.status_code == 409
    assert client.post(base, json={"pattern": "**/*.java", "inclusionType": "EXCLUDE"},
                       headers=owner.headers).status_code == 201


# --- analyzers --------------------------------------------------------------------------------------
def test_available_analyzers_are_listed(client: FlaskClient, api: Api) -> None:
    user = api.register("user")
    r = client.get("/api/analyzers", headers=user.headers)
    assert r.status_code == 200
    names = r.get_json()
    assert LOC in names and all(isinstance(n, str) for n in names) and names == sorted(names)
    assert client.get("/api/analyzers").status_code == 401


def test_analyzer_configurations_add_get_list_update_delete(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/analyzers"
    names = client.get("/api/analyzers", headers=owner.headers).get_json()
    other = next(n for n in names if n != LOC)
    r = client.post(base, json={"analyzerName": LOC, "enabled": True}, headers=owner.headers)
    assert r.status_code == 201 and list(r.get_json()) == ["id"]
    loc = r.get_json()["id"]
    second = client.post(base, json={"analyzerName": other, "enabled": False}, headers=owner.headers).get_json()["id"]
    assert client.get(f"{base}/{loc}", headers=owner.headers).get_json() == {
        "id": loc, "analyzerName": LOC, "enabled": True
    }
    assert client.get(base, headers=owner.headers).get_json() == [
        {"id": loc, "analyzerName": LOC, "enabled": True},
        {"id": second, "analyzerName": other, "enabled": False},
    ]
    assert client.post(f"{base}/{second}", json={"analyzerName": other, "enabled": True},
                       headers=owner.headers).status_code == 200
    assert client.get(f"{base}/{second}", headers=owner.headers).get_json()["enabled"] is True
    assert client.delete(f"{base}/{second}", headers=owner.headers).status_code == 200
    assert client.get(f"{base}/{second}", headers=owner.headers).get_json() == {
        "errorMessage": f"AnalyzerConfiguration with id {second} not found."
    }
    assert [a["id"] for a in client.get(base, headers=owner.headers).get_json()] == [loc]


def test_unknown_and_duplicate_analyzers_are_refused(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/analyzers"
    r = client.post(base, json={"analyzerName": "io.example.NoSuchAnalyzer", "enabled": True}, headers=owner.headers)
    assert r.status_code == 400
    assert "NoSuchAnalyzer" in r.get_json()["errorMessage"]
    assert client.post(base, json={"enabled": True}, headers=owner.headers).status_code == 400
    loc = client.post(base, json={"analyzerName": LOC, "enabled": True}, headers=owner.headers).get_json()["id"]
    assert client.post(base, json={"analyzerName": LOC, "enabled": False}, headers=owner.headers).status_code == 409
    r = client.post(f"{base}/{loc}", json={"analyzerName": "io.example.NoSuchAnalyzer", "enabled": True},
                    headers=owner.headers)
    assert r.status_code == 400
    assert client.get(base, headers=owner.headers).get_json() == [{"id": loc, "analyzerName": LOC, "enabled": True}]
    r = client.post(base, json={"analyzerName": LOC, "enabled": True, "parameters": {"nope": 1}},
                    headers=owner.headers)
    assert r.status_code == 400


def test_analyzer_parameters_are_checked_kept_and_shown_only_when_given(client: FlaskClient, api: Api) -> None:
    owner, project = _setup(api)
    base = f"/api/projects/{project}/analyzers"
    complexity = next(n for n in client.get("/api/analyzers", headers=owner.headers).get_json() if "omplexity" in n)
    r = client.post(base, json={"analyzerName": complexity, "enabled": True, "parameters": {"threshold": "12"}},
                    headers=owner.headers)
    assert r.status_code == 201, r.get_json()
    configuration = r.get_json()["id"]
    assert client.get(f"{base}/{configuration}", headers=owner.headers).get_json() == {
        "id": configuration, "analyzerName": complexity, "enabled": True, "parameters": {"threshold": 12}
    }
    # An update without parameters keeps them.
    client.post(f"{base}/{configuration}", json={"analyzerName": complexity, "enabled": False}, headers=owner.headers)
    assert client.get(f"{base}/{configuration}", headers=owner.headers).get_json()["parameters"] == {"threshold": 12}
    r = client.post(f"{base}/{configuration}", json={"analyzerName": complexity, "parameters": {"threshold": "x"}},
                    headers=owner.headers)
    assert r.status_code == 400
