"""Read model of users, their refresh-token sessions and API tokens."""

from __future__ import annotations

from domain.identity.user import User
from projections.projection import Envelope, Projection, handles
from projections.store import Tx


class UsersProjection(Projection):
    name = "users"
    version = 1
    follows = ("identity",)
    tables = {
        "users": """CREATE TABLE users (
            id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, username TEXT NOT NULL,
            username_lower TEXT NOT NULL UNIQUE, platform_admin BOOLEAN NOT NULL, created_at TEXT NOT NULL)""",
        "refresh_tokens": """CREATE TABLE refresh_tokens (
            jti TEXT PRIMARY KEY, user_id BIGINT NOT NULL, expires_at BIGINT NOT NULL,
            revoked BOOLEAN NOT NULL)""",
        "api_tokens": """CREATE TABLE api_tokens (
            id BIGINT PRIMARY KEY, token_key TEXT NOT NULL UNIQUE, user_id BIGINT NOT NULL,
            name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)""",
    }
    indexes = [
        "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
        "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
    ]

    @staticmethod
    def _user_id(tx: Tx, envelope: Envelope) -> int | None:
        value = tx.scalar("SELECT id FROM users WHERE uuid=%s", (str(envelope.event.originator_id),))
        return None if value is None else int(value)

    @handles(User.Registered)
    def registered(self, tx: Tx, e: Envelope[User.Registered]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO users (id, uuid, username, username_lower, platform_admin, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (e.position, str(ev.originator_id), ev.username, ev.username.lower(), bool(ev.platform_admin),
             e.occurred_at),
        )

    @handles(User.PlatformAdminSet)
    def admin_set(self, tx: Tx, e: Envelope[User.PlatformAdminSet]) -> None:
        tx.write(
            "UPDATE users SET platform_admin=%s WHERE uuid=%s", (bool(e.event.is_admin), str(e.event.originator_id))
        )

    # The user's id is found by the statement itself (nothing when the user is gone): queued like every
    # write, a batch of these is one pipelined group, not a query and a statement per event.
    @handles(User.LoggedIn)
    def logged_in(self, tx: Tx, e: Envelope[User.LoggedIn]) -> None:
        tx.write(
            "INSERT INTO refresh_tokens (jti, user_id, expires_at, revoked) "
            "SELECT %s, id, %s, %s FROM users WHERE uuid=%s",
            (e.event.refresh_token_id, int(e.event.expires_at), False, str(e.event.originator_id)),
        )

    @handles(User.PasswordChanged)
    def password_changed(self, tx: Tx, e: Envelope[User.PasswordChanged]) -> None:
        user_id = self._user_id(tx, e)
        tx.write("UPDATE refresh_tokens SET revoked=%s WHERE user_id=%s", (True, user_id))

    @handles(User.ApiTokenIssued)
    def token_issued(self, tx: Tx, e: Envelope[User.ApiTokenIssued]) -> None:
        tx.write(
            "INSERT INTO api_tokens (id, token_key, user_id, name, token_hash, created_at) "
            "SELECT %s, %s, id, %s, %s, %s FROM users WHERE uuid=%s",
            (e.position, e.event.token_key, e.event.name, e.event.token_hash, e.occurred_at,
             str(e.event.originator_id)),
        )

    @handles(User.ApiTokenRevoked)
    def token_revoked(self, tx: Tx, e: Envelope[User.ApiTokenRevoked]) -> None:
        tx.write("DELETE FROM api_tokens WHERE token_key=%s", (e.event.token_key,))

    @handles(User.Deleted)
    def deleted(self, tx: Tx, e: Envelope[User.Deleted]) -> None:
        user_id = self._user_id(tx, e)
        tx.write("DELETE FROM refresh_tokens WHERE user_id=%s", (user_id,))
        tx.write("DELETE FROM api_tokens WHERE user_id=%s", (user_id,))
        tx.write("DELETE FROM users WHERE id=%s", (user_id,))
