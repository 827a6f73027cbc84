"""Outgoing notifications: a project's webhooks and the deliveries made to them.

- :class:`Webhook`: where to send (url), the secret the bodies are signed with (sealed), which event
  kinds; deleted webhooks get nothing more.
- :class:`Delivery`: one notification to one webhook. Its id is derived from the webhook and the fact
  it reports, so a fact seen twice (the notifier resumed after a crash) is never delivered as two.
  Attempts are claimed (a lease) before the request goes out and recorded after it; a delivery is
  retried with backoff until it succeeds or ``give_up_after`` seconds have passed since it was made.
- :class:`NotifierCursor`: how far the notifier has read each event log; saved in one transaction
  with the deliveries it made, so after a crash it resumes exactly where it stopped.
- :class:`VerdictRecord`: the last quality-gate verdict notified for a project's commit, so that
  ``qualityGate.changed`` is sent only when the verdict changes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Invalid
from domain.shared.ids import index_id

EVENT_KINDS = ("import.completed", "analysis.completed", "qualityGate.changed", "testRun.published",
               "build.finished")
PING = "ping"
MAX_URL = 2000
SIGNATURE_HEADER = "X-CodeAnnals-Signature-256"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_events(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise Invalid(f"events must be a non-empty list of: {', '.join(EVENT_KINDS)}")
    out: list[str] = []
    for kind in raw:
        if kind not in EVENT_KINDS:
            raise Invalid(f"unknown event {kind!r}: events are {', '.join(EVENT_KINDS)}")
        if kind not in out:
            out.append(str(kind))
    return out


def backoff_seconds(attempt: int, base: float) -> float:
    """The wait after the ``attempt``-th failed attempt (1, 2, ...): doubling from ``base``, at most 2 hours."""
    return float(min(base * 2 ** min(attempt - 1, 30), 7200.0))


class Webhook(Aggregate):
    class Created(Aggregate.Created):
        project_uuid: UUID
        project_id: int
        url: str
        sealed_secret: str
        events: list[str]
        actor: str

    class Deleted(Aggregate.Event):
        actor: str

    @event(Created)
    def __init__(self, project_uuid: UUID, project_id: int, url: str, sealed_secret: str, events: list[str],
                 actor: str) -> None:
        self.project_uuid = project_uuid
        self.project_id = project_id
        self.url = url
        self.sealed_secret = sealed_secret
        self.events = list(events)
        self.deleted = False

    def delete(self, actor: str) -> None:
        if not self.deleted:
            self._deleted(actor=actor)

    @event(Deleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True


class Delivery(Aggregate):
    class Created(Aggregate.Created):
        webhook_uuid: UUID
        webhook_id: int
        project_id: int
        kind: str
        fact_key: str
        payload: dict[str, Any]
        actor: str

    class Claimed(Aggregate.Event):
        worker: str
        until: float

    class Attempted(Aggregate.Event):
        attempt: int
        status_code: int | None
        error: str | None
        duration_ms: float
        succeeded: bool
        next_at: float | None  # None: no more attempts (succeeded, or given up)

    @staticmethod
    def create_id(webhook_uuid: UUID, fact_key: str) -> UUID:
        return index_id("webhook-delivery", f"{webhook_uuid}\x00{fact_key}")

    @event(Created)
    def __init__(self, webhook_uuid: UUID, webhook_id: int, project_id: int, kind: str, fact_key: str,
                 payload: dict[str, Any], actor: str) -> None:
        self.webhook_uuid = webhook_uuid
        self.webhook_id = webhook_id
        self.kind = kind
        self.payload = payload
        self.attempts = 0
        self.done = False
        self.next_at: float | None = 0.0
        self.claimed_until = 0.0

    def claim(self, worker: str, now: float, lease: float) -> None:
        if self.done:
            raise Invalid("the delivery is done")
        self._claimed(worker=worker, until=now + lease)

    @event(Claimed)
    def _claimed(self, worker: str, until: float) -> None:
        self.claimed_until = until

    def record(self, status_code: int | None, error: str | None, duration_ms: float, now: float, created_at: float,
               base: float, give_up_after: float) -> None:
        attempt = self.attempts + 1
        succeeded = status_code is not None and 200 <= status_code < 300
        next_at: float | None = None
        if not succeeded:
            candidate = now + backoff_seconds(attempt, base)
            next_at = candidate if candidate - created_at <= give_up_after else None
        self._attempted(attempt=attempt, status_code=status_code, error=error, duration_ms=duration_ms,
                        succeeded=succeeded, next_at=next_at)

    @event(Attempted)
    def _attempted(self, attempt: int, status_code: int | None, error: str | None, duration_ms: float,
                   succeeded: bool, next_at: float | None) -> None:
        self.attempts = attempt
        self.next_at = next_at
        self.done = next_at is None
        self.claimed_until = 0.0


class NotifierCursor(Aggregate):
    class Moved(Aggregate.Event):
        positions: dict[str, int]

    @staticmethod
    def create_id(name: str) -> UUID:
        return index_id("notifier-cursor", name)

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[str, int] = {}

    def move(self, positions: dict[str, int]) -> None:
        if positions != self.positions:
            self._moved(positions=dict(positions))

    @event(Moved)
    def _moved(self, positions: dict[str, int]) -> None:
        self.positions = dict(positions)


class VerdictRecord(Aggregate):
    class Changed(Aggregate.Event):
        status: str
        conditions: list[dict[str, Any]]

    @staticmethod
    def create_id(project_id: int, commit_hash: str) -> UUID:
        return index_id("gate-verdict", f"{project_id}:{commit_hash}")

    def __init__(self, project_id: int, commit_hash: str) -> None:
        self.project_id = project_id
        self.commit_hash = commit_hash
        self.status: str | None = None

    def change(self, status: str, conditions: list[dict[str, Any]]) -> bool:
        if status == self.status:
            return False
        self._changed(status=status, conditions=conditions)
        return True

    @event(Changed)
    def _changed(self, status: str, conditions: list[dict[str, Any]]) -> None:
        self.status = status
