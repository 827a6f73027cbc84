"""Sign in and out, register, change password: the API's accounts, through the identity service."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Response, current_app, redirect, request, url_for

from application.identity.service import IdentityApplication
from application.identity.throttle import LoginThrottle
from domain.shared.actor import SYSTEM
from domain.shared.errors import DomainError, RateLimited, Unauthenticated
from interfaces.web import session as web_session
from interfaces.web.common import blp, page, require_signed_in, store
from projections.identity import queries


def identity() -> IdentityApplication:
    app: IdentityApplication = current_app.extensions["codeannals"].identity
    return app


def _safe_next(target: str | None) -> str:
    """Only a path on this server (no scheme, no host, no ``//``) may be where sign-in returns to."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parsed = urlparse(target)
    return "/" if parsed.scheme or parsed.netloc else target


@blp.route("/signin", methods=["GET", "POST"])
def sign_in() -> Response:
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return page("signin.html", next_url=next_url, error=None, username="")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    throttle: LoginThrottle = current_app.extensions["codeannals.login_throttle"]
    address = request.remote_addr or "unknown"
    try:
        throttle.check(username, address)
        try:
            user = identity().authenticate(username, password)
        except Unauthenticated:
            throttle.failed(username, address)
            raise
        throttle.succeeded(username)
    except (Unauthenticated, RateLimited) as exc:
        message = exc.message if isinstance(exc, RateLimited) else "Wrong username or password."
        return page("signin.html", status=401, next_url=next_url, error=message, username=username)
    row = queries.user_by_username(store(), user.username)
    if row is None:
        return page("signin.html", status=401, next_url=next_url, error="Wrong username or password.",
                    username=username)
    web_session.sign_in(int(row["id"]), user.id)
    return redirect(next_url)  # type: ignore[return-value]


@blp.route("/signout", methods=["POST"])
def sign_out() -> Response:
    web_session.sign_out()
    return redirect(url_for("web.sign_in"))  # type: ignore[return-value]


@blp.route("/register", methods=["GET", "POST"])
def register() -> Response:
    if request.method == "GET":
        return page("register.html", error=None, username="")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        return page("register.html", status=400, error="The two passwords differ.", username=username)
    try:
        registered = identity().register(username, password, actor=SYSTEM)
    except DomainError as exc:
        return page("register.html", status=400, error=exc.message, username=username)
    web_session.sign_in(int(registered.user_id), registered.user_uuid)
    return redirect("/")  # type: ignore[return-value]


@blp.route("/account", methods=["GET", "POST"])
def account() -> Response:
    principal = require_signed_in()
    if request.method == "GET":
        return page("account.html", error=None, done=request.args.get("changed") == "1")
    try:
        identity().authenticate(principal.username, request.form.get("current", ""))
    except Unauthenticated:
        return page("account.html", status=400, error="The current password is wrong.", done=False)
    new = request.form.get("password", "")
    if new != request.form.get("password2", ""):
        return page("account.html", status=400, error="The two new passwords differ.", done=False)
    try:
        identity().change_password(principal.user_uuid, new, actor=principal.actor)
    except DomainError as exc:
        return page("account.html", status=400, error=exc.message, done=False)
    # every login of the user ends (the API's refresh tokens too); this browser stays signed in
    web_session.sign_in(principal.user_id, principal.user_uuid)
    return redirect(url_for("web.account", changed=1))  # type: ignore[return-value]
