"""Push webhooks (incoming): a forge tells the server about a push, and the import runs at once.

- ``POST /api/projects/{id}/hooks/secret`` (ADMIN) creates or replaces the project's webhook secret
  and answers it this once; it is kept sealed.
- ``POST /api/projects/{id}/hooks/push`` takes GitHub (``X-Hub-Signature-256``, ``X-GitHub-Event``,
  ``X-GitHub-Delivery``), GitLab (``X-Gitlab-Token``, ``X-Gitlab-Event``, ``X-Gitlab-Event-UUID``) and
  Gitea/Forgejo (``X-Gitea-Signature``, ``X-Gitea-Delivery``) deliveries. A missing or wrong signature
  is a 401 and records nothing; a ping is answered 200; a delivery id seen before is answered 200 and
  does nothing; other events are answered 200 and ignored. A push is recorded (forge, delivery id,
  ref, new head) together with a fetch request for the project's import job, and answered 202: the
  import worker fetches at once, and the analysis follows for an analysed project.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from domain.history.push_hooks import delivery_key, is_ping, is_push, verify
from domain.shared.errors import Unauthenticated
from interfaces.http.history.common import history_app
from interfaces.http.operations import public
from interfaces.http.projects.access import ADMIN, project_access, project_or_404, store
from interfaces.http.schemas import ErrorSchema
from projections.history import queries

blp = Blueprint("push_hooks", __name__, url_prefix="/api", description="Push webhooks from GitHub, GitLab, Gitea")


class SecretSchema(Schema):
    secret = fields.String(metadata={"description": "The new secret; shown this once"})


class PushAnswerSchema(Schema):
    status = fields.String(metadata={"description": "ACCEPTED, DUPLICATE, PONG or IGNORED"})
    forge = fields.String()
    deliveryId = fields.String(allow_none=True)
    refreshRequested = fields.Boolean()


@blp.route("/projects/<int:project_id>/hooks/secret")
class HookSecret(MethodView):
    @blp.response(200, SecretSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Not an ADMIN of the project")
    def post(self, project_id: int) -> dict[str, Any]:
        """Create or replace the project's push webhook secret (ADMIN). The answer is the only time it is shown."""
        access = project_access(project_id, ADMIN)
        secret = history_app().replace_push_secret(UUID(str(access.project["uuid"])), actor=access.principal.actor)
        return {"secret": secret}


def _push_facts(body: bytes) -> tuple[str | None, str | None]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(payload, dict):
        return None, None
    ref, after = payload.get("ref"), payload.get("after") or payload.get("checkout_sha")
    return (ref[:255] if isinstance(ref, str) else None), (after[:64] if isinstance(after, str) else None)


@blp.route("/projects/<int:project_id>/hooks/push")
class PushHook(MethodView):
    @public  # signed with the project's webhook secret instead of credentials
    @blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})
    @blp.response(202, PushAnswerSchema)
    @blp.alt_response(200, schema=PushAnswerSchema, description="A ping, a delivery seen before, or another event")
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or wrong signature")
    @blp.alt_response(404, schema=ErrorSchema, description="No such project")
    def post(self, project_id: int) -> tuple[dict[str, Any], int]:
        """A forge's push delivery, signed with the project's webhook secret."""
        project = project_or_404(project_id)
        project_uuid = UUID(str(project["uuid"]))
        body = request.get_data(cache=True)
        push = verify(request.headers, body, history_app().push_secret(project_uuid))
        if push is None:
            raise Unauthenticated("missing or wrong webhook signature")
        answer: dict[str, Any] = {"forge": push.forge, "deliveryId": push.delivery_id, "refreshRequested": False}
        if is_ping(push):
            return {**answer, "status": "PONG"}, 200
        if not is_push(push):
            return {**answer, "status": "IGNORED"}, 200
        key = delivery_key(push, body)
        ref, after = _push_facts(body)
        status = queries.import_status(store(), project_id)
        job_uuid = UUID(str(status["job_uuid"])) if status is not None and status.get("job_uuid") else None
        accepted = history_app().accept_push(project_uuid, project_id, job_uuid, push.forge, key, ref, after,
                                             actor=f"webhook:{push.forge}")
        answer["deliveryId"] = key
        if not accepted:
            return {**answer, "status": "DUPLICATE"}, 200
        return {**answer, "status": "ACCEPTED", "refreshRequested": job_uuid is not None}, 202
