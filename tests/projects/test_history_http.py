"""A project's history, its configuration as of any moment, and concurrent changes."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.projects.service import ProjectsApplication
from interfaces.container import Container
from tests.support.api import Api

LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"


def now() -> str:
    return datetime.now(UTC).isoformat()


def test_history_lists_every_change_with_time_actor_type_and_what_changed(client: FlaskClient, api: Api) -> None:
    owner, member = api.register("owner"), api.register("member")
    project = api.create_project(owner, vcsPassword="hunter22")
    api.set_role(owner, project, member, "ADMIN")
    client.post(f"/api/projects/{project}", json={"name": "renamed", "vcsPassword": "other-secret"},
                headers=member.headers)
    module = client.post(f"/api/projects/{project}/modules", json={"path": "core"}, headers=owner.headers)
    client.delete(f"/api/projects/{project}/modules/{module.get_json()['id']}", headers=owner.headers)
    r = client.get(f"/api/projects/{project}/history", headers=owner.headers)
    assert r.status_code == 200
    events = r.get_json()
    assert [(e["type"], e["actor"]) for e in events] == [
        ("Project.Created", f"user:{owner.id}"),
        ("ProjectMembers.UserRoleSet", f"user:{owner.id}"),
        ("Project.Renamed", f"user:{member.id}"),
        ("Project.VcsCredentialsChanged", f"user:{member.id}"),
        ("ProjectModules.ModuleAdded", f"user:{owner.id}"),
        ("ProjectModules.ModuleRemoved", f"user:{owner.id}"),
    ]
    assert events[0]["changes"]["name"] == "project" and events[0]["changes"]["vcsPassword"] == "***"
    assert events[1]["changes"] == {"userId": member.id, "role": "ADMIN"}
    assert events[2]["changes"] == {"name": "renamed"}
    assert events[3]["changes"] == {"vcsUsername": "testUser", "vcsPassword": "***"}
    module_id = module.get_json()["id"]
    assert events[4]["changes"] == {"id": module_id, "path": "core/"} and events[5]["changes"] == {"id": module_id}
    times = [e["time"] for e in events]
    assert times == sorted(times) and all(datetime.fromisoformat(t).tzinfo for t in times)
    assert "hunter22" not in r.get_data(as_text=True) and "other-secret" not in r.get_data(as_text=True)
    page = client.get(f"/api/projects/{project}/history?limit=2&offset=1", headers=owner.headers).get_json()
    assert [e["position"] for e in page] == [e["position"] for e in events[1:3]]


def test_a_project_changed_three_times_reads_back_as_of_each_moment(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    before = now()
    project = api.create_project(owner, name="first", startDate=None, defaultBranch="master")
    states, moments = [], []

    def remember() -> None:
        states.append(client.get(f"/api/projects/{project}", headers=owner.headers).get_json())
        moments.append(now())

    remember()
    for change in ({"name": "second"},
                   {"vcsUrl": "https://example.org/repo.git", "vcsUsername": "someone"},
                   {"startDate": "2021-01-02T03:04:05.678Z", "defaultBranch": "main"}):
        assert client.post(f"/api/projects/{project}", json=change, headers=owner.headers).status_code == 200
        remember()
    assert len({s["name"] + s["vcsUrl"] + str(s["startDate"]) for s in states}) == 4
    for state, moment in zip(states, moments, strict=True):
        for value in (moment, moment.replace("+00:00", "Z")):
            r = client.get(f"/api/projects/{project}", query_string={"asOf": value}, headers=owner.headers)
            assert r.status_code == 200 and r.get_json() == state, moment
    # A GET with a JSON body, as coderadar allows, and epoch milliseconds.
    r = client.get(f"/api/projects/{project}", json={"asOf": moments[1]}, headers=owner.headers)
    assert r.get_json() == states[1]
    millis = int(datetime.fromisoformat(moments[2]).timestamp() * 1000) + 1
    assert client.get(f"/api/projects/{project}?asOf={millis}", headers=owner.headers).get_json() == states[2]
    r = client.get(f"/api/projects/{project}", query_string={"asOf": before}, headers=owner.headers)
    assert r.status_code == 404 and "did not exist" in r.get_json()["errorMessage"]
    assert client.get(f"/api/projects/{project}?asOf=last-tuesday", headers=owner.headers).status_code == 400


def test_modules_patterns_and_analyzers_as_of_earlier_moments(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    project = api.create_project(owner)
    base = f"/api/projects/{project}"
    empty = now()
    a = client.post(f"{base}/modules", json={"path": "a"}, headers=owner.headers).get_json()["id"]
    p = client.post(f"{base}/filePatterns", json={"pattern": "**/*.java", "inclusionType": "INCLUDE"},
                    headers=owner.headers).get_json()["id"]
    c = client.post(f"{base}/analyzers", json={"analyzerName": LOC, "enabled": True},
                    headers=owner.headers).get_json()["id"]
    first = now()
    b = client.post(f"{base}/modules", json={"path": "b"}, headers=owner.headers).get_json()["id"]
    client.delete(f"{base}/modules/{a}", headers=owner.headers)
    client.post(f"{base}/filePatterns/{p}", json={"pattern": "src/**", "inclusionType": "EXCLUDE"},
                headers=owner.headers)
    client.post(f"{base}/analyzers/{c}", json={"analyzerName": LOC, "enabled": False}, headers=owner.headers)
    second = now()

    def at(path: str, moment: str) -> Any:
        r = client.get(f"{base}/{path}", query_string={"asOf": moment}, headers=owner.headers)
        return r.status_code if r.status_code != 200 else r.get_json()

    assert at("modules", empty) == [] and at("filePatterns", empty) == [] and at("analyzers", empty) == []
    assert at("modules", first) == [{"id": a, "path": "a/"}]
    assert at("modules", second) == [{"id": b, "path": "b/"}]
    assert at(f"modules/{a}", first) == {"id": a, "path": "a/"}
    assert at(f"modules/{a}", second) == 404  # deleted by then, and deleted now: still readable as of then
    assert at(f"modules/{b}", first) == 404
    assert at("filePatterns", first) == [{"id": p, "pattern": "**/*.java", "inclusionType": "INCLUDE"}]
    assert at(f"filePatterns/{p}", second) == {"id": p, "pattern": "src/**", "inclusionType": "EXCLUDE"}
    assert at("analyzers", first) == [{"id": c, "analyzerName": LOC, "enabled": True}]
    assert at(f"analyzers/{c}", second) == {"id": c, "analyzerName": LOC, "enabled": False}
    assert at("modules", (datetime.now(UTC) - timedelta(days=1)).isoformat()) == 404


@pytest.fixture
def interleave(container: Container, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make the next two loads of one kind of aggregate meet before either is saved: both commands then
    work on the same version, as two requests arriving together would."""

    def arm(method: str) -> None:
        app = container.app(ProjectsApplication)
        original = getattr(app, method)
        barrier = threading.Barrier(2, timeout=20)
        calls = itertools.count()

        def load_then_wait(*args: Any) -> Any:
            loaded = original(*args)
            if next(calls) < 2:
                barrier.wait()
            return loaded

        monkeypatch.setattr(app, method, load_then_wait)

    return arm


