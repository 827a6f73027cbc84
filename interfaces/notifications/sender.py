"""Sends a delivery: a POST to the checked address of the destination, following redirects (each one
checked again, at most five), with a timeout; answers (status code, error)."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urljoin

from interfaces.notifications.destinations import Refused, destination

MAX_REDIRECTS = 5


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class GuardedSender:
    def __init__(self, allowed: Iterable[str], timeout: float = 10.0) -> None:
        self.allowed = frozenset(allowed)
        self.timeout = timeout

    def send(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str | None]:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                where = destination(current, self.allowed)
            except Refused as exc:
                return None, f"refused: {exc}" if current == url else f"redirect refused: {exc}"
            cls = _PinnedHTTPSConnection if where.scheme == "https" else _PinnedHTTPConnection
            connection = cls(where.host, where.address, where.port, self.timeout)
            try:
                host_header = where.host if where.port in (80, 443) else f"{where.host}:{where.port}"
                connection.request("POST", where.target, body=body,
                                   headers={**headers, "Host": host_header, "Content-Length": str(len(body))})
                response = connection.getresponse()
                response.read(65536)
                status = response.status
                location = response.getheader("Location")
            except (OSError, http.client.HTTPException) as exc:
                return None, f"{type(exc).__name__}: {exc}"[:500]
            finally:
                connection.close()
            if status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            return status, None if 200 <= status < 300 else f"HTTP {status}"
        return None, f"more than {MAX_REDIRECTS} redirects"
