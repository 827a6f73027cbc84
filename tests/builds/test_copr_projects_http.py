"""Copr API 2: the root, projects (the coderadar projects seen the Copr way), their query parameters,
permissions and errors (compat.md section 3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.testing import FlaskClient

from application.projects.service import NewProject, ProjectsApplication
from domain.projects.team import UserRef
from interfaces.container import Container
from projections.identity import queries as identity_queries
from tests.support.api import Api
from tests.support.copr import Copr, basic

PROJECT_FIELDS = ["id", "name", "owner", "is_a_group_project", "group", "description", "instructions", "homepage",
                  "contact", "disable_createrepo", "build_enable_net", "repos"]


def project_links(project_id: int) -> dict[str, Any]:
    return {
        "self": {"href": f"/api_2/projects/{project_id}"},
        "builds": {"href": f"/api_2/builds?project_id={project_id}"},
        "chroots": {"href": f"/api_2/projects/{project_id}/chroots"},
        "build_tasks": {"href": f"/api_2/build_tasks?project_id={project_id}"},
    }


def test_the_root_links_every_collection_with_path_absolute_hrefs(client: FlaskClient) -> None:
    for path in ("/api_2", "/api_2/"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        assert r.get_json() == {"_links": {
            "self": {"href": "/api_2/"},
            "projects": {"href": "/api_2/projects"},
            "builds": {"href": "/api_2/builds"},
            "build_tasks": {"href": "/api_2/build_tasks"},
            "mock_chroots": {"href": "/api_2/mock_chroots"},
        }}


def test_create_get_list_update_and_delete_a_project(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    r = client.post("/api_2/projects", headers=alice.auth, json={
        "id": None, "name": "hello", "owner": "alice", "group": None, "is_a_group_project": None,
        "chroots": ["fedora-40-x86_64", "epel-9-x86_64"], "description": "Hello, world", "instructions": None,
        "homepage": "https://example.org/hello", "contact": "alice@example.org", "disable_createrepo": None,
        "build_enable_net": True, "last_modified": None, "repos": ["https://example.org/repo/"],
    })
    assert r.status_code == 201 and r.data == b""
    location = r.headers["Location"]
    assert location.startswith("http://localhost/api_2/projects/")
    project_id = int(location.rsplit("/", 1)[1])
    expected = {
        "id": project_id, "name": "hello", "owner": "alice", "is_a_group_project": False, "group": None,
        "description": "Hello, world", "instructions": "", "homepage": "https://example.org/hello",
        "contact": "alice@example.org", "disable_createrepo": False, "build_enable_net": True,
        "repos": ["https://example.org/repo/"],
    }
    got = copr.get(f"/api_2/projects/{project_id}")
    assert got == {"project": expected, "_links": project_links(project_id)}
    assert list(got["project"]) == PROJECT_FIELDS
    listed = copr.get("/api_2/projects")
    assert listed == {"projects": [{"project": expected, "_links": project_links(project_id)}],
                      "_links": {"self": {"href": "/api_2/projects"}}}

    # The client sends every field back on update; only the editable ones change.
    sent = {**expected, "name": "renamed", "owner": "mallory", "id": 1, "last_modified": None,
            "description": "New text", "homepage": None, "contact": "https://example.org/contact",
            "disable_createrepo": True, "build_enable_net": None, "repos": []}
    r = client.put(f"/api_2/projects/{project_id}", json=sent, headers=alice.auth)
    assert r.status_code == 204 and r.data == b""
    assert copr.get(f"/api_2/projects/{project_id}")["project"] == {
        **expected, "description": "New text", "homepage": None, "contact": "https://example.org/contact",
        "disable_createrepo": True, "build_enable_net": False, "repos": [],
    }
    r = client.put(f"/api_2/projects/{project_id}", headers=alice.auth)
    assert r.status_code == 400 and "JSON object" in r.get_json()["message"]
    r = client.put(f"/api_2/projects/{project_id}", json={"homepage": "gopher://x"}, headers=alice.auth)
    assert r.status_code == 400 and "homepage must be an http or https URL" in r.get_json()["message"]
    r = client.put(f"/api_2/projects/{project_id}", json={"instructions": "dnf copr enable alice/hello"},
                   headers=alice.auth)
    assert r.status_code == 204
    assert copr.get(f"/api_2/projects/{project_id}")["project"]["instructions"] == "dnf copr enable alice/hello"
    assert copr.get(f"/api_2/projects/{project_id}")["project"]["description"] == "New text"

    r = client.delete(f"/api_2/projects/{project_id}", headers=alice.auth)
    assert r.status_code == 204 and r.data == b""
    assert copr.get(f"/api_2/projects/{project_id}", 404) == {
        "message": f"Project with id `{project_id}` not found", "data": {"project_id": project_id}}
    assert copr.get("/api_2/projects")["projects"] == []
    assert client.delete(f"/api_2/projects/{project_id}", headers=alice.auth).status_code == 404


def test_one_project_two_views(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice = copr.user("alice")
    from_copr = copr.create_project(alice, "from-copr", description="made by copr")
    coderadar = client.get(f"/api/projects/{from_copr}", headers=alice.user.headers).get_json()
    assert coderadar["name"] == "from-copr" and coderadar["vcsUrl"] == ""
    from_coderadar = api.create_project(alice.user, name="from-coderadar", vcs_url="https://git.example.org/r.git")
    shown = copr.get(f"/api_2/projects/{from_coderadar}")["project"]
    assert shown == {
        "id": from_coderadar, "name": "from-coderadar", "owner": "alice", "is_a_group_project": False,
        "group": None, "description": "", "instructions": "", "homepage": None, "contact": None,
        "disable_createrepo": False, "build_enable_net": False, "repos": [],
    }
    # A rename through coderadar shows in Copr; a delete through coderadar removes it from Copr.
    client.post(f"/api/projects/{from_coderadar}", json={"name": "renamed"}, headers=alice.user.headers)
    assert copr.get(f"/api_2/projects/{from_coderadar}")["project"]["name"] == "renamed"
    assert client.delete(f"/api/projects/{from_coderadar}", headers=alice.user.headers).status_code == 200
    assert [p["project"]["id"] for p in copr.get("/api_2/projects")["projects"]] == [from_copr]
    # The coderadar project API still insists on a repository.
    r = client.post("/api/projects", json={"name": "x", "vcsUrl": ""}, headers=alice.user.headers)
    assert r.status_code == 400 and "vcsUrl" in r.get_json()["errorMessage"]


def test_project_query_parameters(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, bob = copr.user("alice"), copr.user("Bob")
    team = api.create_team(alice.user, "qa", [alice.user])
    a = copr.create_project(alice, "alpha", description="A tool for 100% of cases")
    b = copr.create_project(bob, "beta", description="under_score")
    g = copr.create_project(alice, "gamma", group="qa")
    assert team

    def ids(query: str) -> list[int]:
        body = copr.get(f"/api_2/projects{query}")
        return [p["project"]["id"] for p in body["projects"]]

    assert ids("") == [a, b, g]
    assert ids("?owner=alice") == [a, g] and ids("?owner=bob") == [b] and ids("?owner=nobody") == []
    assert ids("?group=qa") == [g] and ids("?group=dev") == []
    assert ids("?name=beta") == [b] and ids("?name=bet") == []
    assert ids("?search_query=ALP") == [a] and ids("?search_query=100%25") == [a] and ids("?search_query=bob") == [b]
    assert ids("?search_query=under_") == [b]
    assert ids("?search_query=1%25c") == [] and ids("?search_query=a_t") == []  # % and _ are no wildcards
    assert ids("?owner=alice&name=gamma") == [g]
    assert ids("?limit=2") == [a, b] and ids("?limit=2&offset=2") == [g] and ids("?offset=5") == []
    assert copr.get("/api_2/projects?owner=alice&limit=1")["_links"] == {
        "self": {"href": "/api_2/projects?owner=alice&limit=1"}}
    junk = copr.get("/api_2/projects?owner=alice&limit=1&junk=1", 400)  # an unknown parameter is no silent ignore
    assert "junk" in junk["message"] and "search_query" in junk["message"]
    for bad in ("limit=0", "limit=-1", "limit=x", "offset=-1", "offset=x", "limit=1001"):
        body = copr.get(f"/api_2/projects?{bad}", 400)
        assert bad.split("=")[0] in body["message"], bad


def test_projects_limit_defaults_to_100(container: Container, client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    projects = container.app(ProjectsApplication)
    user = identity_queries.user_by_id(container.store, alice.id)
    assert user is not None
    creator = UserRef(UUID(user["uuid"]), alice.id)
    for i in range(101):
        projects.create_project(NewProject(name=f"p{i}", vcs_url=None), creator, actor=f"user:{alice.id}")
    container.runner.wait_for({"projects": projects.max_position()}, 30)
    assert len(copr.get("/api_2/projects")["projects"]) == 100
    assert len(copr.get("/api_2/projects?offset=100")["projects"]) == 1
    assert len(copr.get("/api_2/projects?limit=1000")["projects"]) == 101


def test_show_builds_and_show_chroots(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    build_id = copr.create_build(alice, project_id)
    plain = copr.get(f"/api_2/projects/{project_id}")
    assert set(plain) == {"project", "_links"}
    for word in ("true", "yes", "1", "TRUE", "Yes", "True"):
        body = copr.get(f"/api_2/projects/{project_id}?show_builds={word}&show_chroots={word}")
        assert [b["build"]["id"] for b in body["project_builds"]] == [build_id]
        assert [c["chroot"]["name"] for c in body["project_chroots"]] == ["epel-9-x86_64", "fedora-40-x86_64"]
        assert body["_links"]["self"] == {"href": f"/api_2/projects/{project_id}?show_builds=true&show_chroots=true"}
    for word in ("false", "no", "0", "FALSE", "No"):
        assert copr.get(f"/api_2/projects/{project_id}?show_builds={word}&show_chroots={word}") == plain
    for bad in ("maybe", "2", "", "y", "on"):
        body = copr.get(f"/api_2/projects/{project_id}?show_builds={bad}", 400)
        assert "show_builds" in body["message"] and "true, yes, 1, false, no, 0" in body["message"]
        assert "show_chroots" in copr.get(f"/api_2/projects/{project_id}?show_chroots={bad}", 400)["message"]


def test_creating_needs_valid_credentials_and_fields(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    body = {"name": "p", "chroots": []}
    r = client.post("/api_2/projects", json=body)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert r.headers["Content-Type"] == "application/json" and r.get_json()["message"]
    for headers in (basic("alice", "cat_wrong"), basic("bob", alice.token), {"Authorization": "Basic !!!"}):
        r = client.post("/api_2/projects", json=body, headers=headers)
        assert r.status_code == 401, headers
        assert set(r.get_json()) <= {"message", "data"}
    cases = [
        ({"chroots": []}, "name"),
        ({"name": "1starts-with-digit"}, "Name must contain only letters"),
        ({"name": "has space"}, "Name must contain only letters"),
        ({"name": "p", "chroots": ["fedora-1-x86_64"]}, "Mock chroot `fedora-1-x86_64` doesn't exist"),
        ({"name": "p", "chroots": ["Not A Name"]}, "Bad mock chroot name"),
        ({"name": "p", "chroots": "fedora-40-x86_64"}, "chroots"),
        ({"name": "p", "homepage": "not a url"}, "homepage"),
        ({"name": "p", "contact": "neither"}, "contact"),
        ({"name": "p", "repos": ["ftp://x/"]}, "repos"),
        ({"name": "p", "repos": [1]}, "repos"),
        ({"name": "p", "disable_createrepo": "perhaps"}, "disable_createrepo"),
        ({"name": "p", "group": "no-such-team"}, "Group `no-such-team` does not exist"),
    ]
    for sent, message in cases:
        r = client.post("/api_2/projects", json=sent, headers=alice.auth)
        assert r.status_code == 400, sent
        assert r.headers["Content-Type"] == "application/json"
        assert message in r.get_json()["message"], (sent, r.get_json())
    r = client.post("/api_2/projects", data="{not json", headers={**alice.auth, "Content-Type": "application/json"})
    assert r.status_code == 400 and "message" in r.get_json()
    assert copr.get("/api_2/projects")["projects"] == []  # nothing refused was created
    copr.create_project(alice, "dup")
    r = client.post("/api_2/projects", json={"name": "dup"}, headers=alice.auth)
    assert r.status_code == 409 and r.get_json() == {"message": "You already have a project named `dup`",
                                                    "data": {"name": "dup"}}
    bob = copr.user("bob")
    copr.create_project(bob, "dup")  # another owner may use the name


def test_changing_and_deleting_need_the_admin_role(client: FlaskClient, api: Api, copr: Copr) -> None:
    admin, owner, member, stranger = copr.user("admin"), copr.user("owner"), copr.user("member"), copr.user("stranger")
    project_id = copr.create_project(owner)
    api.set_role(owner.user, project_id, member.user, "MEMBER")
    change = {"description": "changed"}
    assert client.put(f"/api_2/projects/{project_id}", json=change).status_code == 401
    assert client.delete(f"/api_2/projects/{project_id}").status_code == 401
    for who in (member, stranger):
        r = client.put(f"/api_2/projects/{project_id}", json=change, headers=who.auth)
        assert r.status_code == 403 and "ADMIN" in r.get_json()["message"]
        assert client.delete(f"/api_2/projects/{project_id}", headers=who.auth).status_code == 403
    r = client.put("/api_2/projects/999999999", json=change, headers=owner.auth)
    assert r.status_code == 404 and r.get_json() == {"message": "Project with id `999999999` not found",
                                                     "data": {"project_id": 999999999}}
    api.set_role(owner.user, project_id, member.user, "ADMIN")
    assert client.put(f"/api_2/projects/{project_id}", json=change, headers=member.auth).status_code == 204
    assert client.put(f"/api_2/projects/{project_id}", json={"description": "by admin"},
                      headers=admin.auth).status_code == 204
    assert copr.get(f"/api_2/projects/{project_id}")["project"]["description"] == "by admin"
    assert client.delete(f"/api_2/projects/{project_id}", headers=admin.auth).status_code == 204


def test_group_projects_belong_to_a_team(client: FlaskClient, api: Api, copr: Copr) -> None:
    copr.user("admin")
    alice, bob, carol = copr.user("alice"), copr.user("bob"), copr.user("carol")
    api.create_team(alice.user, "Packagers", [alice.user, bob.user])
    r = client.post("/api_2/projects", json={"name": "tools", "owner": "@packagers", "chroots": []},
                    headers=alice.auth)
    assert r.status_code == 201
    project_id = int(r.headers["Location"].rsplit("/", 1)[1])
    shown = copr.get(f"/api_2/projects/{project_id}")["project"]
    assert (shown["owner"], shown["is_a_group_project"], shown["group"]) == ("alice", True, "Packagers")
    assert [p["project"]["id"] for p in copr.get("/api_2/projects?group=Packagers")["projects"]] == [project_id]
    # The team administers the project: bob (a member of it) may change it, carol may not.
    assert client.put(f"/api_2/projects/{project_id}", json={"description": "d"}, headers=bob.auth).status_code == 204
    assert client.put(f"/api_2/projects/{project_id}", json={"description": "d"},
                      headers=carol.auth).status_code == 403
    r = client.post("/api_2/projects", json={"name": "mine", "group": "Packagers"}, headers=carol.auth)
    assert r.status_code == 403 and "not a member of group `Packagers`" in r.get_json()["message"]
    r = client.post("/api_2/projects", json={"name": "tools", "group": "packagers"}, headers=bob.auth)
    assert r.status_code == 409 and "Group `Packagers` already has a project named `tools`" in r.get_json()["message"]
    assert client.post("/api_2/projects", json={"name": "tools"}, headers=bob.auth).status_code == 201


def test_every_error_under_api_2_is_copr_json(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    cases = [
        (client.get("/api_2/nothing-here"), 404),
        (client.post("/api_2/", json={}), 405),
        (client.patch("/api_2/projects/1", json={}, headers=alice.auth), 405),
        (client.get("/api_2/projects/abc"), 404),
        (client.post("/api_2/projects", data="x" * 10, headers={**alice.auth, "Content-Type": "application/json"}),
         400),
    ]
    for r, status in cases:
        assert r.status_code == status
        assert r.headers["Content-Type"] == "application/json"
        body = r.get_json()
        assert isinstance(body["message"], str) and set(body) <= {"message", "data"}
