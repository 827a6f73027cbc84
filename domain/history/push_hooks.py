"""Push webhooks: a project's webhook secret and the push deliveries the forges sent.

- :class:`PushHookSecret` keeps the project's secret sealed (the forge's HMAC needs it in clear, so a
  hash would not do); replacing it is another ``Set`` event on the same aggregate.
- :class:`PushDelivery` is one accepted delivery; its id is derived from the project, the forge and
  the forge's delivery id, so a delivery sent twice cannot be recorded twice (the second save loses
  in the event store).
- :func:`verify` checks a request the way each forge signs it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import index_id

FORGES = ("github", "gitlab", "gitea")
MAX_DELIVERY_ID = 200


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class PushHookSecret(Aggregate):
    class Set(Aggregate.Event):
        sealed: str
        actor: str

    @staticmethod
    def create_id(project_uuid: UUID) -> UUID:
        return index_id("push-hook-secret", str(project_uuid))

    def __init__(self, project_uuid: UUID) -> None:
        self.project_uuid = project_uuid
        self.sealed: str | None = None

    @classmethod
    def for_project(cls, project_uuid: UUID) -> PushHookSecret:
        return cls(project_uuid=project_uuid)

    def replace(self, sealed: str, actor: str) -> None:
        self._set(sealed=sealed, actor=actor)

    @event(Set)
    def _set(self, sealed: str, actor: str) -> None:
        self.sealed = sealed


class PushDelivery(Aggregate):
    class Received(Aggregate.Created):
        project_uuid: UUID
        project_id: int
        forge: str
        delivery_id: str
        ref: str | None
        after: str | None
        actor: str

    @staticmethod
    def create_id(project_uuid: UUID, forge: str, delivery_id: str) -> UUID:
        return index_id("push-delivery", f"{project_uuid}\x00{forge}\x00{delivery_id}")

    @event(Received)
    def __init__(self, project_uuid: UUID, project_id: int, forge: str, delivery_id: str, ref: str | None,
                 after: str | None, actor: str) -> None:
        self.project_uuid = project_uuid
        self.forge = forge
        self.delivery_id = delivery_id


@dataclass(frozen=True)
class Push:
    """What a verified request says: the forge, its event kind, and its delivery id."""

    forge: str
    event: str
    delivery_id: str | None


class Headers(Protocol):
    """Request headers, looked up without regard to case."""

    def get(self, key: str) -> str | None: ...


def _header(headers: Headers, name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if value and value.strip() else None


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(headers: Headers, body: bytes, secret: str | None) -> Push | None:
    """The push a request carries when its signature (or GitLab's token) checks out with ``secret``;
    None otherwise (no secret set, no signature, a wrong one, or an unknown forge)."""
    if not secret:
        return None
    github = _header(headers, "X-Hub-Signature-256")
    if github is not None and _header(headers, "X-GitHub-Event"):
        expected = "sha256=" + _hmac_hex(secret, body)
        if not hmac.compare_digest(github.lower().encode(), expected.encode()):
            return None
        return Push("github", str(_header(headers, "X-GitHub-Event")), _header(headers, "X-GitHub-Delivery"))
    gitea = _header(headers, "X-Gitea-Signature") or _header(headers, "X-Forgejo-Signature")
    if gitea is not None:
        if not hmac.compare_digest(gitea.lower().encode(), _hmac_hex(secret, body).encode()):
            return None
        kind = _header(headers, "X-Gitea-Event") or _header(headers, "X-Forgejo-Event") or "push"
        delivery = _header(headers, "X-Gitea-Delivery") or _header(headers, "X-Forgejo-Delivery")
        return Push("gitea", kind, delivery)
    token = _header(headers, "X-Gitlab-Token")
    if token is not None and _header(headers, "X-Gitlab-Event"):
        if not hmac.compare_digest(token.encode(), secret.encode()):
            return None
        kind = str(_header(headers, "X-Gitlab-Event"))
        delivery = _header(headers, "X-Gitlab-Event-UUID") or _header(headers, "X-Gitlab-Webhook-UUID")
        return Push("gitlab", kind, delivery)
    return None


def is_push(push: Push) -> bool:
    return push.event.lower() in ("push", "push hook")


def is_ping(push: Push) -> bool:
    return push.event.lower() == "ping"


def delivery_key(push: Push, body: bytes) -> str:
    """The delivery's id: the forge's, or (a forge that sends none) the body's SHA-256."""
    if push.delivery_id:
        return push.delivery_id[:MAX_DELIVERY_ID]
    return "sha256:" + hashlib.sha256(body).hexdigest()
