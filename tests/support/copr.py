"""Copr API 2 in tests: users with an API token sent as HTTP Basic ``login:token``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from tests.support.api import Api, User


def basic(login: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{token}".encode()).decode()}


@dataclass
class CoprUser:
    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.user.username, self.token)


class Copr:
    """Helpers over the Flask test client: users with tokens, projects, builds."""

    def __init__(self, client: FlaskClient, api: Api) -> None:
        self.client = client
        self.api = api

    def user(self, username: str) -> CoprUser:
        user = self.api.register(username)
        r = self.client.post("/api/user/tokens", json={"name": "copr"}, headers=user.headers)
        assert r.status_code == 201, r.get_json()
        return CoprUser(user, r.get_json()["token"])

    def create_project(self, owner: CoprUser, name: str = "project", chroots: list[str] | None = None,
                       **fields: Any) -> int:
        body = {"name": name, "chroots": ["fedora-40-x86_64"] if chroots is None else chroots, **fields}
        r = self.client.post("/api_2/projects", json=body, headers=owner.auth)
        assert r.status_code == 201, r.get_json()
        return int(r.headers["Location"].rsplit("/", 1)[1])

    def create_build(self, user: CoprUser, project_id: int, chroots: list[str] | None = None,
                     srpm_url: str = "https://example.org/srpms/hello-2.12-1.fc40.src.rpm", **fields: Any) -> int:
        body = {"project_id": project_id, "srpm_url": srpm_url, "chroots": chroots or [], **fields}
        r = self.client.post("/api_2/builds", json=body, headers=user.auth)
        assert r.status_code == 201, r.get_json()
        return int(r.headers["Location"].rsplit("/", 1)[1])

    def report(self, user: CoprUser, build_id: int, chroot: str, **report: Any) -> dict[str, Any]:
        r = self.client.put(f"/api_2/build_tasks/{build_id}/{chroot}", json=report, headers=user.auth)
        assert r.status_code == 200, r.get_json()
        task: dict[str, Any] = r.get_json()["build_task"]
        return task

    def get(self, path: str, status: int = 200) -> Any:
        r = self.client.get(path)
        assert r.status_code == status, (path, r.status_code, r.get_json())
        assert r.headers["Content-Type"] == "application/json"
        return r.get_json()
