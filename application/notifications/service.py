"""Notification use cases: webhooks (set up by a project's ADMINs) and their deliveries."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from application.shared.base import ContextApplication
from application.shared.secrets import SecretBox
from domain.notifications.webhooks import Delivery, NotifierCursor, VerdictRecord, Webhook
from domain.shared.errors import Conflict, NotFound


class NotificationsApplication(ContextApplication):
    name = "notifications"
    snapshotting_intervals = {NotifierCursor: 100}

    def __init__(self, env: dict[str, str] | None = None, secrets: SecretBox | None = None) -> None:
        super().__init__(env)
        self.secrets = secrets or SecretBox.from_secret("unset", "webhook secrets")

    # --- webhooks -------------------------------------------------------------------------------
    def create_webhook(self, project_uuid: UUID, project_id: int, url: str, secret: str, events: list[str],
                       actor: str) -> tuple[UUID, int]:
        sealed = self.secrets.seal(secret)
        assert sealed is not None
        hook = Webhook(project_uuid=project_uuid, project_id=project_id, url=url, sealed_secret=sealed,
                       events=events, actor=actor)
        return hook.id, self.save_position(hook)

    def webhook(self, webhook_uuid: UUID) -> Webhook:
        hook: Webhook | None = self.find_aggregate(webhook_uuid)
        if hook is None or hook.deleted:
            raise NotFound("webhook not found")
        return hook

    def secret_of(self, hook: Webhook) -> str:
        secret = self.secrets.open(hook.sealed_secret)
        return secret or ""

    def delete_webhook(self, webhook_uuid: UUID, actor: str) -> None:
        hook = self.webhook(webhook_uuid)
        hook.delete(actor=actor)
        self.save(hook)

    def test_delivery(self, webhook_uuid: UUID, webhook_id: int, project_id: int, payload: dict[str, Any],
                      actor: str) -> UUID:
        """A ping delivery, sent by the worker like any other."""
        self.webhook(webhook_uuid)
        delivery = Delivery(webhook_uuid=webhook_uuid, webhook_id=webhook_id, project_id=project_id, kind="ping",
                            fact_key=f"ping:{uuid.uuid4()}", payload=payload, actor=actor)
        self.save(delivery)
        return delivery.id

    # --- the notifier's state -------------------------------------------------------------------
    def cursor(self, name: str) -> NotifierCursor:
        found: NotifierCursor | None = self.find_aggregate(NotifierCursor.create_id(name))
        return found or NotifierCursor(name=name)

    def verdict_record(self, project_id: int, commit_hash: str) -> VerdictRecord:
        found: VerdictRecord | None = self.find_aggregate(VerdictRecord.create_id(project_id, commit_hash))
        return found or VerdictRecord(project_id=project_id, commit_hash=commit_hash)

    def delivery(self, delivery_uuid: UUID) -> Delivery | None:
        found: Delivery | None = self.find_aggregate(delivery_uuid)
        return found

    def save_quietly(self, *objs: Any) -> bool:
        """Save; False when another worker saved first (optimistic concurrency)."""
        try:
            self.save(*objs)
            return True
        except Conflict:
            return False
