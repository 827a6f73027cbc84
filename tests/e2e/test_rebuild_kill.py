"""The projection runner killed (SIGKILL) during a rebuild: restarted, it finishes and equals a clean rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from application.identity.passwords import hash_password
from domain.identity.user import User
from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.readmodels import dump
from tests.support.server import ROOT

pytestmark = pytest.mark.e2e


def test_a_rebuild_killed_half_way_resumes_and_equals_a_clean_rebuild(env: dict[str, str]) -> None:
    settings = Settings.from_env(env)
    container = Container(settings)
    container.start(projections=False, workers=False)
    try:
        pw = hash_password("password1", cost=4)
        users = [User(username=f"u{i}", password_hash=pw, platform_admin=False, actor="system") for i in range(20000)]
        for i in range(0, len(users), 1000):
            container.identity.save(*users[i:i + 1000])
        head = container.identity.max_position()

        rebuild = subprocess.Popen([sys.executable, "-m", "interfaces.cli.main", "projections", "rebuild"],
                                   cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)

        def audit_position() -> int:
            value = container.store.scalar(
                "SELECT position FROM projection_tracking WHERE projection='audit' AND application='identity'")
            return int(value or 0)

        deadline = time.monotonic() + 120
        while not 0 < audit_position() < head:
            assert rebuild.poll() is None, "the rebuild finished before it could be killed"
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.005)
        os.killpg(rebuild.pid, signal.SIGKILL)
        rebuild.wait(30)
        assert 0 < audit_position() < head

        container.runner.setup()  # as a restarted runner does
        container.runner.catch_up()
        resumed = dump(container.runner)
        assert len(resumed["audit_events"]) == head and len(resumed["users"]) == 20000
        container.runner.rebuild()
        assert dump(container.runner) == resumed
    finally:
        container.close()
