"""The projects read model rebuilt from the event log equals the live one, row for row."""

from __future__ import annotations

from flask.testing import FlaskClient

from interfaces.container import Container
from tests.support.api import Api
from tests.support.readmodels import dump


def test_rebuilt_projects_read_model_equals_the_live_one(client: FlaskClient, api: Api, container: Container) -> None:
    owner, member, gone = api.register("owner"), api.register("member"), api.register("gone")
    kept, deleted = api.create_project(owner, name="kept"), api.create_project(owner, name="deleted")
    for project in (kept, deleted):
        client.post(f"/api/projects/{project}/modules", json={"path": "core"}, headers=owner.headers)
        client.post(f"/api/projects/{project}/filePatterns", json={"pattern": "**/*.py", "inclusionType": "INCLUDE"},
                    headers=owner.headers)
    client.post(f"/api/projects/{kept}", json={"name": "renamed", "vcsUrl": "git://host/r.git"}, headers=owner.headers)
    team = api.create_team(owner, "team", [member, gone])
    api.assign_team(owner, kept, team, "ADMIN")
    api.set_role(owner, kept, gone, "MEMBER")
    other_team = api.create_team(owner, "other", [member])
    api.assign_team(owner, kept, other_team, "MEMBER")
    assert client.delete(f"/api/teams/{other_team}", headers=owner.headers).status_code == 200
    assert client.delete(f"/api/projects/{deleted}", headers=owner.headers).status_code == 200
    assert client.delete(f"/api/users/{gone.id}", headers=owner.headers).status_code == 200
    live = dump(container.runner, ["projects"])
    assert live["projects"] and live["project_history"] and live["team_members"]
    container.runner.rebuild(["projects"])
    assert dump(container.runner, ["projects"]) == live
