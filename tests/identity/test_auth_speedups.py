"""What the per-request speed-ups must not change (issue 17): a JWT whose signature was checked once is
kept per process, yet it still expires, still names a user looked up on every request, and still has
its type; reads without an explicit transaction see every committed write."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http import auth
from tests.support.api import Api


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset


def test_a_kept_jwt_still_expires(client: FlaskClient, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    user = api.register("kept")
    assert client.get("/api/users", headers=user.headers).status_code == 200  # its claims are kept now
    assert client.get("/api/users", headers=user.headers).status_code == 200
    monkeypatch.setattr(auth, "time", Clock(offset=15 * 60 + 1))  # past its 15 minutes
    r = client.get("/api/users", headers=user.headers)
    assert r.status_code == 401
    assert "expired" in r.get_json()["errorMessage"]


def test_a_kept_jwt_of_a_deleted_user_is_refused(client: FlaskClient, api: Api) -> None:
    admin, user = api.register("admin"), api.register("leaving")
    assert client.get(f"/api/users/{user.id}", headers=user.headers).status_code == 200
    assert client.delete(f"/api/users/{user.id}", headers=admin.headers).status_code == 200
    r = client.get(f"/api/users/{admin.id}", headers=user.headers)
    assert r.status_code == 401
    assert "unknown or deleted user" in r.get_json()["errorMessage"]


def test_a_kept_jwt_keeps_its_type(client: FlaskClient, api: Api) -> None:
    user = api.register("typed")
    assert client.post("/api/user/refresh", json={"refreshToken": user.refresh_token}).status_code == 200
    r = client.get("/api/users", headers={"Authorization": user.refresh_token})
    assert r.status_code == 401
    assert "not an access token" in r.get_json()["errorMessage"]
    assert client.get("/api/users", headers=user.headers).status_code == 200
    r = client.post("/api/user/refresh", json={"refreshToken": user.access_token})
    assert r.status_code == 401


def test_a_platform_admin_flag_change_shows_on_the_next_request_with_a_kept_jwt(client: FlaskClient, api: Api) -> None:
    admin, user = api.register("root"), api.register("promoted")
    assert client.get("/api/users", headers=user.headers).status_code == 200
    assert client.post(f"/api/users/{admin.id}/admin?isAdmin=false", headers=user.headers).status_code == 403
    assert client.post(f"/api/users/{user.id}/admin?isAdmin=true", headers=admin.headers).status_code == 200
    assert client.post(f"/api/users/{admin.id}/admin?isAdmin=false", headers=user.headers).status_code == 200


def test_single_statement_reads_see_each_committed_write(container: Container) -> None:
    store = container.store
    with store.transaction() as tx:
        tx.execute("CREATE TABLE speed_probe (id BIGINT PRIMARY KEY, value TEXT NOT NULL)")
    assert store.fetchone("SELECT value FROM speed_probe WHERE id=%s", (1,)) is None
    for value in ("one", "two"):
        with store.transaction() as tx:
            tx.execute("DELETE FROM speed_probe WHERE id=%s", (1,))
            tx.execute("INSERT INTO speed_probe (id, value) VALUES (%s, %s)", (1, value))
        assert store.scalar("SELECT value FROM speed_probe WHERE id=%s", (1,)) == value
        with store.read() as tx:
            assert tx.fetchall("SELECT id, value FROM speed_probe") == [{"id": 1, "value": value}]
    with pytest.raises(Exception), store.transaction() as tx:  # noqa: B017 (the backends raise their own)
        tx.execute("INSERT INTO speed_probe (id, value) VALUES (%s, %s)", (2, "rolled back"))
        tx.execute("INSERT INTO speed_probe (id, value) VALUES (%s, %s)", (1, "duplicate"))
    assert store.fetchall("SELECT id FROM speed_probe ORDER BY id") == [{"id": 1}]


def test_a_pooled_connection_idle_past_the_window_is_checked_and_replaced(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    store: Any = container.store
    if container.settings.backend != "postgres":
        pytest.skip("SQLite has no connection pool")
    from projections import store as store_module

    assert store.scalar("SELECT 1 AS ok") == 1
    with store.pool.connection() as conn:  # the server ends every connection of the pool
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        conn.commit()
    monkeypatch.setattr(store_module, "CHECK_AFTER_IDLE_SECONDS", 0.0)
    for _ in range(store.pool.get_stats().get("pool_size", 1) + 2):
        assert store.scalar("SELECT 1 AS ok") == 1


def test_tokens_and_sessions_survive_a_rebuild_and_a_deleted_users_stay_gone(
        container: Container, client: FlaskClient, api: Api) -> None:
    admin, user, gone = api.register("keeper"), api.register("stays"), api.register("goes")
    token = api.api_token(user)
    gone_token = api.api_token(gone)
    assert client.delete(f"/api/users/{gone.id}", headers=admin.headers).status_code == 200
    container.runner.stop()
    container.runner.rebuild(["users"])
    container.runner.start()
    assert client.get("/api/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/api/user/refresh", json={"refreshToken": user.refresh_token}).status_code == 200
    assert client.get("/api/users", headers={"Authorization": f"Bearer {gone_token}"}).status_code == 401
    assert client.post("/api/user/refresh", json={"refreshToken": gone.refresh_token}).status_code == 401
    assert container.store.scalar("SELECT COUNT(*) AS n FROM api_tokens") == 1
