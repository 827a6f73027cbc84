"""The base of every bounded context's application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording

from application.shared import positions
from domain.shared.errors import Conflict, NotFound

T = TypeVar("T")
A = TypeVar("A")


def is_race(exc: Conflict) -> bool:
    """Whether a conflict is a lost race in the event store (another save of the same aggregate came
    first), not a rule of the domain: running the command again on the newest state may succeed."""
    return isinstance(exc.__cause__, IntegrityError)


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

    def retry_on_race(self, command: Callable[[], T], attempts: int = 4) -> T:
        """Run a command; when a concurrent save of the same aggregate came first (:func:`is_race`),
        run it again on the newest state (its checks run again), up to ``attempts`` times. Any
        other conflict, and the last lost race, reach the caller."""
        for attempt in range(attempts):
            try:
                return command()
            except Conflict as exc:
                if not is_race(exc) or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def get_aggregate(self, aggregate_id: UUID, cls: type[A], kind: str = "thing") -> A:
        """The aggregate of this id, of class ``cls``; :class:`NotFound` ("<kind> not found") when
        there is none, or it is something else."""
        found = self.find_aggregate(aggregate_id, cls)
        if found is None:
            raise NotFound(f"{kind} not found")
        return found

    @overload
    def find_aggregate(self, aggregate_id: UUID) -> Any | None: ...

    @overload
    def find_aggregate(self, aggregate_id: UUID, cls: type[A]) -> A | None: ...

    def find_aggregate(self, aggregate_id: UUID, cls: type[Any] | None = None) -> Any | None:
        """The aggregate of this id (of class ``cls``, when given), or None."""
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if cls is not None and not isinstance(aggregate, cls):
            return None
        return aggregate

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0
