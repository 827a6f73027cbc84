"""The projection runner: exactly once, read-your-writes, rebuilds equal to the live models."""

from __future__ import annotations

import threading

from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from projections.runner import ProjectionRunner
from tests.support.api import Api
from tests.support.readmodels import dump


def _activity(client: FlaskClient, api: Api) -> None:
    admin = api.register("admin")
    users = [api.register(f"member{i}") for i in range(6)]
    for u in users[:3]:
        client.post("/api/user/tokens", json={"name": "ci"}, headers=u.headers)
    client.post(f"/api/users/{users[1].id}/admin?isAdmin=true", headers=admin.headers)
    client.post("/api/user/password/change", headers=users[2].headers,
                json={"refreshToken": users[2].refresh_token, "newPassword": "another-pass"})
    client.delete(f"/api/users/{users[3].id}", headers=admin.headers)
    token_id = client.get("/api/user/tokens", headers=users[0].headers).get_json()[0]["id"]
    client.delete(f"/api/user/tokens/{token_id}", headers=users[0].headers)


def test_a_rebuilt_read_model_equals_the_live_one_row_for_row(container: Container, client: FlaskClient,
                                                               api: Api) -> None:
    _activity(client, api)
    live = dump(container.runner)
    assert live["users"] and live["audit_events"] and live["api_tokens"]
    container.runner.stop()
    applied, seconds = container.runner.rebuild()
    assert applied > 0 and seconds >= 0
    assert dump(container.runner) == live


def test_read_your_writes_and_pending_header_when_projections_lag(container: Container) -> None:
    client = create_app(container=container, start=False).test_client()
    api = Api(client)
    admin = api.register("first")
    # Stop the runner: a command still succeeds, and says its views are not caught up yet.
    container.runner.stop()
    from dataclasses import replace

    impatient = create_app(replace(container.settings, read_wait_seconds=0.2), container=container, start=False)
    r = impatient.test_client().post("/api/user/registration", json={"username": "late", "password": "password1"})
    assert r.status_code == 201 and r.headers["X-Read-Models"] == "pending"
    names = [u["username"] for u in client.get("/api/users", headers=admin.headers).get_json()]
    assert "late" not in names
    container.runner.start()
    r = client.post("/api/user/registration", json={"username": "prompt", "password": "password1"})
    assert "X-Read-Models" not in r.headers
    names = [u["username"] for u in client.get("/api/users", headers=admin.headers).get_json()]
    assert {"late", "prompt"} <= set(names)


def test_several_runners_on_one_store_apply_each_event_exactly_once(container: Container) -> None:
    container.runner.stop()
    for i in range(30):
        container.identity.register(f"racer{i}", "password1", actor="system")
    from interfaces.contexts import build_projections

    runners = [container.runner] + [
        ProjectionRunner(container.applications, build_projections(tuple(container.applications)), container.store,
                         batch_size=7)
        for _ in range(2)
    ]
    errors: list[BaseException] = []

    def run(r: ProjectionRunner) -> None:
        try:
            r.catch_up()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = container.store.fetchall("SELECT username FROM users")
    assert sorted(r["username"] for r in rows) == sorted(f"racer{i}" for i in range(30))
    audit = container.store.scalar("SELECT COUNT(*) AS n FROM audit_events")
    assert audit == len(container.identity.recorder.select_notifications(start=1, limit=10_000))
    assert all(s.lag == 0 for s in container.runner.status())


def test_a_changed_projection_version_is_rebuilt_on_setup(container: Container, api: Api) -> None:
    api.register("someone")
    users = next(p for p in container.runner.projections if p.name == "users")
    container.runner.stop()
    type(users).version += 1
    try:
        with container.store.transaction() as tx:
            tx.execute("DELETE FROM users")  # damage the model: setup must rebuild it
        container.runner.setup()
        container.runner.catch_up()
        assert [r["username"] for r in container.store.fetchall("SELECT username FROM users")] == ["someone"]
    finally:
        type(users).version -= 1
