"""Read model of outgoing notifications: webhooks, their deliveries with every attempt, and the
quality-gate verdicts notified per commit (the gate's history over commits)."""

from __future__ import annotations

import json
from typing import Any

from domain.notifications.webhooks import Delivery, VerdictRecord, Webhook
from projections.projection import Envelope, Projection, handles
from projections.store import ReadStore, Row, Tx


class NotificationsProjection(Projection):
    name = "notifications"
    version = 1
    follows = ("notifications",)
    tables = {
        "webhooks": """CREATE TABLE webhooks (
            id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, project_id BIGINT NOT NULL, url TEXT NOT NULL,
            events TEXT NOT NULL, created_at TEXT NOT NULL, created_ts DOUBLE PRECISION NOT NULL,
            deleted BOOLEAN NOT NULL)""",
        "webhook_deliveries": """CREATE TABLE webhook_deliveries (
            uuid TEXT PRIMARY KEY, position BIGINT NOT NULL, webhook_uuid TEXT NOT NULL, webhook_id BIGINT NOT NULL,
            project_id BIGINT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
            status TEXT NOT NULL, attempts BIGINT NOT NULL, next_at DOUBLE PRECISION,
            last_status_code BIGINT, last_error TEXT, delivered_at TEXT)""",
        "webhook_attempts": """CREATE TABLE webhook_attempts (
            delivery_uuid TEXT NOT NULL, attempt BIGINT NOT NULL, at TEXT NOT NULL, status_code BIGINT,
            error TEXT, duration_ms DOUBLE PRECISION NOT NULL, PRIMARY KEY (delivery_uuid, attempt))""",
        "gate_verdicts": """CREATE TABLE gate_verdicts (
            project_id BIGINT NOT NULL, commit_hash TEXT NOT NULL, position BIGINT NOT NULL, status TEXT NOT NULL,
            conditions TEXT NOT NULL, changed_at TEXT NOT NULL, PRIMARY KEY (project_id, commit_hash, position))""",
        "gate_verdict_owners": """CREATE TABLE gate_verdict_owners (
            uuid TEXT PRIMARY KEY, project_id BIGINT NOT NULL, commit_hash TEXT NOT NULL)""",
    }
    indexes = [
        "CREATE INDEX webhooks_project ON webhooks (project_id, id)",
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at)",
        "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, position)",
    ]

    @handles(Webhook.Created)
    def webhook_created(self, tx: Tx, e: Envelope[Webhook.Created]) -> None:
        ev = e.event
        tx.execute("INSERT INTO webhooks (id, uuid, project_id, url, events, created_at, created_ts, deleted) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                   (e.position, str(ev.originator_id), int(ev.project_id), ev.url, json.dumps(ev.events),
                    e.occurred_at, ev.timestamp.timestamp(), False))

    @handles(Webhook.Deleted)
    def webhook_deleted(self, tx: Tx, e: Envelope[Webhook.Deleted]) -> None:
        tx.execute("UPDATE webhooks SET deleted=%s WHERE uuid=%s", (True, str(e.event.originator_id)))
        tx.execute("UPDATE webhook_deliveries SET status=%s, next_at=NULL WHERE webhook_uuid=%s AND status=%s",
                   ("CANCELED", str(e.event.originator_id), "PENDING"))

    @handles(Delivery.Created)
    def delivery_created(self, tx: Tx, e: Envelope[Delivery.Created]) -> None:
        ev = e.event
        tx.execute("INSERT INTO webhook_deliveries (uuid, position, webhook_uuid, webhook_id, project_id, kind, "
                   "payload, created_at, status, attempts, next_at, last_status_code, last_error, delivered_at) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                   (str(ev.originator_id), e.position, str(ev.webhook_uuid), int(ev.webhook_id), int(ev.project_id),
                    ev.kind, json.dumps(ev.payload), e.occurred_at, "PENDING", 0, 0.0, None, None, None))

    @handles(Delivery.Attempted)
    def delivery_attempted(self, tx: Tx, e: Envelope[Delivery.Attempted]) -> None:
        ev = e.event
        uuid = str(ev.originator_id)
        status = "SUCCEEDED" if ev.succeeded else "PENDING" if ev.next_at is not None else "FAILED"
        tx.execute("INSERT INTO webhook_attempts (delivery_uuid, attempt, at, status_code, error, duration_ms) "
                   "VALUES (%s, %s, %s, %s, %s, %s)",
                   (uuid, int(ev.attempt), e.occurred_at, ev.status_code, ev.error, float(ev.duration_ms)))
        tx.execute("UPDATE webhook_deliveries SET status=%s, attempts=%s, next_at=%s, last_status_code=%s, "
                   "last_error=%s, delivered_at=%s WHERE uuid=%s AND status <> %s",
                   (status, int(ev.attempt), ev.next_at, ev.status_code, ev.error,
                    e.occurred_at if ev.succeeded else None, uuid, "CANCELED"))

    @handles(VerdictRecord.Changed)
    def verdict_changed(self, tx: Tx, e: Envelope[VerdictRecord.Changed]) -> None:
        ev = e.event
        project_id, commit = _verdict_owner(tx, e)
        if project_id is None or commit is None:
            return
        tx.execute("INSERT INTO gate_verdicts (project_id, commit_hash, position, status, conditions, changed_at) "
                   "VALUES (%s, %s, %s, %s, %s, %s)",
                   (project_id, commit, e.position, ev.status, json.dumps(ev.conditions), e.occurred_at))

    @handles(VerdictRecord.Created)
    def verdict_opened(self, tx: Tx, e: Envelope) -> None:  # Created is defined by __init__: untyped fields
        tx.execute("INSERT INTO gate_verdict_owners (uuid, project_id, commit_hash) VALUES (%s, %s, %s)",
                   (str(e.event.originator_id), int(e.event.project_id), str(e.event.commit_hash)))


