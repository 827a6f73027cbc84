"""Who is looking at a page: the signed-in user from the session cookie, and the CSRF token every
changing form carries."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from uuid import UUID

from flask import Flask, Request, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from domain.shared.actor import user_actor
from domain.shared.errors import Unauthenticated
from interfaces.http.auth import Principal, _principal_of_user
from projections.identity import queries as identity_queries

CSRF_FIELD = "csrf_token"


class WebSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over
    https (directly or through a proxy that says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or _is_https(request)


def _is_https(req: Request) -> bool:
    return req.is_secure or req.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"


def configure(app: Flask, secret_key: str) -> None:
    app.secret_key = secret_key
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="ca_session")
    app.session_interface = WebSessionInterface()


def _login_valid(user_id: int, jti: object) -> bool:
    """The session stands for a login recorded like the API's refresh tokens: it ends when that
    login is revoked (a password change anywhere) or expires."""
    if not isinstance(jti, str):
        return False
    row = identity_queries.refresh_token(current_app.extensions["codeannals"].store, jti)
    return (row is not None and not row["revoked"] and int(row["user_id"]) == user_id
            and int(row["expires_at"]) > int(time.time()))


def load_principal() -> Principal | None:
    """The session's user as the API's principal (so every access rule of the API applies as is)."""
    if "principal" in g:
        principal: Principal | None = g.principal
        return principal
    user_id = session.get("user_id")
    principal = None
    if isinstance(user_id, int):
        try:
            if not _login_valid(user_id, session.get("login")):
                raise Unauthenticated("the session ended")
            principal = _principal_of_user(user_id)
        except Unauthenticated:
            session.clear()
    g.principal = principal
    return principal


def sign_in(user_id: int, user_uuid: UUID) -> None:
    """Record a login (as the API does for its refresh tokens) and bind the session to it."""
    container = current_app.extensions["codeannals"]
    jti = secrets.token_hex(16)
    expires_at = int(time.time()) + container.settings.refresh_token_days * 86400
    container.identity.record_login(user_uuid, jti, expires_at, actor=user_actor(user_id))
    session.clear()
    session["user_id"] = user_id
    session["login"] = jti
    session["csrf"] = secrets.token_urlsafe(32)
    g.pop("principal", None)


def sign_out() -> None:
    session.clear()
    g.pop("principal", None)


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse (400) a changing request whose form does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD, "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description="The form's security token is missing or out of date. Reload the page and try again.")


def template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "current_user": load_principal}
