"""coderadar user management: registration, login, refresh, password change, users, platform admins."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from application.identity.service import IdentityApplication
from application.identity.throttle import LoginThrottle
from domain.shared.actor import SYSTEM
from domain.shared.errors import Forbidden, NotFound, Unauthenticated
from interfaces.http.auth import JwtCodec, current_principal, require_platform_admin, require_user
from interfaces.http.identity.schemas import (
    AdminQuerySchema,
    CreatedSchema,
    LoginResultSchema,
    LoginSchema,
    PasswordChangeSchema,
    RefreshResultSchema,
    RefreshSchema,
    RegistrationSchema,
    UserSchema,
)
from interfaces.http.operations import public
from interfaces.http.projects.projects import delete_projects_created_by
from projections.identity import queries
from projections.store import ReadStore

blp = Blueprint("users", __name__, url_prefix="/api", description="coderadar users, login and platform roles")


def identity() -> IdentityApplication:
    app: IdentityApplication = current_app.extensions["codeannals"].identity
    return app


def store() -> ReadStore:
    s: ReadStore = current_app.extensions["codeannals"].store
    return s


def codec() -> JwtCodec:
    c: JwtCodec = current_app.extensions["codeannals.jwt"]
    return c


def ok() -> Response:
    return Response(status=200)


def user_or_404(user_id: int) -> dict[str, Any]:
    user = queries.user_by_id(store(), user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


@blp.route("/user/registration")
class Registration(MethodView):
    @public
    @blp.arguments(RegistrationSchema)
    @blp.response(201, CreatedSchema)
    @blp.alt_response(409, description="The username is taken")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a user. The first user to register becomes a platform admin."""
        principal = current_principal() if _has_credentials() else None
        actor = principal.actor if principal else SYSTEM
        registered = identity().register(body["username"], body["password"], actor=actor)
        return {"id": registered.user_id}


def _has_credentials() -> bool:
    return bool(request.headers.get("Authorization"))


@blp.route("/user/auth")
class Login(MethodView):
    @public
    @blp.arguments(LoginSchema)
    @blp.response(200, LoginResultSchema)
    @blp.alt_response(401, description="Bad username or password")
    @blp.alt_response(429, description="Too many failed attempts for this username or address")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Log in: an access token (15 minutes) and a refresh token (60 days).

        Failed attempts are throttled per username and per client address (429 with Retry-After)."""
        throttle: LoginThrottle = current_app.extensions["codeannals.login_throttle"]
        address = request.remote_addr or "unknown"
        throttle.check(body["username"], address)
        try:
            user = identity().authenticate(body["username"], body["password"])
        except Unauthenticated:
            throttle.failed(body["username"], address)
            raise
        throttle.succeeded(body["username"])
        row = queries.user_by_username(store(), user.username)
        if row is None:
            raise Unauthenticated("bad username or password")
        refresh, jti, expires_at = codec().refresh_token(row["id"], user.username)
        identity().record_login(user.id, jti, expires_at, actor=f"user:{row['id']}")
        return {
            "accessToken": codec().access_token(row["id"], user.username),
            "refreshToken": refresh,
            "userId": row["id"],
            "platformAdmin": bool(user.platform_admin),
        }


@blp.route("/user/refresh")
class Refresh(MethodView):
    @public
    @blp.arguments(RefreshSchema)
    @blp.response(200, RefreshResultSchema)
    @blp.alt_response(401, description="The refresh token is invalid, expired or revoked")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """A new access token from a stored, unrevoked refresh token."""
        claims = codec().decode(body["refreshToken"], "REFRESH")
        session = queries.refresh_token(store(), str(claims.get("jti", "")))
        if session is None or session["revoked"] or int(session["user_id"]) != int(claims["userId"]):
            raise Unauthenticated("refresh token revoked or unknown")
        user = queries.user_by_id(store(), int(claims["userId"]))
        if user is None:
            raise Unauthenticated("unknown or deleted user")
        return {"token": codec().access_token(user["id"], user["username"])}


@blp.route("/user/password/change")
class PasswordChange(MethodView):
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200)
    @blp.alt_response(401, description="Not logged in, or the refresh token is not the caller's")
    def post(self, body: dict[str, Any]) -> Response:
        """Change the caller's password; their refresh tokens are revoked."""
        principal = require_user()
        claims = codec().decode(body["refreshToken"], "REFRESH")
        session = queries.refresh_token(store(), str(claims.get("jti", "")))
        if session is None or session["revoked"] or int(session["user_id"]) != principal.user_id:
            raise Unauthenticated("the refresh token is not a valid session of the caller")
        identity().change_password(principal.user_uuid, body["newPassword"], actor=principal.actor)
        return ok()


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List all users."""
        require_user()
        return queries.list_users(store())


@blp.route("/users/<int:user_id>")
class UserResource(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(404, description="No such user")
    def get(self, user_id: int) -> dict[str, Any]:
        """Load a user."""
        require_user()
        return user_or_404(user_id)

    @blp.response(200)
    @blp.alt_response(403, description="Only platform admins may delete other users")
    def delete(self, user_id: int) -> Response:
        """Delete a user (and, through the projects context, the projects they created)."""
        principal = require_user()
        if not principal.platform_admin and principal.user_id != user_id:
            raise Forbidden("only platform administrators may delete other users")
        user = user_or_404(user_id)
        # Their projects first: if the user's deletion then fails, a retry of this request finishes it.
        delete_projects_created_by(user_id, actor=principal.actor)
        identity().delete_user(UUID(user["uuid"]), actor=principal.actor)
        return ok()


@blp.route("/users/<int:user_id>/admin")
class PlatformAdmin(MethodView):
    @blp.arguments(AdminQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(403, description="Only platform admins may set platform permissions")
    def post(self, args: dict[str, Any], user_id: int) -> Response:
        """Make a user a platform admin, or take it away."""
        principal = require_platform_admin()
        user = user_or_404(user_id)
        identity().set_platform_admin(UUID(user["uuid"]), bool(args["isAdmin"]), actor=principal.actor)
        return ok()
