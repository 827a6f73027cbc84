"""The base of every bounded context's application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording

from application.shared import positions
from domain.shared.errors import Conflict, NotFound


class ContextApplication(Application[UUID]):
    """An event-sourced application for one bounded context.

    - Every save reports the position of its last event to the unit of work (read-your-writes) and
      to listeners (the in-process projection runner wakes up at once).
    - A concurrent write to the same aggregate surfaces as :class:`Conflict` (HTTP 409).
    """

    name = "context"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._listeners: list[Callable[[str, int], None]] = []

    def add_listener(self, listener: Callable[[str, int], None]) -> None:
        self._listeners.append(listener)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        try:
            recordings = super().save(*objs, **kwargs)
        except IntegrityError as exc:
            raise Conflict("a concurrent change was saved first; reload and try again") from exc
        if recordings:
            position = max(r.notification.id for r in recordings)
            positions.record(self.name, position)
            for listener in self._listeners:
                listener(self.name, position)
        return recordings

    def save_position(self, *objs: Any) -> int:
        """Save and answer the notification id of the first event saved (an id the API can expose)."""
        recordings = self.save(*objs)
        if not recordings:
            raise RuntimeError("nothing to save")
        return recordings[0].notification.id

    def get_aggregate(self, aggregate_id: UUID, kind: str = "thing") -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{kind} not found") from None

    def find_aggregate(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0
