"""Project roles (seed 2.4.1 to 2.4.4) and teams (seed 8) through HTTP."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.api import Api, User


def _user(user: User, admin: bool = False) -> dict[str, object]:
    return {"id": user.id, "username": user.username, "platformAdmin": admin}


def _project(project_id: int) -> dict[str, object]:
    return {"id": project_id, "name": "project", "vcsUsername": "testUser", "vcsPassword": None,
            "vcsUrl": "https://valid.url", "startDate": None, "defaultBranch": None}


def test_set_and_remove_a_users_role_and_list_as_the_seed_shows(client: FlaskClient, api: Api) -> None:
    api.register("platform")
    owner, user = api.register("owner"), api.register("username")
    project = api.create_project(owner)
    r = client.post(f"/api/projects/{project}/users/{user.id}", json={"role": "ADMIN"}, headers=owner.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/users/{user.id}/projects", headers=user.headers).get_json() == [
        {"project": _project(project), "roles": ["ADMIN"]}
    ]
    r = client.get(f"/api/projects/{project}/users/", headers=owner.headers)
    assert r.status_code == 200 and r.get_json() == [_user(owner), _user(user)]
    assert client.get(f"/api/projects/{project}/users", headers=owner.headers).get_json() == r.get_json()
    api.set_role(owner, project, user, "MEMBER")
    assert client.get(f"/api/users/{user.id}/projects", headers=user.headers).get_json()[0]["roles"] == ["MEMBER"]
    r = client.delete(f"/api/projects/{project}/users/{user.id}", headers=owner.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/users/{user.id}/projects", headers=user.headers).get_json() == []
    assert client.get(f"/api/projects/{project}/users", headers=owner.headers).get_json() == [_user(owner)]
    assert client.delete(f"/api/projects/{project}/users/{user.id}", headers=owner.headers).status_code == 404


def test_role_requests_are_checked(client: FlaskClient, api: Api) -> None:
    owner, user = api.register("owner"), api.register("user")
    project = api.create_project(owner)
    for body in ({"role": "OWNER"}, {"role": None}, {}):
        assert client.post(f"/api/projects/{project}/users/{user.id}", json=body,
                           headers=owner.headers).status_code == 400, body
    r = client.post(f"/api/projects/{project}/users/999999", json={"role": "MEMBER"}, headers=owner.headers)
    assert r.status_code == 404 and r.get_json() == {"errorMessage": "User with id 999999 not found."}
    assert client.post(f"/api/projects/999999/users/{user.id}", json={"role": "MEMBER"},
                       headers=owner.headers).status_code == 404
    # A user's projects: themself or a platform admin.
    assert client.get(f"/api/users/{owner.id}/projects", headers=user.headers).status_code == 403
    assert client.get(f"/api/users/{user.id}/projects", headers=owner.headers).status_code == 200  # first user
    assert client.get("/api/users/999999/projects", headers=owner.headers).status_code == 404


def test_team_lifecycle_as_the_seed_shows(client: FlaskClient, api: Api) -> None:
    creator = api.register("creator")
    test_user, other = api.register("testUser"), api.register("other")
    r = client.post("/api/teams", json={"name": "testTeam", "userIds": [test_user.id]}, headers=creator.headers)
    assert r.status_code == 201 and list(r.get_json()) == ["id"]
    team = r.get_json()["id"]
    assert client.get(f"/api/teams/{team}", headers=other.headers).get_json() == {
        "id": team, "name": "testTeam", "members": [_user(test_user)]
    }
    assert client.get("/api/teams/", headers=other.headers).get_json() == [
        {"id": team, "name": "testTeam", "members": [_user(test_user)]}
    ]
    assert client.get("/api/teams", headers=other.headers).status_code == 200
    assert client.get(f"/api/users/{test_user.id}/teams", headers=other.headers).get_json() == [
        {"id": team, "name": "testTeam", "members": [_user(test_user)]}
    ]
    # Update: a new name and the given users as members.
    r = client.post(f"/api/teams/{team}", json={"name": "testTeam2", "userIds": [other.id]}, headers=creator.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/teams/{team}", headers=creator.headers).get_json() == {
        "id": team, "name": "testTeam2", "members": [_user(other)]
    }
    r = client.post(f"/api/teams/{team}/users", json={"elements": [test_user.id]}, headers=creator.headers)
    assert r.status_code == 200
    assert [m["id"] for m in client.get(f"/api/teams/{team}", headers=creator.headers).get_json()["members"]] == [
        test_user.id, other.id
    ]
    r = client.delete(f"/api/teams/{team}/users", json={"elements": [other.id]}, headers=creator.headers)
    assert r.status_code == 200
    assert client.get(f"/api/teams/{team}", headers=creator.headers).get_json()["members"] == [_user(test_user)]
    assert client.get(f"/api/users/{other.id}/teams", headers=creator.headers).get_json() == []
    r = client.delete(f"/api/teams/{team}", headers=creator.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/teams/{team}", headers=creator.headers).get_json() == {
        "errorMessage": f"Team with id {team} not found."
    }
    assert client.get("/api/teams", headers=creator.headers).get_json() == []
    # The name is free again.
    assert client.post("/api/teams", json={"name": "testTeam2"}, headers=creator.headers).status_code == 201


def test_team_names_are_unique_and_requests_checked(client: FlaskClient, api: Api) -> None:
    creator = api.register("creator")
    first = api.create_team(creator, "Alpha")
    r = client.post("/api/teams", json={"name": "alpha"}, headers=creator.headers)
    assert r.status_code == 409 and "already exists" in r.get_json()["errorMessage"]
    second = api.create_team(creator, "Beta")
    assert client.post(f"/api/teams/{second}", json={"name": "ALPHA"}, headers=creator.headers).status_code == 409
    assert client.post(f"/api/teams/{first}", json={"name": "Gamma"}, headers=creator.headers).status_code == 200
    assert client.post(f"/api/teams/{second}", json={"name": "alpha"}, headers=creator.headers).status_code == 200
    r = client.post("/api/teams", json={"name": "x", "userIds": [999999]}, headers=creator.headers)
    assert r.status_code == 404
    assert client.post("/api/teams", json={"name": ""}, headers=creator.headers).status_code == 400
    assert client.post(f"/api/teams/{first}/users", json={}, headers=creator.headers).status_code == 400
    assert client.get("/api/teams/999999", headers=creator.headers).status_code == 404


def test_teams_in_projects_give_their_members_the_role(client: FlaskClient, api: Api) -> None:
    owner, member, outsider = api.register("owner"), api.register("testUser"), api.register("outsider")
    project = api.create_project(owner)
    team = api.create_team(owner, "testTeam", [member])
    assert client.get(f"/api/projects/{project}", headers=member.headers).status_code == 403
    r = client.post(f"/api/projects/{project}/teams/{team}", json={"role": "MEMBER"}, headers=owner.headers)
    assert r.status_code == 200 and r.data == b""
    assert client.get(f"/api/projects/{project}", headers=member.headers).status_code == 200
    assert client.post(f"/api/projects/{project}", json={"name": "x"}, headers=member.headers).status_code == 403
    assert client.get(f"/api/projects/{project}/teams", headers=member.headers).get_json() == [
        {"id": team, "name": "testTeam", "members": [_user(member)]}
    ]
    assert client.get(f"/api/teams/{team}/projects", headers=member.headers).get_json() == [_project(project)]
    assert client.get(f"/api/teams/{team}/projects", headers=outsider.headers).get_json() == []
    assert client.get(f"/api/projects/{project}/users", headers=owner.headers).get_json() == [
        _user(owner, admin=True), _user(member)
    ]
    assert client.get(f"/api/users/{member.id}/projects", headers=member.headers).get_json() == [
        {"project": _project(project), "roles": ["MEMBER"]}
    ]
    # ADMIN through a team wins over MEMBER given directly.
    api.set_role(owner, project, member, "MEMBER")
    api.assign_team(owner, project, team, "ADMIN")
    assert client.post(f"/api/projects/{project}", json={"defaultBranch": "main"},
                       headers=member.headers).status_code == 200
    assert client.get(f"/api/users/{member.id}/projects", headers=member.headers).get_json()[0]["roles"] == [
        "ADMIN", "MEMBER"
    ]
    r = client.delete(f"/api/projects/{project}/teams/{team}", headers=owner.headers)
    assert r.status_code == 200
    assert client.get(f"/api/projects/{project}/teams", headers=owner.headers).get_json() == []
    assert client.post(f"/api/projects/{project}", json={"name": "x"}, headers=member.headers).status_code == 403
    assert client.delete(f"/api/projects/{project}/teams/{team}", headers=owner.headers).status_code == 404
    # Deleting a team takes its roles away.
    api.assign_team(owner, project, team, "ADMIN")
    assert client.delete(f"/api/teams/{team}", headers=owner.headers).status_code == 200
    assert client.get(f"/api/projects/{project}/teams", headers=owner.headers).get_json() == []
    assert client.post(f"/api/projects/{project}/teams/{team}", json={"role": "ADMIN"},
                       headers=owner.headers).status_code == 404
