"""The notification process manager: follows the event logs, makes deliveries for what happened, and
sends them.

One round (:meth:`Notifier.tick`):

1. Read each followed log after the cursor; each event may give facts (``import.completed`` for a
   project, ...) and commits whose quality-gate verdict to look at again. For each fact, every webhook
   of the project subscribed to its kind (and created before it happened) gets a :class:`Delivery`;
   a verdict that differs from the last one notified gives a ``qualityGate.changed`` fact. The
   deliveries, the verdict records and the moved cursor are saved in one transaction: a crash before
   it loses nothing (the round is done again), a crash after it repeats nothing.
2. Send the deliveries that are due: claim (a lease, so that two workers do not both send), send the
   signed body, record the attempt; a failure is retried with backoff until ``give_up_after``.

Sending happens after the facts are stored and off the request threads, so a slow or dead receiver
never slows a command.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from application.notifications.service import NotificationsApplication
from application.shared.base import ContextApplication
from domain.notifications.webhooks import SIGNATURE_HEADER, Delivery, sign
from domain.shared.actor import SYSTEM

log = logging.getLogger("codeannals.notifications")


@dataclass(frozen=True)
class Fact:
    """Something a webhook may be told about."""

    project_id: int
    kind: str
    key: str  # unique per fact: the delivery's id is derived from it
    occurred_at: float  # epoch seconds
    commit: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Derived:
    facts: list[Fact] = field(default_factory=list)
    verdicts: list[tuple[int, str]] = field(default_factory=list)  # (project id, commit hash) to look at again


@dataclass(frozen=True)
class Subscriber:
    uuid: UUID
    id: int
    created_at: float


class Environment(Protocol):
    """What the notifier needs of the rest of the server (read models, the gate, the network)."""

    def topics(self, application: str) -> list[str]: ...

    def derive(self, application: str, position: int, event: Any) -> Derived: ...

    def subscribers(self, project_id: int, kind: str) -> list[Subscriber]: ...

    def project_view(self, project_id: int) -> dict[str, Any]: ...

    def verdict(self, project_id: int, commit_hash: str) -> dict[str, Any] | None: ...

    def due_deliveries(self, now: float, limit: int) -> list[UUID]: ...

    def send(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str | None]: ...


@dataclass(frozen=True)
class NotifierSettings:
    retry_base_seconds: float = 10.0
    give_up_after_seconds: float = 26 * 3600.0
    lease_seconds: float = 60.0
    batch: int = 200
    checkpoint_seconds: float = 60.0


class Notifier:
    CURSOR = "webhooks"

    def __init__(self, notifications: NotificationsApplication, logs: dict[str, ContextApplication],
                 env: Environment, worker_id: str, settings: NotifierSettings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.app = notifications
        self.logs = logs
        self.env = env
        self.worker_id = worker_id
        self.settings = settings or NotifierSettings()
        self.clock = clock
        self._positions: dict[str, int] | None = None  # read so far (saved or not)
        self._saved: dict[str, int] = {}
        self._saved_at = clock()  # the first checkpoint comes after checkpoint_seconds

    # --- following the logs ---------------------------------------------------------------------
    def follow(self) -> int:
        """Read what happened since the cursor and make its deliveries; answers events read.

        The cursor is saved with the deliveries and verdict records a round makes (one transaction),
        and otherwise at most every ``checkpoint_seconds``: rounds that make nothing write nothing.
        Reading again after a crash is harmless: a delivery's id is derived from its fact."""
        if self._positions is None:
            self._positions = dict(self.app.cursor(self.CURSOR).positions)
            self._saved = dict(self._positions)
        positions = dict(self._positions)
        deliveries: dict[UUID, Delivery] = {}
        records: dict[UUID, Any] = {}
        seen = 0
        for name, app in self.logs.items():
            topics = self.env.topics(name)
            if not topics:
                continue
            start = positions.get(name, 0)
            for n in app.recorder.select_notifications(start=start + 1, limit=self.settings.batch, topics=topics):
                positions[name] = max(positions.get(name, 0), n.id)
                seen += 1
                derived = self.env.derive(name, n.id, app.mapper.to_domain_event(n))
                facts = list(derived.facts)
                for project_id, commit in dict.fromkeys(derived.verdicts):
                    facts.extend(self._verdict_fact(project_id, commit, n.id, name, records))
                for fact in facts:
                    self._deliveries_for(fact, deliveries)
        now = self.clock()
        due_checkpoint = positions != self._saved and now - self._saved_at >= self.settings.checkpoint_seconds
        if deliveries or records or due_checkpoint:
            cursor = self.app.cursor(self.CURSOR)
            cursor.move(positions)
            if self.app.save_quietly(cursor, *deliveries.values(), *records.values()):
                self._saved, self._saved_at = dict(positions), now
            else:
                log.info("another notifier saved first; reading again from the stored cursor")
                self._positions = None
                return seen
        self._positions = positions
        return seen

    def _verdict_fact(self, project_id: int, commit: str, position: int, source: str,
                      records: dict[UUID, Any]) -> list[Fact]:
        verdict = self.env.verdict(project_id, commit)
        if verdict is None:
            return []
        record = records.get(_verdict_key(project_id, commit)) or self.app.verdict_record(project_id, commit)
        previous = record.status
        if not record.change(str(verdict["status"]), list(verdict["conditions"])):
            return []
        records[record.id] = record
        return [Fact(project_id=project_id, kind="qualityGate.changed", key=f"gate:{source}:{position}:{commit}",
                     occurred_at=self.clock(), commit=commit,
                     facts={"status": verdict["status"], "previousStatus": previous,
                            "conditions": verdict["conditions"]})]

    def _deliveries_for(self, fact: Fact, out: dict[UUID, Delivery]) -> None:
        for hook in self.env.subscribers(fact.project_id, fact.kind):
            if hook.created_at > fact.occurred_at:
                continue  # the webhook did not exist yet when it happened
            delivery_id = Delivery.create_id(hook.uuid, fact.key)
            if delivery_id in out or self.app.delivery(delivery_id) is not None:
                continue
            payload = {"event": fact.kind, "project": self.env.project_view(fact.project_id),
                       "commit": fact.commit, "facts": fact.facts,
                       "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fact.occurred_at))}
            out[delivery_id] = Delivery(webhook_uuid=hook.uuid, webhook_id=hook.id, project_id=fact.project_id,
                                        kind=fact.kind, fact_key=fact.key, payload=payload, actor=SYSTEM)

    # --- sending --------------------------------------------------------------------------------
    def deliver_due(self, stop: Callable[[], bool] = lambda: False) -> int:
        sent = 0
        for delivery_id in self.env.due_deliveries(self.clock(), self.settings.batch):
            if stop():
                break
            if self.deliver(delivery_id):
                sent += 1
        return sent

    def deliver(self, delivery_id: UUID) -> bool:
        delivery = self.app.delivery(delivery_id)
        now = self.clock()
        if delivery is None or delivery.done or delivery.next_at is None or delivery.next_at > now \
                or delivery.claimed_until > now:
            return False
        try:
            hook = self.app.webhook(delivery.webhook_uuid)
        except Exception:  # deleted since: nothing more is sent
            return False
        delivery.claim(self.worker_id, now, self.settings.lease_seconds)
        if not self.app.save_quietly(delivery):
            return False  # another worker has it
        body = json.dumps({"id": str(delivery.id), **delivery.payload}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "CodeAnnals-Webhook",
                   "X-CodeAnnals-Event": delivery.kind, "X-CodeAnnals-Delivery": str(delivery.id),
                   SIGNATURE_HEADER: sign(self.app.secret_of(hook), body)}
        started = time.monotonic()
        status, error = self.env.send(hook.url, headers, body)
        duration = round((time.monotonic() - started) * 1000, 1)
        delivery.record(status, error, duration, self.clock(), delivery.created_on.timestamp(),
                        self.settings.retry_base_seconds, self.settings.give_up_after_seconds)
        if not self.app.save_quietly(delivery):
            log.warning("delivery %s: the attempt could not be recorded", delivery.id)
        return True

    def tick(self, stop: Callable[[], bool] = lambda: False) -> int:
        while self.follow() >= self.settings.batch and not stop():
            pass
        return self.deliver_due(stop)

    def seconds_until_next(self, ceiling: float) -> float:
        return ceiling


def _verdict_key(project_id: int, commit: str) -> UUID:
    from domain.notifications.webhooks import VerdictRecord

    return VerdictRecord.create_id(project_id, commit)


__all__: Sequence[str] = ("Derived", "Environment", "Fact", "Notifier", "NotifierSettings", "Subscriber")
