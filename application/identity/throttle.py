"""Login throttling: failed attempts are counted per username and per client address in a sliding
window; past the limit, attempts are refused for a while without checking the password."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from domain.shared.errors import RateLimited


class SlidingWindow:
    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: it may now)."""
        with self._lock:
            now = self.clock()
            hits = self._trim(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._trim(key, now)
            self._hits.setdefault(key, deque()).append(now)
            if len(self._hits) > 100_000:  # bounded memory under a flood of distinct keys
                oldest = next(iter(self._hits))
                del self._hits[oldest]

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class LoginThrottle:
    """At most ``per_user`` failed logins per username and ``per_address`` per address in ``window``."""

    def __init__(self, per_user: int = 10, per_address: int = 50, window_seconds: float = 600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.users = SlidingWindow(per_user, window_seconds, clock)
        self.addresses = SlidingWindow(per_address, window_seconds, clock)

    def check(self, username: str, address: str) -> None:
        wait = max(self.users.retry_after(username.lower()), self.addresses.retry_after(address))
        if wait:
            raise RateLimited(f"too many failed login attempts; try again in {wait} seconds", retry_after=wait)

    def failed(self, username: str, address: str) -> None:
        self.users.hit(username.lower())
        self.addresses.hit(address)

    def succeeded(self, username: str) -> None:
        self.users.clear(username.lower())
