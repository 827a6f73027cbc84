"""Who may call which project, configuration, role and team endpoint.

Every endpoint is called by seven callers: nobody (no credentials), a user without a role, a MEMBER,
an ADMIN (the project's creator, who also created the teams), a MEMBER and an ADMIN through teams, and a
platform admin. One server per backend serves the whole table; each call gets fresh targets, so an
allowed DELETE never takes away what the next caller needs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.api import Api, User
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env

BACKENDS = [b.strip() for b in os.environ.get("CODEANNALS_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]
LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
BLUEPRINTS = {
    "coderadar_projects", "coderadar_modules", "coderadar_file_patterns", "coderadar_analyzers", "coderadar_roles",
    "coderadar_teams", "coderadar_project_history",
}
CALLERS = ["anonymous", "outsider", "member", "admin", "team_member", "team_admin", "platform_admin"]


@dataclass
class World:
    client: FlaskClient
    api: Api
    users: dict[str, User] = field(default_factory=dict)
    project: int = 0
    member_team: int = 0
    admin_team: int = 0
    counter: int = 0

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.client.post(path, json=body or {}, headers=self.users["admin"].headers)
        assert r.status_code in (200, 201), (path, r.get_json())
        return r.get_json()

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def new_project(self) -> int:
        """A project with every role of the table: created by admin, member given directly, teams assigned."""
        project = self.api.create_project(self.users["admin"])
        self.api.set_role(self.users["admin"], project, self.users["member"], "MEMBER")
        self.api.assign_team(self.users["admin"], project, self.member_team, "MEMBER")
        self.api.assign_team(self.users["admin"], project, self.admin_team, "ADMIN")
        return project

    def new_user(self) -> User:
        return self.api.register(self.unique("target"))

    def new_team(self) -> int:
        return self.api.create_team(self.users["admin"], self.unique("team"), [self.users["bystander"]])


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if request.param == "postgres" and postgres_unavailable_reason():
        pytest.skip(str(postgres_unavailable_reason()))
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if request.param == "postgres" else None
        data_dir: Path = tmp_path_factory.mktemp("permissions")
        container = Container(Settings.from_env(server_env(data_dir, url)))
        container.start()
        stack.callback(container.close)
        client = create_app(container=container, start=False).test_client()
        api = Api(client)
        w = World(client, api)
        for name in ("platform_admin", "outsider", "member", "admin", "team_member", "team_admin", "bystander"):
            w.users[name] = api.register(name)
        w.member_team = api.create_team(w.users["admin"], "member-team", [w.users["team_member"]])
        w.admin_team = api.create_team(w.users["admin"], "admin-team", [w.users["team_admin"]])
        w.project = w.new_project()
        yield w


# --- the table --------------------------------------------------------------------------------------
# Who is allowed: MEMBER / ADMIN of the project, any USER logged in, the team's MANAGER (its creator, here
# "admin"), or SELF (the user named in the path, here "admin"); platform admins always are.
ALLOWED = {
    "MEMBER": {"member", "admin", "team_member", "team_admin", "platform_admin"},
    "ADMIN": {"admin", "team_admin", "platform_admin"},
    "USER": {"outsider", "member", "admin", "team_member", "team_admin", "platform_admin"},
    "MANAGER": {"admin", "platform_admin"},
    "SELF": {"admin", "platform_admin"},
}

Setup = Callable[[World], tuple[str, dict[str, Any] | None]]


def _module(w: World) -> int:
    return int(w.post(f"/api/projects/{w.project}/modules", {"path": w.unique("m")})["id"])


def _pattern(w: World) -> int:
    body = {"pattern": f"**/*.{w.unique('x')}", "inclusionType": "INCLUDE"}
    return int(w.post(f"/api/projects/{w.project}/filePatterns", body)["id"])


def _analyzer(w: World, project: int | None = None) -> int:
    body = {"analyzerName": LOC, "enabled": True}
    return int(w.post(f"/api/projects/{project or w.project}/analyzers", body)["id"])


def _with_analyzer(w: World) -> tuple[int, int]:
    project = w.new_project()
    return project, _analyzer(w, project)


def _user_with_role(w: World) -> int:
    user = w.new_user()
    w.api.set_role(w.users["admin"], w.project, user, "MEMBER")
    return user.id


def _assigned_team(w: World) -> int:
    team = w.new_team()
    w.api.assign_team(w.users["admin"], w.project, team, "MEMBER")
    return team


ENDPOINTS: list[tuple[str, str, str, Setup]] = [
    # projects (3.1)
    ("GET", "USER", "list projects", lambda w: ("/api/projects", None)),
    ("POST", "USER", "create project", lambda w: ("/api/projects", {"name": "p", "vcsUrl": "https://valid.url"})),
    ("GET", "MEMBER", "get project", lambda w: (f"/api/projects/{w.project}", None)),
    ("GET", "MEMBER", "get project asOf", lambda w: (f"/api/projects/{w.project}?asOf=2999-01-01T00:00:00Z", None)),
    ("POST", "ADMIN", "update project", lambda w: (f"/api/projects/{w.project}", {"defaultBranch": w.unique("b")})),
    ("DELETE", "ADMIN", "delete project", lambda w: (f"/api/projects/{w.new_project()}", None)),
    ("GET", "ADMIN", "project history", lambda w: (f"/api/projects/{w.project}/history", None)),
    # modules (3.2)
    ("GET", "MEMBER", "list modules", lambda w: (f"/api/projects/{w.project}/modules", None)),
    ("POST", "ADMIN", "create module", lambda w: (f"/api/projects/{w.project}/modules", {"path": w.unique("n")})),
    ("GET", "MEMBER", "get module", lambda w: (f"/api/projects/{w.project}/modules/{_module(w)}", None)),
    ("POST", "ADMIN", "update module",
     lambda w: (f"/api/projects/{w.project}/modules/{_module(w)}", {"path": w.unique("u")})),
    ("DELETE", "ADMIN", "delete module", lambda w: (f"/api/projects/{w.project}/modules/{_module(w)}", None)),
    # file patterns (3.4)
    ("GET", "MEMBER", "list file patterns", lambda w: (f"/api/projects/{w.project}/filePatterns", None)),
    ("POST", "ADMIN", "add file pattern", lambda w: (
        f"/api/projects/{w.project}/filePatterns", {"pattern": f"{w.unique('d')}/**", "inclusionType": "EXCLUDE"})),
    ("GET", "MEMBER", "get file pattern", lambda w: (f"/api/projects/{w.project}/filePatterns/{_pattern(w)}", None)),
    ("POST", "ADMIN", "update file pattern", lambda w: (
        f"/api/projects/{w.project}/filePatterns/{_pattern(w)}",
        {"pattern": f"{w.unique('e')}/**", "inclusionType": "INCLUDE"})),
    ("DELETE", "ADMIN", "remove file pattern",
     lambda w: (f"/api/projects/{w.project}/filePatterns/{_pattern(w)}", None)),
    # analyzers (3.5, 4.1)
    ("GET", "USER", "available analyzers", lambda w: ("/api/analyzers", None)),
    ("GET", "MEMBER", "list analyzer configurations", lambda w: (f"/api/projects/{w.project}/analyzers", None)),
    ("POST", "ADMIN", "add analyzer configuration", lambda w: (
        f"/api/projects/{w.new_project()}/analyzers", {"analyzerName": LOC, "enabled": True})),
    ("GET", "MEMBER", "get analyzer configuration",
     lambda w: ("/api/projects/{}/analyzers/{}".format(*_with_analyzer(w)), None)),
    ("POST", "ADMIN", "update analyzer configuration",
     lambda w: ("/api/projects/{}/analyzers/{}".format(*_with_analyzer(w)), {"analyzerName": LOC, "enabled": False})),
    ("DELETE", "ADMIN", "delete analyzer configuration",
     lambda w: ("/api/projects/{}/analyzers/{}".format(*_with_analyzer(w)), None)),
    # roles (2.4)
    ("POST", "ADMIN", "set user role",
     lambda w: (f"/api/projects/{w.project}/users/{w.new_user().id}", {"role": "MEMBER"})),
    ("DELETE", "ADMIN", "remove user role", lambda w: (f"/api/projects/{w.project}/users/{_user_with_role(w)}", None)),
    ("GET", "MEMBER", "list project users", lambda w: (f"/api/projects/{w.project}/users/", None)),
    ("GET", "SELF", "list user projects", lambda w: (f"/api/users/{w.users['admin'].id}/projects", None)),
    # teams (8)
    ("POST", "USER", "create team", lambda w: ("/api/teams", {"name": w.unique("new-team"), "userIds": []})),
    ("POST", "MANAGER", "update team", lambda w: (f"/api/teams/{w.new_team()}", {"name": w.unique("renamed")})),
    ("DELETE", "MANAGER", "delete team", lambda w: (f"/api/teams/{w.new_team()}", None)),
    ("POST", "MANAGER", "add team users",
     lambda w: (f"/api/teams/{w.new_team()}/users", {"elements": [w.users["member"].id]})),
    ("DELETE", "MANAGER", "remove team users",
     lambda w: (f"/api/teams/{w.new_team()}/users", {"elements": [w.users["bystander"].id]})),
    ("GET", "USER", "get team", lambda w: (f"/api/teams/{w.member_team}", None)),
    ("GET", "USER", "list teams", lambda w: ("/api/teams/", None)),
    ("POST", "ADMIN", "assign team to project",
     lambda w: (f"/api/projects/{w.project}/teams/{w.new_team()}", {"role": "MEMBER"})),
    ("DELETE", "ADMIN", "remove team from project",
     lambda w: (f"/api/projects/{w.project}/teams/{_assigned_team(w)}", None)),
    ("GET", "MEMBER", "list project teams", lambda w: (f"/api/projects/{w.project}/teams", None)),
    ("GET", "USER", "list user teams", lambda w: (f"/api/users/{w.users['team_member'].id}/teams", None)),
    ("GET", "USER", "list team projects", lambda w: (f"/api/teams/{w.member_team}/projects", None)),
]


@pytest.mark.parametrize(("method", "rule", "name", "setup"), ENDPOINTS, ids=[e[2] for e in ENDPOINTS])
def test_who_may_call(world: World, method: str, rule: str, name: str, setup: Setup) -> None:
    results: dict[str, int] = {}
    for caller in CALLERS:
        path, body = setup(world)
        headers = {} if caller == "anonymous" else world.users[caller].headers
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        r = world.client.open(path, method=method, **kwargs)
        results[caller] = r.status_code
        if r.status_code >= 400:
            assert set(r.get_json()) == {"errorMessage"}, (caller, name)
    expected = {
        caller: (401 if caller == "anonymous" else ("ok" if caller in ALLOWED[rule] else 403)) for caller in CALLERS
    }
    got = {caller: ("ok" if 200 <= status < 300 else status) for caller, status in results.items()}
    assert got == expected, f"{method} {name}"


def test_the_table_covers_every_projects_endpoint(world: World) -> None:
    """Every route of this issue's blueprints is in the table."""
    app = world.client.application
    covered = set()
    for method, _, _, setup in ENDPOINTS:
        path, _ = setup(world)
        adapter = app.url_map.bind("localhost")
        endpoint, _ = adapter.match(path.split("?")[0], method=method)
        covered.add((endpoint, method))
    ours = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in BLUEPRINTS
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert ours - covered == set()
