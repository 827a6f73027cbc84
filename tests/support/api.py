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
