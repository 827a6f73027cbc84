"""Queries the API asks of the identity read model."""

from __future__ import annotations

from typing import Any

from projections.store import ReadStore, Row

USER_COLUMNS = "id, uuid, username, platform_admin, created_at"


def _user(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {**row, "platform_admin": bool(row["platform_admin"])}


def user_by_id(store: ReadStore, user_id: int) -> dict[str, Any] | None:
    return _user(store.fetchone(f"SELECT {USER_COLUMNS} FROM users WHERE id=%s", (user_id,)))


def user_by_username(store: ReadStore, username: str) -> dict[str, Any] | None:
    return _user(store.fetchone(f"SELECT {USER_COLUMNS} FROM users WHERE username_lower=%s", (username.lower(),)))


def list_users(store: ReadStore) -> list[dict[str, Any]]:
    return [u for u in (_user(r) for r in store.fetchall(f"SELECT {USER_COLUMNS} FROM users ORDER BY id")) if u]


def user_count(store: ReadStore) -> int:
    return int(store.scalar("SELECT COUNT(*) AS n FROM users") or 0)


def refresh_token(store: ReadStore, jti: str) -> Row | None:
    return store.fetchone("SELECT jti, user_id, expires_at, revoked FROM refresh_tokens WHERE jti=%s", (jti,))


def api_token_by_hash(store: ReadStore, token_hash: str) -> Row | None:
    return store.fetchone(
        "SELECT t.id, t.token_key, t.user_id, t.name FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash=%s",
        (token_hash,),
    )


def api_token(store: ReadStore, token_id: int) -> Row | None:
    return store.fetchone("SELECT id, token_key, user_id, name, created_at FROM api_tokens WHERE id=%s", (token_id,))


def api_tokens_of(store: ReadStore, user_id: int) -> list[Row]:
    return store.fetchall(
        "SELECT id, name, created_at FROM api_tokens WHERE user_id=%s ORDER BY id", (user_id,)
    )
