"""API tokens for machines (Testery Bearer, Copr Basic, Projektor X-PROJEKTOR-TOKEN)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.shared.errors import NotFound
from interfaces.http.auth import require_user
from interfaces.http.identity.schemas import TokenCreatedSchema, TokenInfoSchema, TokenRequestSchema
from projections.identity import queries

blp = Blueprint("tokens", __name__, url_prefix="/api/user/tokens", description="API tokens of the caller")


@blp.route("")
class Tokens(MethodView):
    @blp.response(200, TokenInfoSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The caller's API tokens (never their values)."""
        principal = require_user()
        return queries.api_tokens_of(current_app.extensions["codeannals"].store, principal.user_id)

    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenCreatedSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Issue an API token. Its value is shown once; only its hash is kept."""
        principal = require_user()
        issued = current_app.extensions["codeannals"].identity.issue_token(
            principal.user_uuid, body["name"], actor=principal.actor
        )
        return {"id": issued.token_id, "name": issued.name, "token": issued.token}


@blp.route("/<int:token_id>")
class TokenResource(MethodView):
    @blp.response(204)
    @blp.alt_response(404, description="No such token of the caller")
    def delete(self, token_id: int) -> Response:
        """Revoke one of the caller's API tokens."""
        principal = require_user()
        container = current_app.extensions["codeannals"]
        row = queries.api_token(container.store, token_id)
        if row is None or int(row["user_id"]) != principal.user_id:
            raise NotFound(f"API token {token_id} not found")
        container.identity.revoke_token(principal.user_uuid, row["token_key"], actor=principal.actor)
        return Response(status=204)
