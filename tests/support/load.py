"""Clients that keep registering users against a real server, remembering what was accepted."""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests


class RegistrationLoad:
    """``clients`` threads registering users until :meth:`stop`; every 201 is remembered."""

    def __init__(self, base: str, clients: int = 4, stop_on_connection_error: bool = False) -> None:
        self.base = base
        self.accepted: dict[str, int] = {}
        self.statuses: list[tuple[int, str | None]] = []
        self.condition = threading.Condition()
        self._stop = threading.Event()
        self._stop_on_error = stop_on_connection_error
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(clients)]

    def __enter__(self) -> RegistrationLoad:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def wait_for(self, predicate: Callable[[RegistrationLoad], bool], timeout: float = 60) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: predicate(self), timeout=timeout)

    def snapshot(self) -> dict[str, int]:
        with self.condition:
            return dict(self.accepted)

    def _client(self, n: int) -> None:
        session = requests.Session()
        i = 0
        while not self._stop.is_set():
            i += 1
            name = f"c{n}u{i}"
            try:
                r = session.post(f"{self.base}/api/user/registration",
                                 json={"username": name, "password": "password1"}, timeout=30)
            except requests.RequestException:
                if self._stop_on_error:
                    return  # the server is gone
                continue
            with self.condition:
                self.statuses.append((r.status_code, r.headers.get("Retry-After")))
                if r.status_code == 201:
                    self.accepted[name] = r.json()["id"]
                self.condition.notify_all()