def _verdict_owner(tx: Tx, e: Envelope) -> tuple[int | None, str | None]:
    row = tx.fetchone("SELECT project_id, commit_hash FROM gate_verdict_owners WHERE uuid=%s",
                      (str(e.event.originator_id),))
    return (None, None) if row is None else (int(row["project_id"]), str(row["commit_hash"]))


# --- queries --------------------------------------------------------------------------------------
def _hook(row: Row) -> dict[str, Any]:
    return {**row, "events": json.loads(row["events"]), "deleted": bool(row["deleted"])}


def webhooks_of(store: ReadStore, project_id: int) -> list[dict[str, Any]]:
    return [_hook(r) for r in store.fetchall(
        "SELECT id, uuid, project_id, url, events, created_at, created_ts, deleted FROM webhooks "
        "WHERE project_id=%s AND NOT deleted ORDER BY id", (project_id,))]


def webhook_of(store: ReadStore, project_id: int, webhook_id: int) -> dict[str, Any] | None:
    row = store.fetchone("SELECT id, uuid, project_id, url, events, created_at, created_ts, deleted FROM webhooks "
                         "WHERE project_id=%s AND id=%s AND NOT deleted", (project_id, webhook_id))
    return None if row is None else _hook(row)


def due_deliveries(store: ReadStore, now: float, limit: int) -> list[str]:
    return [str(r["uuid"]) for r in store.fetchall(
        "SELECT uuid FROM webhook_deliveries WHERE status=%s AND next_at <= %s ORDER BY next_at, position LIMIT %s",
        ("PENDING", now, limit))]


def deliveries_of(store: ReadStore, webhook_id: int, limit: int = 100) -> list[dict[str, Any]]:
    rows = store.fetchall(
        "SELECT uuid, position, kind, payload, created_at, status, attempts, next_at, last_status_code, last_error, "
        "delivered_at FROM webhook_deliveries WHERE webhook_id=%s ORDER BY position DESC LIMIT %s",
        (webhook_id, limit))
    out = []
    for r in rows:
        attempts = store.fetchall("SELECT attempt, at, status_code, error, duration_ms FROM webhook_attempts "
                                  "WHERE delivery_uuid=%s ORDER BY attempt", (r["uuid"],))
        out.append({**r, "payload": json.loads(r["payload"]), "attempt_rows": attempts})
    return out


def verdict_history(store: ReadStore, project_id: int, limit: int = 1000) -> list[Row]:
    return store.fetchall("SELECT commit_hash, status, conditions, changed_at FROM gate_verdicts WHERE project_id=%s "
                          "ORDER BY position DESC LIMIT %s", (project_id, limit))
