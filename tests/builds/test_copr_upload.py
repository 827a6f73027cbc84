"""Copr SRPM uploads and built packages: the real ``copr.client_v2`` uploads an SRPM with
``create_from_file``; a CI agent reports its tasks with the packages they built; the client sees them
(both backends)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

from tests.builds.test_copr_client import _session
from tests.support.clients import client_python
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("copr_upload_script.py")


def _client(python: Path, *args: str) -> dict[str, object]:
    result = subprocess.run([str(python), str(SCRIPT), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    seen: dict[str, object] = json.loads(result.stdout)
    return seen


def test_srpm_upload_and_built_packages_through_the_real_client(env: dict[str, str], tmp_path: Path) -> None:
    python = client_python("copr==1.112")
    srpm = tmp_path / "hello-2.12-1.fc40.src.rpm"
    content = b"\xed\xab\xee\xdb" + os.urandom(300_000)  # an RPM lead, then anything
    srpm.write_bytes(content)
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        _, token, _ = _session(server.url, "packager")
        build = _client(python, server.url, "packager", token, "upload", str(srpm))
        build_id = int(str(build["id"]))
        assert (build["state"], build["package_name"], build["package_version"], build["source_type"]) == (
            "pending", "hello", "2.12-1.fc40", "upload")
        metadata = build["source_metadata"]
        assert isinstance(metadata, dict)
        assert metadata["pkg"] == srpm.name and metadata["size"] == len(content)
        assert metadata["sha256"] == hashlib.sha256(content).hexdigest()
        assert metadata["url"] == f"{server.url}/api_2/builds/{build_id}/srpm"
        download = requests.get(str(metadata["url"]), timeout=30)
        assert download.status_code == 200 and download.content == content
        assert download.headers["Content-Type"] == "application/x-rpm"

        # a CI agent: start, then finish with the packages it built
        auth = ("packager", token)
        task = f"{server.url}/api_2/build_tasks/{build_id}/fedora-40-x86_64"
        assert requests.put(task, json={"state": "running"}, auth=auth, timeout=30).status_code == 200
        packages = [{"name": "hello", "version": "2.12", "release": "1.fc40", "arch": "x86_64"},
                    {"name": "hello-debuginfo", "version": "2.12", "release": "1.fc40", "arch": "x86_64"}]
        r = requests.put(task, json={"state": "succeeded", "built_packages": packages}, auth=auth, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["build_task"]["state"] == "succeeded"
        other = f"{server.url}/api_2/build_tasks/{build_id}/epel-9-x86_64"
        noarch = [{"name": "hello", "version": "2.12", "release": "1.fc40", "arch": "noarch"}]
        assert requests.put(other, json={"state": "succeeded", "built_packages": noarch}, auth=auth,
                            timeout=30).status_code == 200
        # refused: a package without its arch, a name that is not an RPM name
        r = requests.put(other, json={"built_packages": [{"name": "x", "version": "1", "release": "1"}]},
                         auth=auth, timeout=30)
        assert r.status_code == 400 and "arch" in r.json()["message"]
        r = requests.put(other, json={"built_packages": [{"name": "a b", "version": "1", "release": "1",
                                                          "arch": "x"}]}, auth=auth, timeout=30)
        assert r.status_code == 400

        seen = _client(python, server.url, "packager", token, "show", str(build_id))
        assert seen["state"] == "succeeded"
        assert seen["built_packages"] == [{"name": "hello", "version": "2.12"},
                                          {"name": "hello-debuginfo", "version": "2.12"}]
        assert seen["tasks"] == [["epel-9-x86_64", "succeeded"], ["fedora-40-x86_64", "succeeded"]]
        detail = requests.get(f"{server.url}/api_2/builds/{build_id}", timeout=30).json()["packages"]
        assert [(p["chroot_name"], p["name"], p["arch"]) for p in detail] == [
            ("epel-9-x86_64", "hello", "noarch"), ("fedora-40-x86_64", "hello", "x86_64"),
            ("fedora-40-x86_64", "hello-debuginfo", "x86_64")]
        # a file that is not an SRPM name is refused, nothing kept
        r = requests.post(f"{server.url}/api_2/builds", auth=auth, timeout=30, files={
            "metadata": (None, json.dumps({"project_id": 1}), "application/json"),
            "srpm": ("../../evil.sh", b"#!/bin/sh", "application/x-rpm")})
        assert r.status_code == 400, r.text
