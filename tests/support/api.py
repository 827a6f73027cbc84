"""A thin client for the coderadar API in tests (Flask test client or a real HTTP server)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient


@dataclass
class User:
    id: int
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.access_token}


class Api:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._counter = 0

    def register(self, username: str | None = None, password: str = "password1") -> User:
        self._counter += 1
        username = username or f"user{self._counter}"
        r = self.client.post("/api/user/registration", json={"username": username, "password": password})
        assert r.status_code == 201, r.get_json()
        return self.login(username, password)

    def login(self, username: str, password: str = "password1") -> User:
        r = self.client.post("/api/user/auth", json={"username": username, "password": password})
        assert r.status_code == 200, r.get_json()
        body: dict[str, Any] = r.get_json()
        return User(body["userId"], username, password, body["accessToken"], body["refreshToken"])

    # --- projects (coderadar seed 3.1, 2.4, 8) -------------------------------------------------
    def create_project(self, owner: User, name: str = "project", vcs_url: str = "https://valid.url",
                       **fields: Any) -> int:
        body = {"name": name, "vcsUrl": vcs_url, "vcsUsername": "testUser", "vcsPassword": "secret", **fields}
        r = self.client.post("/api/projects", json=body, headers=owner.headers)
        assert r.status_code == 201, r.get_json()
        project_id: int = r.get_json()["id"]
        return project_id

    def set_role(self, admin: User, project_id: int, user: User, role: str) -> None:
        r = self.client.post(f"/api/projects/{project_id}/users/{user.id}", json={"role": role}, headers=admin.headers)
        assert r.status_code == 200, r.get_json()

    def create_team(self, creator: User, name: str, members: list[User] | None = None) -> int:
        body = {"name": name, "userIds": [m.id for m in members or []]}
        r = self.client.post("/api/teams", json=body, headers=creator.headers)
        assert r.status_code == 201, r.get_json()
        team_id: int = r.get_json()["id"]
        return team_id

    def assign_team(self, admin: User, project_id: int, team_id: int, role: str) -> None:
        r = self.client.post(f"/api/projects/{project_id}/teams/{team_id}", json={"role": role}, headers=admin.headers)
        assert r.status_code == 200, r.get_json()

    # --- API tokens (Testery Bearer, Projektor X-PROJEKTOR-TOKEN, Copr Basic) ---------------------
    def api_token(self, user: User, name: str = "ci") -> str:
        r = self.client.post("/api/user/tokens", json={"name": name}, headers=user.headers)
        assert r.status_code == 201, r.get_json()
        token: str = r.get_json()["token"]
        return token
