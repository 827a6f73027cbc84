"""coderadar projects through HTTP: seed section 3.1 (and 2.4.6, deleting a user deletes their projects)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.api import Api

PROJECT_KEYS = ["id", "name", "vcsUsername", "vcsPassword", "vcsUrl", "startDate", "defaultBranch"]


def test_create_get_and_list_answer_the_seeds_shapes(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    r = client.post("/api/projects", headers=owner.headers, json={
        "name": "project", "vcsUsername": "testUser", "vcsPassword": "password", "vcsUrl": "https://valid.url",
        "vcsOnline": False, "startDate": "2022-03-24T08:21:26.982+0000", "defaultBranch": None,
    })
    assert r.status_code == 201
    assert list(r.get_json()) == ["id"]
    project_id = r.get_json()["id"]
    expected = {
        "id": project_id, "name": "project", "vcsUsername": "testUser", "vcsPassword": None,
        "vcsUrl": "https://valid.url", "startDate": "2022-03-24T08:21:26.982+0000", "defaultBranch": None,
    }
    got = client.get(f"/api/projects/{project_id}", headers=owner.headers)
    assert got.status_code == 200
    assert list(got.get_json()) == PROJECT_KEYS and got.get_json() == expected
    listed = client.get("/api/projects", headers=owner.headers)
    assert listed.status_code == 200 and listed.get_json() == [expected]
    assert "password" not in got.get_data(as_text=True).replace('"vcsPassword"', "")


def test_start_date_accepts_iso_text_epoch_millis_and_null(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    cases = [
        (1648110087006, "2022-03-24T08:21:27.006+0000"),
        ("1648110087006", "2022-03-24T08:21:27.006+0000"),
        ("2022-03-24T08:21:52.742Z", "2022-03-24T08:21:52.742+0000"),
        ("2022-03-24T10:21:52.742+02:00", "2022-03-24T08:21:52.742+0000"),
        ("2022-03-24", "2022-03-24T00:00:00.000+0000"),
        (None, None),
    ]
    for given, shown in cases:
        project_id = api.create_project(owner, startDate=given)
        assert client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json()["startDate"] == shown
    for bad in ("yesterday", True, "2022-13-01", [1]):
        r = client.post("/api/projects", headers=owner.headers,
                        json={"name": "p", "vcsUrl": "https://valid.url", "startDate": bad})
        assert r.status_code == 400, bad
        assert "startDate" in r.get_json()["errorMessage"]


def test_update_as_the_seed_shows_and_fields_left_out_stay(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    project_id = api.create_project(owner, defaultBranch="master")
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json={
        "name": "new-project-name", "vcsUsername": "username", "vcsPassword": "password",
        "vcsUrl": "http://valid.url", "vcsOnline": True, "startDate": 1648110087006, "defaultBranch": "dev",
    })
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json() == {
        "id": project_id, "name": "new-project-name", "vcsUsername": "username", "vcsPassword": None,
        "vcsUrl": "http://valid.url", "startDate": "2022-03-24T08:21:27.006+0000", "defaultBranch": "dev",
    }
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json={"name": "renamed"})
    assert r.status_code == 200
    got = client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json()
    assert got["name"] == "renamed" and got["vcsUrl"] == "http://valid.url" and got["defaultBranch"] == "dev"
    r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json={"startDate": None})
    assert client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json()["startDate"] is None
    for bad in ({"name": "  "}, {"vcsUrl": "ftp://host/repo"}, {"startDate": "soon"}):
        r = client.post(f"/api/projects/{project_id}", headers=owner.headers, json=bad)
        assert r.status_code == 400, bad
        assert r.get_json()["errorMessage"]
    assert client.post("/api/projects/999999", headers=owner.headers, json={"name": "x"}).status_code == 404


def test_vcs_password_is_kept_when_null_is_sent_back_and_never_shown(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    project_id = api.create_project(owner, vcsPassword="s3cr3t-value")
    shown = client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json()
    assert client.post(f"/api/projects/{project_id}", headers=owner.headers, json=shown).status_code == 200
    history = client.get(f"/api/projects/{project_id}/history", headers=owner.headers)
    assert [e["type"] for e in history.get_json()] == ["Project.Created"]  # sending it back changed nothing
    everything = "".join(
        client.get(path, headers=owner.headers).get_data(as_text=True)
        for path in ("/api/projects", f"/api/projects/{project_id}", f"/api/projects/{project_id}/history",
                     "/api/audit/events?limit=1000")
    )
    assert "s3cr3t-value" not in everything


def test_required_fields_and_remote_url_rules(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    for body in ({"vcsUrl": "https://valid.url"}, {"name": "p"}, {"name": "", "vcsUrl": "https://valid.url"}):
        r = client.post("/api/projects", headers=owner.headers, json=body)
        assert r.status_code == 400, body
    for url in ("https://github.com/a/b.git", "http://host:8080/repo", "ssh://git@host:22/repo.git",
                "git://host/repo.git", "git@github.com:org/repo.git"):
        assert client.post("/api/projects", headers=owner.headers,
                           json={"name": "p", "vcsUrl": url}).status_code == 201, url
    for url in ("ftp://host/repo", "ext::sh -c touch% /tmp/pwned", "https://", "not a url", "relative/path",
                "-uhttps://x", "file:///etc", "/etc", "file://otherhost/srv/repo", "javascript:alert(1)"):
        r = client.post("/api/projects", headers=owner.headers, json={"name": "p", "vcsUrl": url})
        assert r.status_code == 400, url
        assert "vcsUrl" in r.get_json()["errorMessage"], url


def test_listing_shows_only_projects_with_a_role_and_everything_to_platform_admins(
    client: FlaskClient, api: Api
) -> None:
    admin, alice, bob = api.register("admin"), api.register("alice"), api.register("bob")
    a = api.create_project(alice, name="a")
    b = api.create_project(bob, name="b")
    api.set_role(alice, a, bob, "MEMBER")
    assert [p["id"] for p in client.get("/api/projects", headers=alice.headers).get_json()] == [a]
    assert [p["id"] for p in client.get("/api/projects", headers=bob.headers).get_json()] == [a, b]
    assert [p["id"] for p in client.get("/api/projects", headers=admin.headers).get_json()] == [a, b]
    assert client.get("/api/projects").status_code == 401


def test_delete_removes_the_project_from_every_view(client: FlaskClient, api: Api) -> None:
    owner, member = api.register("owner"), api.register("member")
    project_id = api.create_project(owner)
    client.post(f"/api/projects/{project_id}/modules", json={"path": "core"}, headers=owner.headers)
    team = api.create_team(owner, "team", [member])
    api.assign_team(owner, project_id, team, "MEMBER")
    api.set_role(owner, project_id, member, "MEMBER")
    r = client.delete(f"/api/projects/{project_id}", headers=owner.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/projects/{project_id}", headers=owner.headers).get_json() == {
        "errorMessage": f"Project with id {project_id} not found."
    }
    for path in (f"/api/projects/{project_id}/modules", f"/api/projects/{project_id}/history",
                 f"/api/projects/{project_id}/users"):
        assert client.get(path, headers=owner.headers).status_code == 404, path
    assert client.get("/api/projects", headers=owner.headers).get_json() == []
    assert client.get(f"/api/users/{member.id}/projects", headers=member.headers).get_json() == []
    assert client.get(f"/api/teams/{team}/projects", headers=owner.headers).get_json() == []
    assert client.delete(f"/api/projects/{project_id}", headers=owner.headers).status_code == 404
    # Its events stay.
    admin_events = client.get("/api/audit/events?type=Project.Deleted", headers=owner.headers).get_json()
    assert len(admin_events) == 1 and admin_events[0]["actor"] == f"user:{owner.id}"


def test_deleting_a_user_deletes_the_projects_they_created(client: FlaskClient, api: Api) -> None:
    admin, creator, other = api.register("admin"), api.register("creator"), api.register("other")
    mine = [api.create_project(creator, name="one"), api.create_project(creator, name="two")]
    theirs = api.create_project(other, name="three")
    api.set_role(other, theirs, creator, "ADMIN")
    assert client.delete(f"/api/users/{creator.id}", headers=admin.headers).status_code == 200
    assert [p["id"] for p in client.get("/api/projects", headers=admin.headers).get_json()] == [theirs]
    for project_id in mine:
        assert client.get(f"/api/projects/{project_id}", headers=admin.headers).status_code == 404
    assert client.get(f"/api/projects/{theirs}/users", headers=other.headers).get_json() == [
        {"id": other.id, "username": "other", "platformAdmin": False}
    ]
