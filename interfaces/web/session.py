"""Who is looking at a page: the signed-in user from the session cookie, and the CSRF token every
changing form carries."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Flask, Request, abort, g, request, session
from flask.sessions import SecureCookieSessionInterface

from domain.shared.errors import Unauthenticated
from interfaces.http.auth import Principal, _principal_of_user

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


def load_principal() -> Principal | None:
    """The session's user as the API's principal (so every access rule of the API applies as is)."""
    if "principal" in g:
        principal: Principal | None = g.principal
        return principal
    user_id = session.get("user_id")
    principal = None
    if isinstance(user_id, int):
        try:
            principal = _principal_of_user(user_id)
        except Unauthenticated:
            session.clear()
    g.principal = principal
    return principal


def sign_in(user_id: int) -> None:
    session.clear()
    session["user_id"] = user_id
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
