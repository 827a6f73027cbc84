"""Teams: named groups of users that can be given a role in projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Invalid, NotFound

MAX_TEAM_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as events record them: UUID and public numeric id."""

    uuid: UUID
    id: int

    def as_fact(self) -> dict[str, Any]:
        return {"uuid": str(self.uuid), "id": self.id}

    @staticmethod
    def of(fact: dict[str, Any]) -> UserRef:
        return UserRef(UUID(str(fact["uuid"])), int(fact["id"]))


def check_team_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("name must not be empty")
    name = name.strip()
    if len(name) > MAX_TEAM_NAME_LENGTH:
        raise Invalid(f"name must be at most {MAX_TEAM_NAME_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise Invalid("name must not contain control characters")
    return name


class Team(Aggregate):
    class Created(Aggregate.Created):
        name: str
        creator: UUID
        creator_id: int
        members: list[dict[str, Any]]
        actor: str

    class Renamed(Aggregate.Event):
        name: str
        actor: str

    class MembersAdded(Aggregate.Event):
        members: list[dict[str, Any]]
        actor: str

    class MembersRemoved(Aggregate.Event):
        members: list[dict[str, Any]]
        actor: str

    class Deleted(Aggregate.Event):
        actor: str

    @event(Created)
    def __init__(self, name: str, creator: UUID, creator_id: int, members: list[dict[str, Any]], actor: str) -> None:
        self.name = name
        self.creator = creator
        self.creator_id = creator_id
        self.members: dict[UUID, int] = {}
        for fact in members:
            ref = UserRef.of(fact)
            self.members[ref.uuid] = ref.id
        self.deleted = False

    @classmethod
    def create(cls, name: str, creator: UserRef, members: list[UserRef], actor: str) -> Team:
        unique = list({m.uuid: m for m in members}.values())
        return cls(
            name=check_team_name(name), creator=creator.uuid, creator_id=creator.id,
            members=[m.as_fact() for m in unique], actor=actor,
        )

    def _alive(self) -> None:
        if self.deleted:
            raise NotFound("team not found")

    def rename(self, name: str, actor: str) -> None:
        self._alive()
        name = check_team_name(name)
        if name != self.name:
            self._renamed(name=name, actor=actor)

    @event(Renamed)
    def _renamed(self, name: str, actor: str) -> None:
        self.name = name

    def add_members(self, users: list[UserRef], actor: str) -> None:
        self._alive()
        new = list({u.uuid: u for u in users if u.uuid not in self.members}.values())
        if new:
            self._members_added(members=[u.as_fact() for u in new], actor=actor)

    @event(MembersAdded)
    def _members_added(self, members: list[dict[str, Any]], actor: str) -> None:
        for fact in members:
            ref = UserRef.of(fact)
            self.members[ref.uuid] = ref.id

    def remove_members(self, users: list[UserRef], actor: str) -> None:
        self._alive()
        gone = list({u.uuid: u for u in users if u.uuid in self.members}.values())
        if gone:
            self._members_removed(members=[u.as_fact() for u in gone], actor=actor)

    @event(MembersRemoved)
    def _members_removed(self, members: list[dict[str, Any]], actor: str) -> None:
        for fact in members:
            self.members.pop(UserRef.of(fact).uuid, None)

    def replace_members(self, users: list[UserRef], actor: str) -> None:
        """Make ``users`` the members: add the missing ones, remove the others."""
        self._alive()
        wanted = {u.uuid for u in users}
        self.remove_members([UserRef(uuid, id_) for uuid, id_ in self.members.items() if uuid not in wanted], actor)
        self.add_members(users, actor)

    def delete(self, actor: str) -> None:
        self._alive()
        self._deleted(actor=actor)

    @event(Deleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True
        self.members = {}
