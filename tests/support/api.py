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

    # --- history imports (git repositories) ---------------------------------------------------
    def import_status(self, user: User, project_id: int) -> dict[str, Any]:
        r = self.client.get(f"/api/projects/{project_id}/import", headers=user.headers)
        assert r.status_code == 200, r.get_json()
        status: dict[str, Any] = r.get_json()
        return status

    def wait_for_import(self, user: User, project_id: int, timeout: float = 60.0, runs: int = 1,
                        statuses: tuple[str, ...] = ("DONE",), generation: int = 0) -> dict[str, Any]:
        """Poll the import status until it is one of ``statuses`` (DONE: with at least ``runs`` runs
        finished), for a generation above ``generation``; fails after ``timeout`` seconds."""
        import time

        deadline = time.monotonic() + timeout
        status = self.import_status(user, project_id)
        while time.monotonic() < deadline:
            status = self.import_status(user, project_id)
            if status["status"] in statuses and (status["status"] != "DONE" or status["runs"] >= runs) \
                    and (status["generation"] or 0) > generation:
                return status
            time.sleep(0.02)
        raise AssertionError(f"import of project {project_id} did not reach {statuses} (runs >= {runs}): {status}")
