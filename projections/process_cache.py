"""A per-process cache of decoded read-model rows: for each project, the value read for its newest key
only (a key names what was read, e.g. a head and row counts, so a write that changes the rows changes the
key and the next read misses), for at most ``size`` projects, least recently used dropped first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LatestPerProject(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Hashable, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, project_id: int, key: Hashable) -> V | None:
        with self._lock:
            found = self._entries.get(project_id)
            if found is None or found[0] != key:
                return None
            self._entries.move_to_end(project_id)
            return found[1]

    def put(self, project_id: int, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[project_id] = (key, value)
            self._entries.move_to_end(project_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
