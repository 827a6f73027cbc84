"""Copr API 2: builds and build tasks, their query parameters and errors, task progress from CI agents,
cancel and delete, and the audit trail of a build's life."""

from __future__ import annotations

import io
import json
from typing import Any

from flask.testing import FlaskClient

from tests.support.api import Api
from tests.support.copr import Copr, CoprUser

SRPM = "https://example.org/srpms/hello-2.12-1.fc40.src.rpm"
BUILD_FIELDS = ["id", "state", "submitter", "built_packages", "package_version", "package_name", "repos",
                "submitted_on", "enable_net", "source_type", "source_metadata"]
TASK_FIELDS = ["state", "started_on", "ended_on", "git_hash", "chroot_name", "build_id", "result_dir_url"]


def build_links(build_id: int, project_id: int) -> dict[str, Any]:
    return {
        "self": {"href": f"/api_2/builds/{build_id}"},
        "project": {"href": f"/api_2/projects/{project_id}"},
        "build_tasks": {"href": f"/api_2/build_tasks?build_id={build_id}"},
        "test_runs": {"href": f"/api/test-runs?buildKey={build_id}"},
    }


def task_links(build_id: int, chroot: str, project_id: int) -> dict[str, Any]:
    return {
        "self": {"href": f"/api_2/build_tasks/{build_id}/{chroot}"},
        "project": {"href": f"/api_2/projects/{project_id}"},
        "build": {"href": f"/api_2/builds/{build_id}"},
    }


def test_a_build_from_an_srpm_url(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64", "epel-9-x86_64"], build_enable_net=True,
                                     repos=["https://example.org/extra/"])
    r = client.post("/api_2/builds", json={"project_id": project_id, "srpm_url": SRPM,
                                           "chroots": ["fedora-40-x86_64"], "enable_net": False},
                    headers=alice.auth)
    assert r.status_code == 201 and r.data == b""
    assert r.headers["Location"].startswith("http://localhost/api_2/builds/")
    build_id = int(r.headers["Location"].rsplit("/", 1)[1])
    body = copr.get(f"/api_2/builds/{build_id}")
    submitted_on = body["build"]["submitted_on"]
    assert isinstance(submitted_on, int) and submitted_on > 1_600_000_000
    assert body == {
        "build": {
            "id": build_id, "state": "pending", "submitter": "alice", "built_packages": [],
            "package_version": "2.12-1.fc40", "package_name": "hello", "repos": ["https://example.org/extra/"],
            "submitted_on": submitted_on, "enable_net": False, "source_type": "link",
            "source_metadata": {"url": SRPM},
        },
        "packages": [],
        "_links": build_links(build_id, project_id),
    }
    assert list(body["build"]) == BUILD_FIELDS
    task = {"state": "pending", "started_on": None, "ended_on": None, "git_hash": None,
            "chroot_name": "fedora-40-x86_64", "build_id": build_id, "result_dir_url": None}
    tasks = copr.get(f"/api_2/build_tasks?build_id={build_id}")
    assert tasks == {"build_tasks": [{"build_task": task, "_links": task_links(build_id, "fedora-40-x86_64",
                                                                                project_id)}],
                     "_links": {"self": {"href": f"/api_2/build_tasks?build_id={build_id}"}}}
    assert list(tasks["build_tasks"][0]["build_task"]) == TASK_FIELDS
    assert copr.get(f"/api_2/build_tasks/{build_id}/fedora-40-x86_64") == tasks["build_tasks"][0]
    shown = copr.get(f"/api_2/builds/{build_id}?show_build_tasks=yes")
    assert shown["build_tasks"] == tasks["build_tasks"]
    assert shown["_links"]["self"] == {"href": f"/api_2/builds/{build_id}?show_build_tasks=true"}
    assert "build_tasks" not in copr.get(f"/api_2/builds/{build_id}?show_build_tasks=0")
    assert "show_build_tasks" in copr.get(f"/api_2/builds/{build_id}?show_build_tasks=sure", 400)["message"]

    # No chroots given: every chroot of the project; enable_net left out: the project's setting.
    every = copr.create_build(alice, project_id)
    assert [t["build_task"]["chroot_name"] for t in copr.get(f"/api_2/build_tasks?build_id={every}")[
        "build_tasks"]] == ["epel-9-x86_64", "fedora-40-x86_64"]
    assert copr.get(f"/api_2/builds/{every}")["build"]["enable_net"] is True


