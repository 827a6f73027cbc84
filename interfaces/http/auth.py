"""Who is calling: JWTs (coderadar), API tokens (Bearer for Testery, HTTP Basic for Copr,
``X-PROJEKTOR-TOKEN`` for Projektor)."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt
from flask import current_app, g, request

from application.identity.passwords import hash_token
from domain.shared.actor import token_actor, user_actor
from domain.shared.errors import Forbidden, Unauthenticated
from projections.identity import queries
from projections.store import ReadStore

ISSUER = "coderadar"
API_TOKEN_PREFIX = "cat_"  # what application.identity issues
ACCESS, REFRESH = "ACCESS", "REFRESH"
VALID_TOKENS_KEPT = 10_000  # per process: the claims of tokens whose signature was checked


@dataclass(frozen=True)
class Principal:
    user_id: int
    user_uuid: UUID
    username: str
    platform_admin: bool
    token_id: int | None = None

    @property
    def actor(self) -> str:
        return token_actor(self.token_id) if self.token_id is not None else user_actor(self.user_id)


class JwtCodec:
    def __init__(self, secret: str, access_minutes: int, refresh_days: int) -> None:
        self.secret = secret
        self.access_seconds = access_minutes * 60
        self.refresh_seconds = refresh_days * 86400
        self._valid: dict[str, dict[str, Any]] = {}

    def _encode(self, user_id: int, username: str, kind: str, lifetime: int, jti: str | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER, "iat": now, "exp": now + lifetime, "userId": user_id, "username": username, "type": kind,
        }
        if jti:
            claims["jti"] = jti
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def access_token(self, user_id: int, username: str) -> str:
        return self._encode(user_id, username, ACCESS, self.access_seconds)

    def refresh_token(self, user_id: int, username: str) -> tuple[str, str, int]:
        jti = secrets.token_hex(16)
        expires_at = int(time.time()) + self.refresh_seconds
        return self._encode(user_id, username, REFRESH, self.refresh_seconds, jti), jti, expires_at

    def decode(self, token: str, expected_type: str) -> dict[str, Any]:
        """The claims of a valid token of that type, else :class:`Unauthenticated`.

        A token is immutable and its signature is checked once per process: the claims of tokens
        already found valid are kept (bounded) and only their expiry is checked again. What the
        token refers to (the user) is looked up on every request by the caller."""
        cached = self._valid.get(token)
        if cached is not None:
            if cached["exp"] <= time.time():
                self._valid.pop(token, None)
                raise Unauthenticated("token expired")
            if cached.get("type") != expected_type:
                raise Unauthenticated(f"not an {expected_type.lower()} token")
            return dict(cached)
        claims = self._decode(token, expected_type)
        if isinstance(claims.get("exp"), int | float):
            if len(self._valid) >= VALID_TOKENS_KEPT:
                self._valid.clear()
            self._valid[token] = dict(claims)
        return claims

    def _decode(self, token: str, expected_type: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=["HS256"], issuer=ISSUER,
                options={"require": ["exp", "iat", "iss", "type", "userId"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("invalid token: its signature does not match") from None
        except jwt.DecodeError:
            raise Unauthenticated(f"malformed token: not a readable JWT ({MALFORMED_HINT})") from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token") from None
        if claims.get("type") != expected_type:
            raise Unauthenticated(f"not an {expected_type.lower()} token")
        if not isinstance(claims.get("userId"), int | str) or not str(claims["userId"]).isdigit():
            raise Unauthenticated("invalid token")
        return claims


def _store() -> ReadStore:
    store: ReadStore = current_app.extensions["codeannals"].store
    return store


def _codec() -> JwtCodec:
    codec: JwtCodec = current_app.extensions["codeannals.jwt"]
    return codec


def _principal_of_user(user_id: int, token_id: int | None = None) -> Principal:
    user = queries.user_by_id(_store(), user_id)
    if user is None:
        raise Unauthenticated("unknown or deleted user")
    return Principal(user["id"], UUID(user["uuid"]), user["username"], user["platform_admin"], token_id)


def principal_from_api_token(token: str) -> Principal:
    row = queries.api_token_by_hash(_store(), hash_token(token))
    if row is None:
        raise Unauthenticated("invalid or revoked API token")
    return _principal_of_user(int(row["user_id"]), int(row["id"]))


def principal_from_jwt(token: str) -> Principal:
    claims = _codec().decode(token, ACCESS)
    return _principal_of_user(int(claims["userId"]))


MALFORMED_HINT = "a JWT is three base64url parts joined by dots; an API token starts with cat_"


def _principal_from_token(token: str) -> Principal:
    """A bearer credential: an API token (``cat_...``) or a JWT; anything else is malformed."""
    if token.startswith(API_TOKEN_PREFIX):
        return principal_from_api_token(token)
    if token.count(".") != 2:
        raise Unauthenticated(f"malformed token: neither a JWT nor an API token ({MALFORMED_HINT})")
    return principal_from_jwt(token)


def _authenticate() -> Principal | None:
    header = request.headers.get("Authorization", "").strip()
    projektor = request.headers.get("X-PROJEKTOR-TOKEN", "").strip()
    if header:
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic" and rest:
            try:
                login, _, token = base64.b64decode(rest.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise Unauthenticated("malformed Basic credentials") from None
            principal = principal_from_api_token(token)
            if login and login.lower() != principal.username.lower():
                raise Unauthenticated("API token does not belong to that login")
            return principal
        token = rest.strip() if scheme.lower() == "bearer" else header
        if not token:
            raise Unauthenticated("empty credentials")
        return _principal_from_token(token)
    if projektor:
        return principal_from_api_token(projektor)
    return None


def current_principal() -> Principal | None:
    """The caller, or None for an anonymous request. Bad credentials are a 401, never anonymous."""
    if "principal" not in g:
        g.principal = _authenticate()
    principal: Principal | None = g.principal
    return principal


def require_user() -> Principal:
    principal = current_principal()
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


def require_platform_admin() -> Principal:
    principal = require_user()
    if not principal.platform_admin:
        raise Forbidden("only platform administrators may do this")
    return principal