def _together(app: Flask, requests: list[tuple[str, str, dict[str, Any], dict[str, str]]]) -> list[Any]:
    results: list[Any] = [None] * len(requests)

    def run(i: int, method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        results[i] = app.test_client().open(path, method=method, json=body, headers=headers)

    threads = [threading.Thread(target=run, args=(i, *req)) for i, req in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_concurrent_updates_of_a_project_one_wins_the_other_gets_409(
    app: Flask, client: FlaskClient, api: Api, interleave: Callable[[str], None]
) -> None:
    owner = api.register("owner")
    project = api.create_project(owner)
    interleave("project")
    path = f"/api/projects/{project}"
    results = _together(app, [("POST", path, {"name": "from-a"}, owner.headers),
                              ("POST", path, {"name": "from-b"}, owner.headers)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert "concurrent" in loser.get_json()["errorMessage"]
    winner = "from-a" if results[0].status_code == 200 else "from-b"
    assert client.get(path, headers=owner.headers).get_json()["name"] == winner
    renames = [e for e in client.get(f"{path}/history", headers=owner.headers).get_json()
               if e["type"] == "Project.Renamed"]
    assert [e["changes"]["name"] for e in renames] == [winner]


def test_two_concurrent_module_additions_are_both_applied(
    app: Flask, client: FlaskClient, api: Api, interleave: Callable[[str], None]
) -> None:
    owner = api.register("owner")
    project = api.create_project(owner)
    interleave("modules")
    path = f"/api/projects/{project}/modules"
    results = _together(app, [("POST", path, {"path": "left"}, owner.headers),
                              ("POST", path, {"path": "right"}, owner.headers)])
    assert [r.status_code for r in results] == [201, 201]
    listed = client.get(path, headers=owner.headers).get_json()
    assert sorted(m["path"] for m in listed) == ["left/", "right/"]
    assert sorted(m["id"] for m in listed) == sorted(r.get_json()["id"] for r in results)
