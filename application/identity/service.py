"""Identity use cases: registration, credentials, platform roles, API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from application.identity.passwords import (
    DEFAULT_COST,
    DUMMY_HASH,
    hash_password,
    hash_token,
    verify_password,
)
from application.shared.base import ContextApplication
from domain.identity.rules import check_password, check_token_name, check_username
from domain.identity.user import Platform, User
from domain.shared.errors import Conflict, NotFound, Unauthenticated
from domain.shared.name_index import USERNAME, NameIndex, reserve


@dataclass(frozen=True)
class Registered:
    user_uuid: UUID
    user_id: int
    platform_admin: bool


@dataclass(frozen=True)
class IssuedToken:
    token_id: int
    token_key: str
    name: str
    token: str


class IdentityApplication(ContextApplication):
    name = "identity"
    snapshotting_intervals = {User: 50}

    def __init__(self, env: dict[str, str] | None = None, password_cost: int = DEFAULT_COST) -> None:
        super().__init__(env)
        self.password_cost = password_cost

    # --- registration and credentials -------------------------------------------------------
    def register(self, username: str, password: str, actor: str) -> Registered:
        username = check_username(username)
        check_password(password)
        password_hash = hash_password(password, self.password_cost)
        for attempt in range(3):
            try:
                return self._register(username, password_hash, actor)
            except Conflict:
                if attempt == 2:
                    raise
                # Lost a race on the username index or the platform singleton: look again.
        raise AssertionError("unreachable")

    def _username_index(self, username: str) -> NameIndex | None:
        return self.find_aggregate(NameIndex.create_id(USERNAME, username), NameIndex)

    def _register(self, username: str, password_hash: str, actor: str) -> Registered:
        index = self._username_index(username)
        if index is not None and index.holder is not None:
            raise Conflict(f"username '{username}' is already taken")
        platform = self.find_aggregate(Platform.ID)
        first = platform is None
        user = User(username=username, password_hash=password_hash, platform_admin=first, actor=actor)
        index = reserve(index, USERNAME, username, user.id, actor)
        founded = Platform(first_admin=user.id, actor=actor) if first else None
        user_id = self.save_position(user, index, founded)
        return Registered(user_uuid=user.id, user_id=user_id, platform_admin=first)

    def authenticate(self, username: str, password: str) -> User:
        """The user with these credentials, or :class:`Unauthenticated` (same time either way)."""
        index = self._username_index(username) if isinstance(username, str) else None
        user = self.find_aggregate(index.holder, User) if index is not None and index.holder else None
        if user is None or user.deleted:
            verify_password(str(password), DUMMY_HASH)
            raise Unauthenticated("bad username or password")
        if not verify_password(str(password), user.password_hash):
            raise Unauthenticated("bad username or password")
        return user

    def user(self, user_uuid: UUID) -> User:
        user = self.get_aggregate(user_uuid, User, "user")
        if user.deleted:
            raise NotFound("user not found")
        return user

    def record_login(self, user_uuid: UUID, refresh_token_id: str, expires_at: int, actor: str) -> None:
        user = self.user(user_uuid)
        user.record_login(refresh_token_id, expires_at, actor=actor)
        self.save(user)

    def change_password(self, user_uuid: UUID, new_password: str, actor: str) -> None:
        check_password(new_password)
        user = self.user(user_uuid)
        user.change_password(hash_password(new_password, self.password_cost), actor=actor)
        self.save(user)

    def set_platform_admin(self, user_uuid: UUID, is_admin: bool, actor: str) -> None:
        user = self.user(user_uuid)
        user.set_platform_admin(is_admin, actor=actor)
        self.save(user)

    def delete_user(self, user_uuid: UUID, actor: str) -> None:
        user = self.user(user_uuid)
        user.delete(actor=actor)
        index = self._username_index(user.username)
        if index is not None and index.held_by(user.id):
            index.release(actor=actor)
        self.save(user, index)

    # --- API tokens -------------------------------------------------------------------------
    def issue_token(self, user_uuid: UUID, name: str, actor: str) -> IssuedToken:
        name = check_token_name(name)
        user = self.user(user_uuid)
        token = "cat_" + secrets.token_urlsafe(32)
        token_key = secrets.token_hex(16)
        user.issue_token(token_key, name, hash_token(token), actor=actor)
        token_id = self.save_position(user)
        return IssuedToken(token_id=token_id, token_key=token_key, name=name, token=token)

    def revoke_token(self, user_uuid: UUID, token_key: str, actor: str) -> None:
        user = self.user(user_uuid)
        user.revoke_token(token_key, actor=actor)
        self.save(user)

