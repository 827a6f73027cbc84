"""The base of every read model: tables it owns, events it handles, and how it applies them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

from projections.store import Tx

H = TypeVar("H", bound=Callable[..., None])
E = TypeVar("E", bound=DomainEvent, covariant=True)


@dataclass(frozen=True)
class Envelope(Generic[E]):
    """An event as the projection sees it: where it came from and its position in that log.

    A handler names the events it handles in its annotation, ``e: Envelope[CommitBatch.Created]``, and
    reads their fields typed; the runner hands every projection an ``Envelope[DomainEvent]``."""

    application: str
    position: int
    event: E

    @property
    def occurred_at(self) -> str:
        return iso(self.event.timestamp)


def iso(moment: datetime) -> str:
    """A timestamp as sortable ISO text in UTC with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def handles(*event_classes: type) -> Callable[[H], H]:
    """Marks a projection method as the handler of the given event classes."""

    def mark(method: H) -> H:
        method._handles = event_classes  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A read model built from events.

    Subclasses name the applications they follow, the tables they own (``tables``: name -> DDL;
    ``indexes``: extra DDL) and mark handler methods with :func:`handles`. A projection that sets
    ``all_events = True`` receives every event through :meth:`apply_any` instead. Bump ``version``
    when the tables or the meaning of the rows change: the runner then rebuilds the projection."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    follows: tuple[str, ...] = ()
    tables: ClassVar[dict[str, str]] = {}
    indexes: ClassVar[list[str]] = []
    all_events: ClassVar[bool] = False
    _handlers: ClassVar[dict[type, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                for event_class in getattr(value, "_handles", ()):
                    handlers[event_class] = attr
        cls._handlers = handlers

    def topics(self) -> list[str]:
        """The event topics this projection reads; empty means every event."""
        if self.all_events:
            return []
        return sorted(get_topic(cls) for cls in self._handlers)

    def apply(self, tx: Tx, envelope: Envelope) -> None:
        if self.all_events:
            self.apply_any(tx, envelope)
            return
        attr = self._handlers.get(type(envelope.event))
        if attr is not None:
            getattr(self, attr)(tx, envelope)

    def apply_any(self, tx: Tx, envelope: Envelope) -> None:
        raise NotImplementedError

    def create(self, tx: Tx) -> None:
        for ddl in self.tables.values():
            tx.execute(ddl)
        for ddl in self.indexes:
            tx.execute(ddl)

    def drop(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
