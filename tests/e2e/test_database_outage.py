"""PostgreSQL goes away while clients write: 503 with Retry-After, recovery by itself, nothing lost."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.support.server import ServerProcess
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
        accepted: dict[str, int] = {}
        statuses: list[tuple[int, str | None]] = []
        cond = threading.Condition()
        stop = threading.Event()

        def client(n: int) -> None:
            session = requests.Session()
            i = 0
            while not stop.is_set():
                i += 1
                name = f"c{n}u{i}"
                try:
                    r = session.post(f"{base}/api/user/registration",
                                     json={"username": name, "password": "password1"}, timeout=30)
                except requests.RequestException:
                    continue
                with cond:
                    statuses.append((r.status_code, r.headers.get("Retry-After")))
                    if r.status_code == 201:
                        accepted[name] = r.json()["id"]
                    cond.notify_all()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        with cond:
            assert cond.wait_for(lambda: len(accepted) >= 10, timeout=60)
        proxy.cut()
        with cond:
            assert cond.wait_for(lambda: any(s == 503 for s, _ in statuses), timeout=60), statuses[-10:]
            during = len(statuses)
        proxy.restore()
        with cond:
            assert cond.wait_for(lambda: any(s == 201 for s, _ in statuses[during:]), timeout=60)
            after = len(statuses)
            assert cond.wait_for(lambda: sum(1 for s, _ in statuses[after:] if s == 201) >= 5, timeout=60)
        stop.set()
        for t in threads:
            t.join(60)

        assert all(retry for status, retry in statuses if status == 503)
        unexpected = {status for status, _ in statuses} - {201, 409, 503}
        assert not unexpected, unexpected
        token = requests.post(f"{base}/api/user/auth", json={"username": "c0u1", "password": "password1"},
                              timeout=30).json()["accessToken"]
        users = {u["username"]: u["id"] for u in
                 requests.get(f"{base}/api/users", headers={"Authorization": token}, timeout=30).json()}
        for name, user_id in accepted.items():
            assert users.get(name) == user_id, name
    finally:
        server.stop()
        proxy.close()