def test_a_build_from_a_commit(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice = copr.user("alice")
    project_id = api.create_project(alice.user, name="repo", vcs_url="https://example.invalid/repo.git")
    r = client.post(f"/api_2/projects/{project_id}/chroots", json={"name": "fedora-40-x86_64"}, headers=alice.auth)
    assert r.status_code == 201
    commit = "0123456789ABCDEF0123456789abcdef01234567"
    r = client.post("/api_2/builds", json={"project_id": project_id, "git_hash": commit}, headers=alice.auth)
    assert r.status_code == 201
    build = copr.get(r.headers["Location"].replace("http://localhost", ""))["build"]
    assert build["source_type"] == "scm" and build["package_name"] is None
    assert build["source_metadata"] == {"type": "git", "clone_url": "https://example.invalid/repo.git",
                                        "committish": commit.lower()}
    task = copr.get(f"/api_2/build_tasks/{build['id']}/fedora-40-x86_64")["build_task"]
    assert task["git_hash"] == commit.lower()
    # A project made through Copr has no repository: there is no commit of it to build.
    copr_project = copr.create_project(alice, "no-repo")
    r = client.post("/api_2/builds", json={"project_id": copr_project, "git_hash": commit}, headers=alice.auth)
    assert r.status_code == 400 and "no repository (vcsUrl)" in r.get_json()["message"]


def test_submitting_is_checked(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, member, stranger = copr.user("alice"), copr.user("member"), copr.user("stranger")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64"])
    bare = copr.create_project(alice, "bare", chroots=[])
    api.set_role(alice.user, project_id, member.user, "MEMBER")
    ok = {"project_id": project_id, "srpm_url": SRPM}
    assert client.post("/api_2/builds", json=ok).status_code == 401
    r = client.post("/api_2/builds", json=ok, headers=stranger.auth)
    assert r.status_code == 403 and "MEMBER" in r.get_json()["message"]
    assert client.post("/api_2/builds", json=ok, headers=member.auth).status_code == 201
    r = client.post("/api_2/builds", json={**ok, "project_id": 999999999}, headers=alice.auth)
    assert r.status_code == 404 and r.get_json() == {"message": "Project with id `999999999` not found",
                                                     "data": {"project_id": 999999999}}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"project_id": project_id}, "either srpm_url"),
        ({**ok, "git_hash": "abcdef1"}, "either srpm_url"),
        ({**ok, "srpm_url": "ftp://example.org/x.src.rpm"}, "srpm_url must be an http or https URL"),
        ({**ok, "srpm_url": "https://"}, "srpm_url"),
        ({"project_id": project_id, "git_hash": "not-a-commit"}, "git_hash"),
        ({**ok, "chroots": ["epel-9-x86_64"]}, f"Chroot epel-9-x86_64 is not enabled in project {project_id}"),
        ({**ok, "chroots": ["bogus"]}, "Bad mock chroot name"),
        ({**ok, "chroots": "fedora-40-x86_64"}, "chroots"),
        ({**ok, "enable_net": "sometimes"}, "enable_net"),
        ({"srpm_url": SRPM}, "project_id"),
        ({"project_id": bare, "srpm_url": SRPM}, f"Project {bare} has no chroots enabled"),
    ]
    for body, message in cases:
        r = client.post("/api_2/builds", json=body, headers=alice.auth)
        assert r.status_code == 400, body
        assert message in r.get_json()["message"], (body, r.get_json())
    # an upload (create_from_file) of a file that is not an SRPM is refused; uploads: tests/builds/test_copr_upload.py
    upload = {"metadata": json.dumps({"project_id": project_id}), "srpm": (io.BytesIO(b"rpm"), "hello.tar.gz")}
    r = client.post("/api_2/builds", data=upload, content_type="multipart/form-data", headers=alice.auth)
    assert r.status_code == 400 and "SRPM" in r.get_json()["message"]
    assert len(copr.get("/api_2/builds")["builds"]) == 1  # only the member's


