"""PostgreSQL goes away while clients write: 503 with Retry-After, recovery by itself, nothing lost."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.support.load import RegistrationLoad
from tests.support.server import ServerProcess, wait_caught_up
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e


def test_outage_answers_503_then_recovers_and_keeps_every_accepted_write(
    backend: str, database_url: str | None, env: dict[str, str], tmp_path: Path
) -> None:
    if backend != "postgres" or database_url is None:
        pytest.skip("a PostgreSQL outage needs PostgreSQL")
    target = urlparse(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    proxied = database_url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}")
    server = ServerProcess({**env, "CODEANNALS_DATABASE_URL": proxied, "CODEANNALS_READ_WAIT_SECONDS": "2"},
                           log_path=tmp_path / "server.log")
    server.start()
    try:
        base = server.url
        with RegistrationLoad(base, clients=3) as load:
            assert load.wait_for(lambda lo: len(lo.accepted) >= 10)
            proxy.cut()
            assert load.wait_for(lambda lo: any(s == 503 for s, _ in lo.statuses)), load.statuses[-10:]
            during = len(load.statuses)
            proxy.restore()
            assert load.wait_for(lambda lo: any(s == 201 for s, _ in lo.statuses[during:]))
            after = len(load.statuses)
            assert load.wait_for(lambda lo: sum(1 for s, _ in lo.statuses[after:] if s == 201) >= 5)
        accepted, statuses = load.snapshot(), list(load.statuses)

        assert all(retry for status, retry in statuses if status == 503)
        unexpected = {status for status, _ in statuses} - {201, 409, 503}
        assert not unexpected, unexpected
        wait_caught_up(base)
        token = requests.post(f"{base}/api/user/auth", json={"username": "c0u1", "password": "password1"},
                              timeout=30).json()["accessToken"]
        users = {u["username"]: u["id"] for u in
                 requests.get(f"{base}/api/users", headers={"Authorization": token}, timeout=30).json()}
        for name, user_id in accepted.items():
            assert users.get(name) == user_id, name
    finally:
        server.stop()
        proxy.close()
