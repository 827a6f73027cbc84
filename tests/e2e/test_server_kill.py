"""SIGKILL the real server while clients register users: nothing answered 201 is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.load import RegistrationLoad
from tests.support.readmodels import dump
from tests.support.server import ServerProcess, wait_caught_up

pytestmark = pytest.mark.e2e


def test_registrations_answered_201_survive_a_sigkill(env: dict[str, str], tmp_path: Path) -> None:
    server = ServerProcess(env, log_path=tmp_path / "server.log").start()
    try:
        base = server.url
        assert requests.post(f"{base}/api/user/registration", json={"username": "admin", "password": "password1"},
                             timeout=10).status_code == 201
        with RegistrationLoad(base, clients=4, stop_on_connection_error=True) as load:
            assert load.wait_for(lambda lo: len(lo.accepted) >= 25)
            server.kill()
        answered = load.snapshot()

        server = ServerProcess(env, port=server.port, log_path=tmp_path / "server.log").start()
        wait_caught_up(base)
        token = requests.post(f"{base}/api/user/auth", json={"username": "admin", "password": "password1"},
                              timeout=10).json()["accessToken"]
        users = requests.get(f"{base}/api/users", headers={"Authorization": token}, timeout=10).json()
        by_name = {u["username"]: u["id"] for u in users}
        for name, user_id in answered.items():
            assert by_name.get(name) == user_id, name
    finally:
        server.stop()

    # The read models match the events: a clean rebuild gives the same rows.
    container = Container(Settings.from_env(env))
    try:
        container.runner.setup()
        container.runner.catch_up()
        live = dump(container.runner)
        container.runner.rebuild()
        assert dump(container.runner) == live
        registered = [
            n for n in container.identity.recorder.select_notifications(start=1, limit=100_000)
            if n.topic.endswith("User.Registered")
        ]
        assert len(live["users"]) == len(registered)
    finally:
        container.close()
