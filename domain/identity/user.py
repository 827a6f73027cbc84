"""The User aggregate: credentials, platform role, login sessions and API tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Conflict, NotFound
from domain.shared.ids import index_id


class User(Aggregate):
    """A person (or a machine acting through an API token) known to the server."""

    class Registered(Aggregate.Created):
        username: str
        password_hash: str
        platform_admin: bool
        actor: str

    class PasswordChanged(Aggregate.Event):
        password_hash: str
        actor: str

    class LoggedIn(Aggregate.Event):
        refresh_token_id: str
        expires_at: int
        actor: str

    class PlatformAdminSet(Aggregate.Event):
        is_admin: bool
        actor: str

    class Deleted(Aggregate.Event):
        actor: str

    class ApiTokenIssued(Aggregate.Event):
        token_key: str
        name: str
        token_hash: str
        actor: str

    class ApiTokenRevoked(Aggregate.Event):
        token_key: str
        actor: str

    @event(Registered)
    def __init__(self, username: str, password_hash: str, platform_admin: bool, actor: str) -> None:
        self.username = username
        self.password_hash = password_hash
        self.platform_admin = platform_admin
        self.deleted = False
        self.password_generation = 0
        self.tokens: dict[str, dict[str, Any]] = {}

    def _alive(self) -> None:
        if self.deleted:
            raise NotFound("user not found")

    def change_password(self, password_hash: str, actor: str) -> None:
        self._alive()
        self._password_changed(password_hash=password_hash, actor=actor)

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str, actor: str) -> None:
        self.password_hash = password_hash
        self.password_generation += 1

    def record_login(self, refresh_token_id: str, expires_at: int, actor: str) -> None:
        self._alive()
        self._logged_in(refresh_token_id=refresh_token_id, expires_at=expires_at, actor=actor)

    @event(LoggedIn)
    def _logged_in(self, refresh_token_id: str, expires_at: int, actor: str) -> None:
        pass

    def set_platform_admin(self, is_admin: bool, actor: str) -> None:
        self._alive()
        if self.platform_admin != is_admin:
            self._platform_admin_set(is_admin=is_admin, actor=actor)

    @event(PlatformAdminSet)
    def _platform_admin_set(self, is_admin: bool, actor: str) -> None:
        self.platform_admin = is_admin

    def delete(self, actor: str) -> None:
        self._alive()
        self._deleted(actor=actor)

    @event(Deleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True
        self.tokens = {}

    def issue_token(self, token_key: str, name: str, token_hash: str, actor: str) -> None:
        self._alive()
        if any(t["name"] == name for t in self.tokens.values()):
            raise Conflict(f"you already have an API token named '{name}'")
        self._token_issued(token_key=token_key, name=name, token_hash=token_hash, actor=actor)

    @event(ApiTokenIssued)
    def _token_issued(self, token_key: str, name: str, token_hash: str, actor: str) -> None:
        self.tokens[token_key] = {"name": name}

    def revoke_token(self, token_key: str, actor: str) -> None:
        self._alive()
        if token_key not in self.tokens:
            raise NotFound("API token not found")
        self._token_revoked(token_key=token_key, actor=actor)

    @event(ApiTokenRevoked)
    def _token_revoked(self, token_key: str, actor: str) -> None:
        del self.tokens[token_key]


class Platform(Aggregate):
    """The singleton that records the platform's first administrator.

    Creating it is part of the first registration; two concurrent first registrations conflict on
    it, so exactly one user becomes the first platform admin."""

    ID = index_id("platform", "singleton")

    @staticmethod
    def create_id() -> UUID:
        return Platform.ID

    class Founded(Aggregate.Created):
        first_admin: UUID
        actor: str

    @event(Founded)
    def __init__(self, first_admin: UUID, actor: str) -> None:
        self.first_admin = first_admin
