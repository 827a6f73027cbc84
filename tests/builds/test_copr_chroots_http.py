"""Copr API 2: build environments (mock chroots) with the default catalogue, the admin endpoint and the
``codeannals chroots`` commands; the chroots enabled for a project."""

from __future__ import annotations

from click.testing import CliRunner
from flask.testing import FlaskClient

from application.builds.service import BuildsApplication
from domain.builds.chroots import DEFAULT_CATALOGUE
from interfaces.cli.main import main
from interfaces.container import Container
from tests.support.api import Api
from tests.support.copr import Copr


def _cli(env: dict[str, str], *args: str, code: int = 0) -> str:
    # One connection per pool: the server under test holds its own pools meanwhile.
    result = CliRunner().invoke(main, list(args), env={**env, "CODEANNALS_POSTGRES_POOL_SIZE": "1"},
                                catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_a_new_server_has_the_default_catalogue(client: FlaskClient, copr: Copr) -> None:
    body = copr.get("/api_2/mock_chroots")
    assert [c["chroot"]["name"] for c in body["chroots"]] == sorted(DEFAULT_CATALOGUE)
    assert body["_links"] == {"self": {"href": "/api_2/mock_chroots"}}
    assert body["chroots"][0] == {
        "chroot": {"name": "epel-8-aarch64", "os_release": "epel", "os_version": "8", "arch": "aarch64",
                   "is_active": True},
        "_links": {"self": {"href": "/api_2/mock_chroots/epel-8-aarch64"}},
    }
    assert copr.get("/api_2/mock_chroots/fedora-rawhide-x86_64") == {
        "chroot": {"name": "fedora-rawhide-x86_64", "os_release": "fedora", "os_version": "rawhide",
                   "arch": "x86_64", "is_active": True},
        "_links": {"self": {"href": "/api_2/mock_chroots/fedora-rawhide-x86_64"}},
    }
    assert copr.get("/api_2/mock_chroots/fedora-1-x86_64", 404) == {
        "message": "Mock chroot `fedora-1-x86_64` not found", "data": {"name": "fedora-1-x86_64"}}


def test_platform_admins_manage_the_catalogue_and_active_only_filters(client: FlaskClient, copr: Copr) -> None:
    admin, user = copr.user("admin"), copr.user("alice")
    assert client.post("/api_2/mock_chroots", json={"name": "fedora-42-x86_64"}).status_code == 401
    r = client.post("/api_2/mock_chroots", json={"name": "fedora-42-x86_64"}, headers=user.auth)
    assert r.status_code == 403 and r.get_json()["message"]
    r = client.post("/api_2/mock_chroots", json={"name": "fedora-42-x86_64"}, headers=admin.auth)
    assert r.status_code == 201 and r.headers["Location"] == "http://localhost/api_2/mock_chroots/fedora-42-x86_64"
    r = client.post("/api_2/mock_chroots", json={"os_release": "opensuse-leap", "os_version": "15.6",
                                                 "arch": "x86_64"}, headers=admin.auth)
    assert r.status_code == 201 and r.headers["Location"].endswith("/api_2/mock_chroots/opensuse-leap-15.6-x86_64")
    r = client.post("/api_2/mock_chroots", json={"name": "fedora-42-x86_64"}, headers=admin.auth)
    assert r.status_code == 409 and r.get_json()["message"] == "Mock chroot `fedora-42-x86_64` already exists"
    for bad in ({"name": "Fedora 42"}, {}, {"os_release": "fedora", "os_version": "4-2", "arch": "x86_64"}):
        assert client.post("/api_2/mock_chroots", json=bad, headers=admin.auth).status_code == 400, bad

    r = client.put("/api_2/mock_chroots/epel-8-x86_64", json={"is_active": False}, headers=user.auth)
    assert r.status_code == 403
    assert client.put("/api_2/mock_chroots/epel-8-x86_64", json={"is_active": False},
                      headers=admin.auth).status_code == 204
    assert client.put("/api_2/mock_chroots/nope-1-x86_64", json={"is_active": False},
                      headers=admin.auth).status_code == 404
    assert client.put("/api_2/mock_chroots/epel-8-x86_64", json={"is_active": "maybe"},
                      headers=admin.auth).status_code == 400
    assert copr.get("/api_2/mock_chroots/epel-8-x86_64")["chroot"]["is_active"] is False
    every = {c["chroot"]["name"] for c in copr.get("/api_2/mock_chroots")["chroots"]}
    assert every == {*DEFAULT_CATALOGUE, "fedora-42-x86_64", "opensuse-leap-15.6-x86_64"}
    for word in ("true", "yes", "1", "True"):
        body = copr.get(f"/api_2/mock_chroots?active_only={word}")
        assert {c["chroot"]["name"] for c in body["chroots"]} == every - {"epel-8-x86_64"}
        assert body["_links"] == {"self": {"href": "/api_2/mock_chroots?active_only=true"}}
    for word in ("false", "no", "0"):
        assert {c["chroot"]["name"] for c in copr.get(f"/api_2/mock_chroots?active_only={word}")["chroots"]} == every
    assert "active_only" in copr.get("/api_2/mock_chroots?active_only=perhaps", 400)["message"]

    # A disabled build environment takes no new project chroots and no new builds.
    project_id = copr.create_project(user, chroots=["fedora-40-x86_64"])
    r = client.post(f"/api_2/projects/{project_id}/chroots", json={"name": "epel-8-x86_64"}, headers=user.auth)
    assert r.status_code == 400 and "epel-8-x86_64` is disabled" in r.get_json()["message"]
    client.put("/api_2/mock_chroots/fedora-40-x86_64", json={"is_active": False}, headers=admin.auth)
    r = client.post("/api_2/builds", json={"project_id": project_id, "srpm_url": "https://e.org/a-1-1.src.rpm"},
                    headers=user.auth)
    assert r.status_code == 400 and "fedora-40-x86_64` is disabled" in r.get_json()["message"]
    assert client.put("/api_2/mock_chroots/fedora-40-x86_64", json={"is_active": True},
                      headers=admin.auth).status_code == 204
    copr.create_build(user, project_id)


def test_the_chroots_commands(container: Container, env: dict[str, str], client: FlaskClient) -> None:
    assert _cli(env, "chroots", "seed") == f"seeded {len(DEFAULT_CATALOGUE)} build environments\n"
    assert _cli(env, "chroots", "seed") == "the catalogue was seeded before\n"
    assert _cli(env, "chroots", "add", "fedora-42-x86_64") == "added fedora-42-x86_64\n"
    assert _cli(env, "chroots", "add", "--os-release", "centos-stream", "--os-version", "10", "--arch",
                "x86_64") == "added centos-stream-10-x86_64\n"
    assert "already exists" in _cli(env, "chroots", "add", "fedora-42-x86_64", code=1)
    assert "Bad mock chroot name" in _cli(env, "chroots", "add", "nonsense", code=1)
    assert _cli(env, "chroots", "disable", "fedora-39-x86_64") == "disabled fedora-39-x86_64\n"
    assert _cli(env, "chroots", "disable", "fedora-39-x86_64") == "fedora-39-x86_64 was disabled already\n"
    assert "not found" in _cli(env, "chroots", "disable", "fedora-1-x86_64", code=1)
    listing = _cli(env, "chroots", "list")
    assert "fedora-39-x86_64                 disabled  fedora 39 x86_64" in listing
    assert "centos-stream-10-x86_64          active    centos-stream 10 x86_64" in listing
    assert "fedora-39-x86_64" not in _cli(env, "chroots", "list", "--active-only")
    assert _cli(env, "chroots", "enable", "fedora-39-x86_64") == "enabled fedora-39-x86_64\n"
    # The server sees what the commands did (the catalogue was seeded by the command, not again).
    assert container.runner.wait_for({"builds": container.app(BuildsApplication).max_position()}, 30)
    names = {c["chroot"]["name"]: c["chroot"]["is_active"] for c in client.get("/api_2/mock_chroots").get_json()[
        "chroots"]}
    assert names == {**dict.fromkeys(DEFAULT_CATALOGUE, True), "fedora-42-x86_64": True,
                     "centos-stream-10-x86_64": True}


def test_project_chroots(client: FlaskClient, api: Api, copr: Copr) -> None:
    owner, member = copr.user("owner"), copr.user("member")
    project_id = copr.create_project(owner, chroots=["fedora-40-x86_64"])
    api.set_role(owner.user, project_id, member.user, "MEMBER")
    base = f"/api_2/projects/{project_id}/chroots"
    fedora = {"name": "fedora-40-x86_64", "buildroot_pkgs": [], "comps": None, "comps_name": None, "comps_len": 0}
    project_link = {"href": f"/api_2/projects/{project_id}"}
    assert copr.get(base) == {
        "chroots": [{"chroot": fedora, "_links": {"self": {"href": f"{base}/fedora-40-x86_64"},
                                                  "project": project_link}}],
        "_links": {"self": {"href": base}, "project": project_link},
    }
    # What the client sends to enable one: name, buildroot_pkgs and null comps.
    body = {"name": "epel-9-x86_64", "buildroot_pkgs": ["make", "gcc"], "comps": None, "comps_name": None}
    assert client.post(base, json=body).status_code == 401
    assert client.post(base, json=body, headers=member.auth).status_code == 403
    r = client.post(base, json=body, headers=owner.auth)
    assert r.status_code == 201 and r.headers["Location"] == f"http://localhost{base}/epel-9-x86_64"
    assert r.data == b""
    r = client.post(base, json=body, headers=owner.auth)
    assert r.status_code == 409 and "already has chroot epel-9-x86_64 enabled" in r.get_json()["message"]
    for bad, message in (({"name": "fedora-1-x86_64"}, "doesn't exist"), ({"name": "x"}, "Bad mock chroot name"),
                         ({"name": "epel-8-x86_64", "buildroot_pkgs": ["a;b"]}, "buildroot_pkgs"), ({}, "name")):
        r = client.post(base, json=bad, headers=owner.auth)
        assert r.status_code == 400 and message in r.get_json()["message"], bad
    assert copr.get(f"{base}/epel-9-x86_64")["chroot"] == {
        "name": "epel-9-x86_64", "buildroot_pkgs": ["make", "gcc"], "comps": None, "comps_name": None, "comps_len": 0}

    comps = "<comps><group><id>build</id></group></comps>"
    change = {"name": "epel-9-x86_64", "buildroot_pkgs": ["make"], "comps": comps, "comps_name": "comps.xml"}
    assert client.put(f"{base}/epel-9-x86_64", json=change, headers=member.auth).status_code == 403
    r = client.put(f"{base}/epel-9-x86_64", json=change, headers=owner.auth)
    assert r.status_code == 200
    assert r.get_json()["chroot"] == {"name": "epel-9-x86_64", "buildroot_pkgs": ["make"], "comps": comps,
                                      "comps_name": "comps.xml", "comps_len": len(comps)}
    r = client.put(f"{base}/epel-9-x86_64", json={"buildroot_pkgs": ["make", "rpm-build"]}, headers=owner.auth)
    assert r.get_json()["chroot"]["buildroot_pkgs"] == ["make", "rpm-build"]
    assert r.get_json()["chroot"]["comps"] == comps
    assert client.put(f"{base}/epel-8-x86_64", json=change, headers=owner.auth).status_code == 404

    assert client.delete(f"{base}/epel-9-x86_64", headers=member.auth).status_code == 403
    r = client.delete(f"{base}/epel-9-x86_64", headers=owner.auth)
    assert r.status_code == 204
    assert copr.get(f"{base}/epel-9-x86_64", 404)["message"] == f"Chroot `epel-9-x86_64` is not enabled in project " \
                                                                f"{project_id}"
    assert client.delete(f"{base}/epel-9-x86_64", headers=owner.auth).status_code == 404
    assert copr.get(f"{base}/Not-A-Name", 404)["message"] == f"Chroot `Not-A-Name` is not enabled in project " \
                                                             f"{project_id}"
    r = client.put(f"{base}/fedora-40-x86_64", headers=owner.auth)
    assert r.status_code == 400 and "JSON object" in r.get_json()["message"]
    r = client.put(f"{base}/fedora-40-x86_64", data="[]", content_type="application/json", headers=owner.auth)
    assert r.status_code == 400
    r = client.put(f"{base}/fedora-40-x86_64", json={"buildroot_pkgs": "make"}, headers=owner.auth)
    assert r.status_code == 400 and "buildroot_pkgs" in r.get_json()["message"]
    assert [c["chroot"]["name"] for c in copr.get(base)["chroots"]] == ["fedora-40-x86_64"]
    assert copr.get("/api_2/projects/999999999/chroots", 404)["data"] == {"project_id": 999999999}
    r = client.post("/api_2/projects/999999999/chroots", json=body, headers=owner.auth)
    assert r.status_code == 404
