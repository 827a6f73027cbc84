"""The builds read model is a function of the builds log: a rebuild answers exactly as the live model."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient

from interfaces.container import Container
from tests.support.copr import Copr
from tests.support.readmodels import dump


def test_a_rebuilt_builds_model_equals_the_live_one(container: Container, client: FlaskClient, copr: Copr) -> None:
    admin = copr.user("admin")
    project_id = copr.create_project(admin, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    client.put(f"/api_2/projects/{project_id}/chroots/epel-9-x86_64", json={"buildroot_pkgs": ["make"],
                                                                            "comps": "<comps/>"}, headers=admin.auth)
    client.put("/api_2/mock_chroots/epel-8-x86_64", json={"is_active": False}, headers=admin.auth)
    kept = copr.create_build(admin, project_id)
    copr.report(admin, kept, "fedora-40-x86_64", state="running", result_dir_url="https://r.example.org/1/")
    copr.report(admin, kept, "fedora-40-x86_64", state="succeeded", built_packages=[
        {"name": "hello", "version": "2.12", "release": "1.fc40", "arch": "x86_64"}])
    upload = {"metadata": json.dumps({"project_id": project_id, "chroots": ["epel-9-x86_64"]}),
              "srpm": (io.BytesIO(b"\xed\xab\xee\xdb srpm"), "hello-2.12-1.el9.src.rpm")}
    r = client.post("/api_2/builds", data=upload, content_type="multipart/form-data", headers=admin.auth)
    assert r.status_code == 201, r.get_json()
    gone = copr.create_build(admin, project_id, chroots=["epel-9-x86_64"])
    client.put(f"/api_2/builds/{gone}", json={"state": "canceled"}, headers=admin.auth)
    client.delete(f"/api_2/builds/{gone}", headers=admin.auth)
    canceled = copr.create_build(admin, project_id)
    client.put(f"/api_2/builds/{canceled}", json={"state": "canceled"}, headers=admin.auth)
    before = [client.get(path).get_json() for path in (
        "/api_2/builds", "/api_2/build_tasks", "/api_2/mock_chroots", f"/api_2/projects/{project_id}/chroots")]

    live = dump(container.runner, ["builds"])
    assert live["builds"] and live["build_tasks"] and live["mock_chroots"] and live["project_chroots"]
    assert live["build_packages"] and any("upload" in repr(row) for row in live["builds"])
    container.runner.stop()
    container.runner.rebuild(["builds"])
    assert dump(container.runner, ["builds"]) == live
    after = [client.get(path).get_json() for path in (
        "/api_2/builds", "/api_2/build_tasks", "/api_2/mock_chroots", f"/api_2/projects/{project_id}/chroots")]
    assert after == before