def test_build_query_parameters(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, bob = copr.user("alice"), copr.user("bob")
    api.create_team(bob.user, "qa", [bob.user])
    a = copr.create_project(alice, "a")
    b = copr.create_project(bob, "b", group="qa")
    a1, b1, a2 = copr.create_build(alice, a), copr.create_build(bob, b), copr.create_build(alice, a)
    copr.report(alice, a1, "fedora-40-x86_64", state="succeeded")

    def ids(query: str) -> list[int]:
        return [x["build"]["id"] for x in copr.get(f"/api_2/builds{query}")["builds"]]

    assert ids("") == [a2, b1, a1]  # newest first
    assert ids(f"?project_id={a}") == [a2, a1] and ids(f"?project_id={b}") == [b1]
    assert ids("?owner=alice") == [a2, a1] and ids("?owner=BOB") == [b1]
    assert ids("?group=qa") == [b1] and ids("?group=nobody") == []
    assert ids(f"?project_id={a}&owner=bob") == [a2, a1]  # project_id wins, as in Copr
    for word in ("true", "yes", "1", "TRUE"):
        assert ids(f"?is_finished={word}") == [a1]
    for word in ("false", "no", "0", "No"):
        assert ids(f"?is_finished={word}") == [a2, b1]
    assert ids("?limit=1") == [a2] and ids("?limit=2&offset=1") == [b1, a1] and ids("?offset=3") == []
    assert ids("?limit=100") == [a2, b1, a1]
    assert copr.get(f"/api_2/builds?project_id={a}&is_finished=no&limit=5")["_links"] == {
        "self": {"href": f"/api_2/builds?project_id={a}&is_finished=false&limit=5"}}
    for bad in ("limit=0", "limit=101", "limit=ten", "offset=-1", "project_id=abc", "is_finished=maybe",
                "is_finished="):
        body = copr.get(f"/api_2/builds?{bad}", 400)
        assert bad.split("=")[0] in body["message"], (bad, body)
    # The seed's example, exactly.
    r = client.get("/api_2/builds?project_id=999999999")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/json"
    assert r.get_json() == {"message": "Project with id `999999999` not found", "data": {"project_id": 999999999}}
    assert copr.get("/api_2/builds?owner=nobody", 404) == {"message": "User with name `nobody` not found",
                                                           "data": {"owner": "nobody"}}
    assert copr.get("/api_2/builds/999999999", 404) == {"message": "Build with id `999999999` not found",
                                                        "data": {"build_id": 999999999}}


def test_build_task_query_parameters(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, bob = copr.user("alice"), copr.user("bob")
    api.create_team(bob.user, "qa", [bob.user])
    a = copr.create_project(alice, "a", chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    b = copr.create_project(bob, "b", chroots=["fedora-40-x86_64"], group="qa")
    a1, b1 = copr.create_build(alice, a), copr.create_build(bob, b)
    copr.report(alice, a1, "epel-9-x86_64", state="running")

    def tasks(query: str) -> list[tuple[int, str]]:
        body = copr.get(f"/api_2/build_tasks{query}")
        return [(t["build_task"]["build_id"], t["build_task"]["chroot_name"]) for t in body["build_tasks"]]

    everything = [(b1, "fedora-40-x86_64"), (a1, "epel-9-x86_64"), (a1, "fedora-40-x86_64")]
    assert tasks("") == everything
    assert tasks(f"?build_id={a1}") == everything[1:] and tasks(f"?project_id={b}") == everything[:1]
    assert tasks("?owner=alice") == everything[1:] and tasks("?owner=nobody") == []
    assert tasks("?group=qa") == everything[:1]
    assert tasks("?state=running") == [(a1, "epel-9-x86_64")] and tasks("?state=failed") == []
    assert tasks(f"?state=pending&project_id={a}") == [(a1, "fedora-40-x86_64")]
    assert tasks(f"?build_id={a1}&project_id={b}&owner=bob") == everything[1:]  # build_id wins, as in Copr
    assert tasks("?limit=1") == everything[:1] and tasks("?limit=1&offset=2") == everything[2:]
    assert copr.get("/api_2/build_tasks?state=running&limit=5")["_links"] == {
        "self": {"href": "/api_2/build_tasks?state=running&limit=5"}}
    for bad in ("state=done", "limit=0", "limit=101", "offset=-3", "build_id=x", "project_id=1.5"):
        assert bad.split("=")[0] in copr.get(f"/api_2/build_tasks?{bad}", 400)["message"], bad
    assert copr.get("/api_2/build_tasks?build_id=999999999", 404)["data"] == {"build_id": 999999999}
    assert copr.get("/api_2/build_tasks?project_id=999999999", 404)["data"] == {"project_id": 999999999}
    assert copr.get(f"/api_2/build_tasks/{a1}/epel-8-x86_64", 404)["message"] == \
        f"Build task {a1}/epel-8-x86_64 not found"
    assert copr.get("/api_2/build_tasks/999999999/epel-8-x86_64", 404)["data"] == {"build_id": 999999999}


def test_agents_report_task_progress_through_the_state_machine(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, agent, stranger = copr.user("alice"), copr.user("agent"), copr.user("stranger")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    api.set_role(alice.user, project_id, agent.user, "MEMBER")
    build_id = copr.create_build(alice, project_id)
    path = f"/api_2/build_tasks/{build_id}/fedora-40-x86_64"

    def state() -> str:
        result: str = copr.get(f"/api_2/builds/{build_id}")["build"]["state"]
        return result

    assert client.put(path, json={"state": "running"}).status_code == 401
    assert client.put(path, json={"state": "running"}, headers=stranger.auth).status_code == 403
    task = copr.report(agent, build_id, "fedora-40-x86_64", state="starting", started_on=1700000000)
    assert task["state"] == "starting" and task["started_on"] == 1700000000 and state() == "starting"
    r = client.put(path, json={"state": "running", "git_hash": "a" * 40}, headers=agent.auth)
    assert r.status_code == 200
    assert r.get_json() == {"build_task": {
        "state": "running", "started_on": 1700000000, "ended_on": None, "git_hash": "a" * 40,
        "chroot_name": "fedora-40-x86_64", "build_id": build_id, "result_dir_url": None,
    }, "_links": task_links(build_id, "fedora-40-x86_64", project_id)}
    assert state() == "running"
    task = copr.report(agent, build_id, "fedora-40-x86_64", state="failed", ended_on=1700000600,
                       result_dir_url="https://results.example.org/alice/project/fedora-40-x86_64/1/")
    assert task["ended_on"] == 1700000600 and state() == "pending"  # the other task is still pending
    copr.report(agent, build_id, "epel-9-x86_64", state="succeeded")
    assert state() == "failed"
    assert copr.get(f"/api_2/builds/{build_id}")["build"]["state"] == "failed"

    refused = [
        ({"state": "running"}, "the task is failed: a finished task cannot become running"),
        ({"state": "failed", "ended_on": 1700000700}, "the task is failed: a finished task cannot change"),
    ]
    for body, message in refused:
        r = client.put(path, json=body, headers=agent.auth)
        assert r.status_code == 400 and r.headers["Content-Type"] == "application/json"
        assert r.get_json() == {"message": f"Build task {build_id}/fedora-40-x86_64: {message}",
                                "data": {"state": "failed"}}
    assert client.put(path, json={"state": "failed"}, headers=agent.auth).status_code == 200  # a retried report

    other = copr.create_build(alice, project_id)
    other_path = f"/api_2/build_tasks/{other}/fedora-40-x86_64"
    copr.report(agent, other, "fedora-40-x86_64", state="running")
    invalid = [
        ({}, "state"), ({"state": "done"}, "state"), ({"state": "unknown"}, "state"),
        ({"state": "pending"}, "cannot go back to pending"),
        ({"state": "succeeded", "started_on": "yesterday"}, "started_on"),
        ({"state": "succeeded", "ended_on": -5}, "ended_on"),
        ({"state": "succeeded", "started_on": 20, "ended_on": 10}, "ended_on must not be before started_on"),
        ({"state": "running", "git_hash": "xyz"}, "git_hash"),
        ({"state": "running", "result_dir_url": "file:///etc/passwd"}, "result_dir_url"),
    ]
    for body, message in invalid:
        r = client.put(other_path, json=body, headers=agent.auth)
        assert r.status_code == 400 and message in r.get_json()["message"], (body, r.get_json())
    assert copr.get(other_path)["build_task"]["state"] == "running"  # nothing refused changed it
    r = client.put(f"/api_2/build_tasks/{other}/epel-8-x86_64", json={"state": "running"}, headers=agent.auth)
    assert r.status_code == 404
    assert client.put("/api_2/build_tasks/999999999/epel-8-x86_64", json={"state": "running"},
                      headers=agent.auth).status_code == 404


def test_cancel_and_delete(client: FlaskClient, api: Api, copr: Copr) -> None:
    alice, member, stranger = copr.user("alice"), copr.user("member"), copr.user("stranger")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    api.set_role(alice.user, project_id, member.user, "MEMBER")
    build_id = copr.create_build(member, project_id)
    copr.report(member, build_id, "fedora-40-x86_64", state="succeeded")
    path = f"/api_2/builds/{build_id}"
    r = client.delete(path, headers=member.auth)
    assert r.status_code == 400 and r.get_json() == {
        "message": f"Cannot delete build {build_id}: it is pending: cancel it first (only a finished build can be "
                   "deleted)", "data": {"state": "pending"}}
    assert client.put(path, json={"state": "canceled"}).status_code == 401
    assert client.put(path, json={"state": "canceled"}, headers=stranger.auth).status_code == 403
    r = client.put(path, json={"state": "running"}, headers=member.auth)
    assert r.status_code == 400 and "can only be canceled" in r.get_json()["message"]
    # What the client sends: the build entity's dump, {"state": "canceled"}.
    r = client.put(path, json={"state": "canceled"}, headers=member.auth)
    assert r.status_code == 201 and r.headers["Location"] == f"http://localhost{path}"
    assert copr.get(path)["build"]["state"] == "canceled"
    states = {t["build_task"]["chroot_name"]: t["build_task"]["state"]
              for t in copr.get(f"/api_2/build_tasks?build_id={build_id}")["build_tasks"]}
    assert states == {"fedora-40-x86_64": "succeeded", "epel-9-x86_64": "canceled"}
    assert client.put(path, json={"state": "canceled"}, headers=member.auth).status_code == 201  # no change
    assert copr.get("/api_2/builds?is_finished=true")["builds"][0]["build"]["id"] == build_id

    finished = copr.create_build(alice, project_id, chroots=["epel-9-x86_64"])
    copr.report(alice, finished, "epel-9-x86_64", state="succeeded")
    r = client.put(f"/api_2/builds/{finished}", json={"state": "canceled"}, headers=alice.auth)
    assert r.status_code == 400 and r.get_json()["message"] == \
        f"Cannot cancel build {finished}: it is succeeded: a finished build cannot be canceled"

    # Deleting: the submitter or an ADMIN of the project.
    assert client.delete(path, headers=stranger.auth).status_code == 403
    assert client.delete(f"/api_2/builds/{finished}", headers=member.auth).status_code == 403
    assert client.delete(path).status_code == 401
    r = client.delete(path, headers=member.auth)
    assert r.status_code == 204 and r.data == b""
    assert client.delete(f"/api_2/builds/{finished}", headers=alice.auth).status_code == 204
    for gone in (build_id, finished):
        assert copr.get(f"/api_2/builds/{gone}", 404)["message"] == f"Build with id `{gone}` not found"
        assert copr.get(f"/api_2/build_tasks/{gone}/epel-9-x86_64", 404)
        assert client.delete(f"/api_2/builds/{gone}", headers=alice.auth).status_code == 404
    assert copr.get("/api_2/builds")["builds"] == []


def test_deleting_the_project_removes_its_builds_from_every_view(client: FlaskClient, copr: Copr) -> None:
    alice = copr.user("alice")
    project_id = copr.create_project(alice)
    build_id = copr.create_build(alice, project_id)
    assert client.delete(f"/api/projects/{project_id}", headers=alice.user.headers).status_code == 200
    assert copr.get(f"/api_2/builds/{build_id}", 404)
    assert copr.get("/api_2/builds")["builds"] == [] and copr.get("/api_2/build_tasks")["build_tasks"] == []
    assert copr.get(f"/api_2/build_tasks/{build_id}/fedora-40-x86_64", 404)
    assert copr.get(f"/api_2/builds?project_id={project_id}", 404)


def _events(client: FlaskClient, admin: CoprUser) -> list[dict[str, Any]]:
    r = client.get("/api/audit/events?application=builds&limit=1000", headers=admin.user.headers)
    assert r.status_code == 200
    events: list[dict[str, Any]] = r.get_json()
    return events


def test_every_event_of_a_builds_life_is_in_the_audit_trail_with_its_actor(client: FlaskClient, api: Api,
                                                                          copr: Copr) -> None:
    admin, alice, agent = copr.user("admin"), copr.user("alice"), copr.user("agent")
    project_id = copr.create_project(alice, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    api.set_role(alice.user, project_id, agent.user, "MEMBER")
    build_id = copr.create_build(alice, project_id)
    copr.report(agent, build_id, "fedora-40-x86_64", state="running")
    copr.report(agent, build_id, "fedora-40-x86_64", state="succeeded")
    assert client.put(f"/api_2/builds/{build_id}", json={"state": "canceled"}, headers=alice.auth).status_code == 201
    assert client.delete(f"/api_2/builds/{build_id}", headers=alice.auth).status_code == 204

    events = _events(client, admin)
    submitted = next(e for e in events if e["type"] == "Build.Submitted" and e["position"] == build_id)
    life = [e for e in events if e["aggregateId"] == submitted["aggregateId"]]
    alice_token = f"token:{_token_id(client, alice)}"
    agent_token = f"token:{_token_id(client, agent)}"
    assert [(e["type"], e["actor"]) for e in life] == [
        ("Build.Submitted", alice_token),
        ("Build.TaskReported", agent_token),
        ("Build.TaskReported", agent_token),
        ("Build.Canceled", alice_token),
        ("Build.Deleted", alice_token),
    ]
    assert all(e["payload"]["actor"] == e["actor"] for e in life)
    assert submitted["payload"]["chroots"] == ["epel-9-x86_64", "fedora-40-x86_64"]
    assert submitted["payload"]["source_metadata"] == {"url": "https://example.org/srpms/hello-2.12-1.fc40.src.rpm"}
    assert life[2]["payload"]["state"] == "succeeded" and life[3]["payload"]["chroots"] == ["epel-9-x86_64"]
    # The project's chroots and the seeded catalogue are there too, with their actors.
    types = {(e["type"], e["actor"]) for e in events}
    assert ("Catalogue.Seeded", "system") in types and ("MockChroot.Added", "system") in types
    assert ("ProjectChroots.ChrootEnabled", alice_token) in types


def _token_id(client: FlaskClient, user: CoprUser) -> int:
    tokens = client.get("/api/user/tokens", headers=user.user.headers).get_json()
    return int(tokens[0]["id"])
