"""Unique names: one ``NameIndex`` aggregate reserves a name, case-insensitively, for one holder.

Its id is derived from the kind of name (``username``, ``team-name``) and the lower-cased name, so
creating it twice is a conflict in the event store: saving the index together with the thing that
takes the name makes the uniqueness check atomic with the change. A released name can be claimed again.

Before issue 13 every kind had its own class (``domain.identity.user:UsernameIndex``,
``domain.projects.team:TeamNameIndex``) whose events named the holder differently. Their topics are
registered here: an old index loads as a ``NameIndex``, its old events translated on the way in.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic, register_topic

from domain.shared.errors import Conflict
from domain.shared.ids import index_id

USERNAME = "username"
TEAM_NAME = "team-name"


class NameTaken(Conflict):
    """The name is held by another holder (the application words the message its API expects)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"the {kind} '{name}' is taken", kind=kind, name=name)
        self.kind = kind
        self.name = name


class NameIndex(Aggregate):
    """Reserves a name of one kind for one holder (see the module doc)."""

    class Reserved(Aggregate.Created):
        kind: str
        name: str
        holder: UUID
        actor: str

    class Claimed(Aggregate.Event):
        holder: UUID
        actor: str

    class Released(Aggregate.Event):
        actor: str

    @staticmethod
    def create_id(kind: str, name: str) -> UUID:
        return index_id(kind, name.lower())

    @event(Reserved)
    def __init__(self, kind: str, name: str, holder: UUID, actor: str) -> None:
        self.kind = kind
        self.name = name
        self.holder: UUID | None = holder

    def held_by(self, holder: UUID) -> bool:
        return self.holder is not None and self.holder == holder

    def claim(self, holder: UUID, actor: str) -> None:
        """Take the name for ``holder``: :class:`NameTaken` while another holds it; nothing when it
        holds it already."""
        if self.holder is not None and self.holder != holder:
            raise NameTaken(self.kind, self.name)
        if self.holder is None:
            self._claimed(holder=holder, actor=actor)

    @event(Claimed)
    def _claimed(self, holder: UUID, actor: str) -> None:
        self.holder = holder

    def release(self, actor: str) -> None:
        """Give the name up (nothing when nobody holds it)."""
        if self.holder is not None:
            self._released(actor=actor)

    @event(Released)
    def _released(self, actor: str) -> None:
        self.holder = None


def reserve(index: NameIndex | None, kind: str, name: str, holder: UUID, actor: str) -> NameIndex:
    """The index that gives ``name`` to ``holder``: a new one, or ``index`` claimed (NameTaken when
    another holds it). Save it together with the holder's change."""
    if index is None:
        return NameIndex(kind=kind, name=name, holder=holder, actor=actor)
    index.claim(holder, actor=actor)
    return index


# --- the indexes stored before issue 13 ---------------------------------------------------------------
def _translated(event_class: type[Any], old: Any, **fields: Any) -> Any:
    """The new event an old one means: the same envelope, the new class and fields."""
    return event_class(originator_id=old.originator_id, originator_version=old.originator_version,
                       timestamp=old.timestamp, **fields)

class _OldReserved(Aggregate.Created):
    """A name reserved by one of the old index classes: mutates as the ``NameIndex.Reserved`` it means."""

    kind = ""
    name_field = ""
    holder_field = ""

    def mutate(self, aggregate: Any) -> Any:
        fields = self.__dict__
        return _translated(NameIndex.Reserved, self, originator_topic=get_topic(NameIndex), kind=self.kind,
                           name=fields[self.name_field], holder=fields[self.holder_field],
                           actor=fields["actor"]).mutate(aggregate)


class _OldClaimed(Aggregate.Event):
    holder_field = ""

    def mutate(self, aggregate: Any) -> Any:
        return _translated(NameIndex.Claimed, self, holder=self.__dict__[self.holder_field],
                           actor=self.__dict__["actor"]).mutate(aggregate)


class _OldReleased(Aggregate.Event):
    def mutate(self, aggregate: Any) -> Any:
        return _translated(NameIndex.Released, self, actor=self.__dict__["actor"]).mutate(aggregate)


class UsernameReserved(_OldReserved):
    __qualname__ = "UsernameIndex.Reserved"  # as the audit log has always named it
    kind, name_field, holder_field = USERNAME, "username", "user_id"
    username: str
    user_id: UUID
    actor: str


class UsernameClaimed(_OldClaimed):
    __qualname__ = "UsernameIndex.Claimed"
    holder_field = "user_id"
    user_id: UUID
    actor: str


class UsernameReleased(_OldReleased):
    __qualname__ = "UsernameIndex.Released"
    actor: str


class TeamNameReserved(_OldReserved):
    __qualname__ = "TeamNameIndex.Reserved"
    kind, name_field, holder_field = TEAM_NAME, "name", "team"
    name: str
    team: UUID
    actor: str


class TeamNameClaimed(_OldClaimed):
    __qualname__ = "TeamNameIndex.Claimed"
    holder_field = "team"
    team: UUID
    actor: str


class TeamNameReleased(_OldReleased):
    __qualname__ = "TeamNameIndex.Released"
    actor: str


for _old, _new in {
    "domain.identity.user:UsernameIndex": NameIndex,
    "domain.identity.user:UsernameIndex.Reserved": UsernameReserved,
    "domain.identity.user:UsernameIndex.Claimed": UsernameClaimed,
    "domain.identity.user:UsernameIndex.Released": UsernameReleased,
    "domain.projects.team:TeamNameIndex": NameIndex,
    "domain.projects.team:TeamNameIndex.Reserved": TeamNameReserved,
    "domain.projects.team:TeamNameIndex.Claimed": TeamNameClaimed,
    "domain.projects.team:TeamNameIndex.Released": TeamNameReleased,
}.items():
    register_topic(_old, _new)
