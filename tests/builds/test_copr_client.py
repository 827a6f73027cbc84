"""The real Copr API 2 client (PyPI ``copr==1.112``, ``copr.client_v2``) against a running server.

The client runs in its own virtual environment (tests/support/clients.py; cached under .cache/clients/)
from a small script, given root_url without /api_2, as its users configure it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.clients import client_python
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("copr_client_script.py")
SRPM = "https://example.org/srpms/hello-2.12-1.fc40.src.rpm"


def _session(base: str, username: str) -> tuple[str, str, int]:
    """Register a user; answer a JWT, an API token and the user's id."""
    r = requests.post(f"{base}/api/user/registration", json={"username": username, "password": "password1"},
                      timeout=30)
    assert r.status_code == 201, r.text
    auth = requests.post(f"{base}/api/user/auth", json={"username": username, "password": "password1"},
                         timeout=30).json()
    token = requests.post(f"{base}/api/user/tokens", json={"name": "copr-cli"},
                          headers={"Authorization": auth["accessToken"]}, timeout=30).json()["token"]
    return auth["accessToken"], token, int(auth["userId"])


def test_the_real_copr_client_works_against_a_running_server(env: dict[str, str], tmp_path: Path) -> None:
    python = client_python("copr==1.112")
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        admin_jwt, _, _ = _session(server.url, "admin")
        jwt, token, user_id = _session(server.url, "packager")
        r = requests.post(f"{server.url}/api/teams", json={"name": "packagers", "userIds": [user_id]},
                          headers={"Authorization": jwt}, timeout=30)
        assert r.status_code == 201, r.text
        result = subprocess.run([str(python), str(SCRIPT), server.url, "packager", token, "packagers"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        seen = json.loads(result.stdout)
        audit = requests.get(f"{server.url}/api/audit/events?application=builds&limit=1000",
                             headers={"Authorization": admin_jwt}, timeout=30)

    assert "fedora-40-x86_64" in seen["mock_chroots"] and "epel-9-aarch64" in seen["mock_chroots"]
    assert seen["mock_chroot"] == {"name": "fedora-40-x86_64", "os_release": "fedora", "os_version": "40",
                                   "arch": "x86_64", "is_active": True}
    project_id = seen["created"]["id"]
    assert seen["created"] == {
        "id": project_id, "name": "hello", "owner": "packager", "is_a_group_project": False, "group": None,
        "description": "Hello, world", "instructions": "dnf copr enable packager/hello",
        "homepage": "https://example.org/hello", "contact": "someone@example.org", "disable_createrepo": False,
        "build_enable_net": True, "repos": ["https://example.org/extra/"],
    }
    assert seen["grouped"] == {"owner": "packager", "group": "packagers", "is_a_group_project": True}
    assert seen["listed"] == ["hello", "other", "tools"] and seen["listed_by_group"] == ["tools"]
    assert len(seen["listed_by_name"]) == 1 and seen["searched"] == ["hello"] and seen["paged"] == ["other"]
    assert seen["update_status"] == 204
    assert seen["updated"] == {**seen["created"], "description": "Changed", "repos": []}

    assert seen["project_chroots"] == ["epel-9-x86_64", "fedora-40-x86_64"]
    assert seen["enable_status"] == 201 and seen["chroot_update_status"] == 200 and seen["disable_status"] == 204
    assert seen["chroot"] == {"name": "epel-8-x86_64", "buildroot_pkgs": ["make", "gcc"], "comps": None,
                              "comps_name": None, "comps_len": 0}
    assert seen["project_chroots_after"] == seen["project_chroots"]

    build = seen["build"]
    build_id = build["id"]
    assert build == {
        "id": build_id, "state": "pending", "submitter": "packager", "package_version": "2.12-1.fc40",
        "package_name": "hello", "repos": [], "submitted_on": build["submitted_on"], "enable_net": True,
        "source_type": "link", "source_metadata": {"url": SRPM},
    }
    assert [(t["build_id"], t["chroot_name"], t["state"]) for t in seen["tasks"]] == [
        (build_id, "epel-9-x86_64", "pending"), (build_id, "fedora-40-x86_64", "pending")]
    assert seen["task"] == {"state": "pending", "started_on": None, "ended_on": None, "git_hash": None,
                            "chroot_name": "fedora-40-x86_64", "build_id": build_id, "result_dir_url": None}
    assert seen["project_builds"] == [build_id] and seen["owner_builds"] == [build_id]
    assert seen["project_tasks"] == ["epel-9-x86_64", "fedora-40-x86_64"]
    assert seen["cancel_status"] == 201 and seen["after_cancel"] == "canceled"
    assert seen["tasks_after_cancel"] == ["canceled", "canceled"]
    assert seen["delete_build_status"] == 204
    assert seen["deleted_build"] == [404, {"message": f"Build with id `{build_id}` not found",
                                           "data": {"build_id": build_id}}]
    assert seen["seed_404"] == [404, {"message": "Project with id `999999999` not found",
                                      "data": {"project_id": 999999999}}]
    assert seen["delete_other_status"] == 204 and seen["deleted_project"][0] == 404

    # Everything the client did to the build is in the audit trail, with the token that did it.
    assert audit.status_code == 200
    life = [(e["type"], e["actor"]) for e in audit.json() if e["type"].startswith("Build.")]
    actor = life[0][1]
    assert actor.startswith("token:")
    assert life == [("Build.Submitted", actor), ("Build.Canceled", actor), ("Build.Deleted", actor)]
